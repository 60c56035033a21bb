"""Bulk writes straight through the SQLite driver (multi-row INSERTs) for the engine's hot
paths (record outcomes, delivery state, links, the search index): the same rows the ORM
would write, stored the way SQLAlchemy stores them, without its per-row work.

Values are converted per column (the table says which columns hold JSON or timestamps),
not per value: on 100,000 records that per-value type test alone cost seconds."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, DateTime, Table
from sqlalchemy.orm import Session

_JSON_OPTIONS = orjson.OPT_NON_STR_KEYS
# Rows per INSERT: the driver lets go of the GIL for every statement it steps, and with
# the sender and the reader busy, getting it back a row at a time starved the store
# writer; one statement per 100 rows steps 100 times less. SQLite allows 32,766 variables.
_ROWS_PER_STATEMENT = 100
_MAX_VARIABLES = 32_000


def json_text(value: Any) -> str | None:
    """``value`` as JSON text the way the store keeps it (``None`` stays NULL)."""
    if value is None:
        return None
    return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode()


def _timestamp(value: datetime | None) -> str | None:
    # UTCDateTime: naive UTC in SQLAlchemy's SQLite text format
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _converter(table: Table, name: str) -> Callable[[list[Any]], list[Any]] | None:
    column_type = table.c[name].type
    impl = getattr(column_type, "impl", column_type)
    if isinstance(impl, JSON):
        return lambda values: [
            v if isinstance(v, str) or v is None else json_text(v) for v in values
        ]
    if isinstance(impl, DateTime):

        def stamps(values: list[Any]) -> list[Any]:
            seen: dict[datetime, str | None] = {}  # a chunk's rows share one "now"
            out: list[Any] = []
            for v in values:
                if isinstance(v, datetime):
                    if v not in seen:
                        seen[v] = _timestamp(v)
                    out.append(seen[v])
                else:
                    out.append(v)
            return out

        return stamps
    return None


def write_rows(
    session: Session,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
    ignore: bool = False,
) -> None:
    """INSERT ``rows`` (all with the same keys); ``ignore`` keeps existing rows, ``update``
    overwrites those columns of an existing row matched on ``conflict``. A JSON column
    takes a Python value or text already serialised with :func:`json_text`."""
    if rows:
        columns = {name: [row[name] for row in rows] for name in rows[0]}
        write_columns(session, table, columns, conflict=conflict, update=update, ignore=ignore)


def hold_write_lock(session: Session, table: Table) -> None:
    """Make the session's transaction a write transaction now (SQLite takes the write lock
    at its first write): what it reads next cannot change before it commits."""
    session.connection().exec_driver_sql(f'DELETE FROM "{table.name}" WHERE 0')


def write_columns(
    session: Session,
    table: Table,
    columns: dict[str, list[Any]],
    *,
    conflict: Sequence[str] = (),
    update: Sequence[str] = (),
    ignore: bool = False,
    changed: Sequence[str] = (),
) -> None:
    """:func:`write_rows` for rows given column by column (equal-length lists). With
    ``changed``, an existing row is updated only when one of those columns differs."""
    if not columns or not len(next(iter(columns.values()))):
        return
    values: list[list[Any]] = []
    for name, column in columns.items():
        convert = _converter(table, name)
        values.append(convert(column) if convert else column)
    rows = list(zip(*values, strict=True))
    per = max(1, min(_ROWS_PER_STATEMENT, _MAX_VARIABLES // len(columns)))
    full, rest = divmod(len(rows), per)
    connection = session.connection()
    if full:
        sql = _insert(table, columns, per, conflict, update, ignore, changed)
        flat = [tuple(v for row in rows[i * per : (i + 1) * per] for v in row) for i in range(full)]
        connection.exec_driver_sql(sql, flat)
    if rest:
        sql = _insert(table, columns, rest, conflict, update, ignore, changed)
        connection.exec_driver_sql(sql, tuple(v for row in rows[full * per :] for v in row))


def _insert(
    table: Table,
    columns: dict[str, list[Any]],
    rows: int,
    conflict: Sequence[str],
    update: Sequence[str],
    ignore: bool,
    changed: Sequence[str],
) -> str:
    """INSERT of ``rows`` rows in one statement (SQLite caches it by its text)."""
    names = ", ".join(f'"{c}"' for c in columns)
    marks = "(" + ", ".join("?" for _ in columns) + ")"
    verb = "INSERT OR IGNORE" if ignore else "INSERT"
    sql = f'{verb} INTO "{table.name}" ({names}) VALUES {", ".join([marks] * rows)}'
    if update:
        keys = ", ".join(f'"{c}"' for c in conflict)
        sets = ", ".join(f'"{c}" = excluded."{c}"' for c in update)
        sql += f" ON CONFLICT ({keys}) DO UPDATE SET {sets}"
        if changed:
            differs = " OR ".join(f'"{c}" IS NOT excluded."{c}"' for c in changed)
            sql += f" WHERE {differs}"
    return sql

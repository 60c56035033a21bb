"""Bulk writes straight through the SQLite driver's ``executemany`` for the engine's hot
paths (record outcomes, delivery state, links, the search index): the same rows the ORM
would write, stored the way SQLAlchemy stores them, without its per-row work."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session


def _db_value(value: Any) -> Any:
    if isinstance(value, datetime):  # UTCDateTime: naive UTC, SQLAlchemy's SQLite format
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dict | list):  # JSON columns
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


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
    overwrites those columns of an existing row matched on ``conflict``."""
    if not rows:
        return
    columns = list(rows[0])
    for name in columns:
        table.c[name]
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    verb = "INSERT OR IGNORE" if ignore else "INSERT"
    sql = f'{verb} INTO "{table.name}" ({names}) VALUES ({marks})'
    if update:
        keys = ", ".join(f'"{c}"' for c in conflict)
        sets = ", ".join(f'"{c}" = excluded."{c}"' for c in update)
        sql += f" ON CONFLICT ({keys}) DO UPDATE SET {sets}"
    params = [tuple(_db_value(row[c]) for c in columns) for row in rows]
    session.connection().exec_driver_sql(sql, params)

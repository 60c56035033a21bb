"""Every identity link of one system at once, for reconciliation: read through the
SQLite driver's own cursor (plain tuples), because 200,000 rows through SQLAlchemy's
result objects take seconds and through the driver a fraction of one."""

from __future__ import annotations

from app.store.db import Store

_LINKS = "SELECT external_id, golden_id FROM links WHERE entity = ? AND system = ? ORDER BY id"


def system_links(store: Store, entity: str, system: str) -> list[tuple[str, str]]:
    """(external id, golden id) of every link of ``system``, oldest first."""
    with store.session() as s:
        raw = s.connection().connection.driver_connection
        if raw is None:  # not a DBAPI connection: the portable way
            rows = s.connection().exec_driver_sql(_LINKS, (entity, system)).fetchall()
        else:
            rows = raw.execute(_LINKS, (entity, system)).fetchall()
    return [(str(e), str(g)) for e, g in rows]

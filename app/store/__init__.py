"""The local SQLite store: the schema (models and migrations), the session factory, bulk
writes, and the read queries of the screens (sync log, dashboard, data quality).

It is not the only package that writes SQL. The engine (``app.sync``), the services, the
scheduler and the alerts query the tables they own through SQLAlchemy's ORM and Core,
next to the logic that needs them: a run's state, the retry queue and identity links live
in ``app.sync``, a profile's row in ``app.services.profiles``. Raw SQL strings outside this
package are few and say why: an index hint (``app.sync.identity``), the full-text index
(``app.sync.search``), batched deletes (``app.services.retention``) and the self-test's
PRAGMA checks. Nothing outside ``app.store`` opens a connection of its own."""

# the features' models register their tables with the shared metadata
from app.store import (  # noqa: F401
    mapping_models,
    matching_models,
    privacy_models,
    reconcile_models,
    retailing_models,
    scheduling_models,
    segment_models,
)
from app.store.db import Store, open_store

__all__ = ["Store", "open_store"]

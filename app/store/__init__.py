"""The local SQLite store: the only package that knows SQL."""

# the features' models register their tables with the shared metadata
from app.store import mapping_models, matching_models, scheduling_models  # noqa: F401
from app.store.db import Store, open_store

__all__ = ["Store", "open_store"]

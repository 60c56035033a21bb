"""The local SQLite store: the only package that knows SQL."""

from app.store.db import Store, open_store

__all__ = ["Store", "open_store"]

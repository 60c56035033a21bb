"""Inventory feeds: read the DMS inventory, build the Google / Meta / website feeds,
deliver them atomically, record what was published, and republish within seconds when
a unit is sold. ``publish_all(store)`` is what a scheduled job calls."""

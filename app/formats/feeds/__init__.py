"""Inventory feed codecs: Google vehicle listings, Meta automotive catalog, dealer-website
CSV. Pure functions from inventory rows to feed bytes (and back, for checking)."""

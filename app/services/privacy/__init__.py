"""Privacy requests: erasure, access exports, and the tombstones that keep erased people
out of later syncs (``tombstones``)."""

"""Customer matching: normalise, block, score, explain, cluster, survivorship. Pure data
logic on pandas frames (no I/O, no Qt)."""

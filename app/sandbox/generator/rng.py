"""Seeded random streams: one independent numpy generator per generation step.

Each step draws from its own stream (keyed by the seed and the step's name) so adding a
draw to one step does not reshuffle every table generated after it.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """Return the PCG64 generator for step ``name`` under ``seed`` (deterministic)."""
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, key])))


def weighted(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Draw ``size`` indices into ``weights`` with probability proportional to the weight."""
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.searchsorted(cum, rng.random(size) * cum[-1], side="right").clip(0, len(cum) - 1)


def group_offsets(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For rows repeated ``counts`` times: (parent index per row, position within parent)."""
    counts = np.asarray(counts, dtype=np.int64)
    parent = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return parent, np.arange(len(parent)) - starts[parent]

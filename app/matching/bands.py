"""Bands: auto-link, review, no match — and what moving the thresholds would do."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

AUTO, REVIEW, NONE = "auto", "review", "none"
BAND_LABELS = {AUTO: "Auto-link", REVIEW: "Review", NONE: "No match"}


@dataclass(frozen=True)
class Thresholds:
    """Scores are probabilities in [0, 1]; auto >= high, review >= low."""

    # Scores are calibrated posteriors: auto-link what is more likely one person than
    # not; review only the close calls.
    high: float = 0.5
    low: float = 0.4

    def __post_init__(self) -> None:
        if not 0 < self.low <= self.high <= 1:
            raise ValueError("thresholds must satisfy 0 < review <= auto-link <= 1")


def band_codes(score: npt.NDArray[np.float64], t: Thresholds) -> npt.NDArray[np.int8]:
    """2 = auto, 1 = review, 0 = none, by the score alone: what speaks for or against a
    pair (a household, a different birth date) is in the score already."""
    return np.where(score >= t.high, 2, np.where(score >= t.low, 1, 0)).astype(np.int8)


CODE_TO_BAND = (NONE, REVIEW, AUTO)


@dataclass(frozen=True)
class Preview:
    """Pair counts per band before/after a threshold change, and the moves between them."""

    before: dict[str, int]
    after: dict[str, int]
    moves: dict[tuple[str, str], int]

    def summary(self) -> str:
        parts = [
            f"{n:,} pairs {BAND_LABELS[a].lower()} -> {BAND_LABELS[b].lower()}"
            for (a, b), n in sorted(self.moves.items())
            if n
        ]
        return "; ".join(parts) if parts else "No pair changes band."


def preview(score: npt.NDArray[np.float64], old: Thresholds, new: Thresholds) -> Preview:
    b0 = band_codes(score, old)
    b1 = band_codes(score, new)
    count = lambda b: {CODE_TO_BAND[i]: int((b == i).sum()) for i in range(3)}  # noqa: E731
    moves = {}
    changed = b0 != b1
    for i in range(3):
        for j in range(3):
            if i != j:
                moves[(CODE_TO_BAND[i], CODE_TO_BAND[j])] = int(
                    (changed & (b0 == i) & (b1 == j)).sum()
                )
    return Preview(count(b0), count(b1), moves)


# Histogram of pair scores, kept with each scan so Settings can preview a threshold
# change without re-running the match: bins on the logit scale are fine near 0 and 1.
_LOGIT_EDGES = np.linspace(-40.0, 40.0, 3201)


def _logit(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    p = np.clip(p, 1e-17, 1 - 1e-16)
    return np.asarray(np.log(p) - np.log1p(-p))


def histogram(score: npt.NDArray[np.float64]) -> dict[str, list[int]]:
    """Pair counts per score bin (``free``: every pair may take any band)."""
    counts, _ = np.histogram(_logit(score), bins=_LOGIT_EDGES)
    return {"free": counts.astype(int).tolist()}


def preview_histogram(hist: dict[str, list[int]], old: Thresholds, new: Thresholds) -> Preview:
    """``preview`` from a stored histogram (exact up to one bin, 0.025 in logit). Scans
    stored before scores stood alone also have pairs that were held ("hold"): they now
    band by their score like the others."""
    centres = (_LOGIT_EDGES[:-1] + _LOGIT_EDGES[1:]) / 2
    score = 1 / (1 + np.exp(-centres))
    w = np.zeros(len(centres), dtype=np.int64)
    for name in ("free", "hold"):
        w += np.asarray(hist.get(name, [0] * len(centres)), dtype=np.int64)
    s = score
    b0 = band_codes(s, old)
    b1 = band_codes(s, new)
    count = lambda b: {CODE_TO_BAND[i]: int(w[b == i].sum()) for i in range(3)}  # noqa: E731
    moves = {
        (CODE_TO_BAND[i], CODE_TO_BAND[j]): int(w[(b0 == i) & (b1 == j)].sum())
        for i in range(3)
        for j in range(3)
        if i != j
    }
    return Preview(count(b0), count(b1), moves)

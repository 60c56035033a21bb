"""Pairwise quality of clusters against ground truth (precision, recall, F1)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    f1: float
    predicted_pairs: int
    true_pairs: int


def _pairs(counts: npt.NDArray[np.int64]) -> int:
    return int((counts * (counts - 1) // 2).sum())


def pairwise(cluster: npt.NDArray[np.int64], truth: npt.NDArray[np.int64]) -> Quality:
    """Every pair of records in one predicted cluster is a predicted link; compare with
    the pairs that share a true person id."""
    predicted = _pairs(np.unique(cluster, return_counts=True)[1])
    actual = _pairs(np.unique(truth, return_counts=True)[1])
    joint = cluster.astype(np.int64) * (int(truth.max()) + 1 if len(truth) else 1) + truth
    tp = _pairs(np.unique(joint, return_counts=True)[1])
    p = tp / predicted if predicted else 1.0
    r = tp / actual if actual else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return Quality(p, r, f1, predicted, actual)


def pair_recall(
    a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], truth: npt.NDArray[np.int64]
) -> float:
    """Share of true pairs present among the candidate pairs (blocking recall)."""
    actual = _pairs(np.unique(truth, return_counts=True)[1])
    found = int((truth[a] == truth[b]).sum())
    return found / actual if actual else 1.0

"""The whole matching run on one frame of person records: normalise -> block -> score ->
band -> cluster, with timings and per-record results."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from app.matching import blocking, cluster, explain
from app.matching.bands import CODE_TO_BAND, Thresholds, band_codes
from app.matching.compare import FIELD_INDEX, FIELDS
from app.matching.model import Model
from app.matching.normalise import Norm, normalise
from app.matching.scoring import Scored, score_pairs

StepFn = Callable[[str, int, int], None]  # (step, done, total)
STEPS = ("normalise", "block", "score", "cluster")
I64 = npt.NDArray[np.int64]


@dataclass
class MatchResult:
    norm: Norm
    pairs: Scored
    bands: npt.NDArray[np.int8]  # per pair: 2 auto, 1 review, 0 none
    labels: I64  # cluster label per record (auto-links only)
    model: Model
    thresholds: Thresholds
    per_pass: dict[str, int]
    timings: dict[str, float] = field(default_factory=dict)
    split_components: int = 0

    @property
    def n(self) -> int:
        return self.norm.n

    def conflict(self, x: I64, y: I64) -> npt.NDArray[np.bool_]:
        return conflicts(self.norm, self.model, x, y)

    def review_pairs(self) -> I64:
        """Review-band pairs whose records are not already in one auto-linked cluster."""
        rev = np.flatnonzero(self.bands == 1)
        return rev[self.labels[self.pairs.a[rev]] != self.labels[self.pairs.b[rev]]]

    def review_share(self) -> float:
        rows = self.review_pairs()
        if not len(rows) or not self.n:
            return 0.0
        recs = np.unique(np.concatenate([self.pairs.a[rows], self.pairs.b[rows]]))
        return len(recs) / self.n

    def per_record(self) -> pd.DataFrame:
        """cluster_id, match_score, match_band, match_reasons, match_row (the other record
        of that pair, -1 none) of each input row: the record's strongest pair inside its
        cluster (auto) or else its best review pair."""
        n = self.n
        a, b, score = self.pairs.a, self.pairs.b, self.pairs.score
        cluster_id = _dense(self.labels)
        best_score = np.zeros(n)
        best_pair = np.full(n, -1, dtype=np.int64)
        partner = np.full(n, -1, dtype=np.int64)
        best_band = np.zeros(n, dtype=np.int8)
        same = self.labels[a] == self.labels[b]
        useful = np.flatnonzero(((self.bands == 2) & same) | (self.bands == 1))
        # Higher band first, then higher score: sort so the last write wins.
        order = useful[np.lexsort((score[useful], self.bands[useful]))]
        for side, other in ((a, b), (b, a)):
            recs = side[order]
            best_pair[recs] = order
            partner[recs] = other[order]
        has = best_pair >= 0
        best_score[has] = score[best_pair[has]]
        best_band[has] = self.bands[best_pair[has]]
        texts = np.full(n, "", dtype=object)
        if has.any():
            texts[has] = explain.reasons(self.pairs, best_pair[has])
        return pd.DataFrame(
            {
                "cluster_id": cluster_id + 1,
                "match_score": np.round(best_score, 4),
                "match_band": [CODE_TO_BAND[i] if i else "none" for i in best_band.tolist()],
                "match_reasons": texts,
                "match_row": partner,
            }
        )


def _narrow(rows: I64) -> I64:
    """``rows`` as int32 when every record number fits (typed as the int64 they stand for)."""
    if len(rows) and int(rows.max()) >= np.iinfo(np.int32).max:
        return rows
    return rows.astype(np.int32)


def _dense(labels: I64) -> I64:
    _, inverse = np.unique(labels, return_inverse=True)
    return inverse.astype(np.int64)


def conflicts(norm: Norm, model: Model, x: I64, y: I64) -> npt.NDArray[np.bool_]:
    """Records that are clearly different people: the model scores the pair low and its
    fields speak against one person (a different birth date, first name or id...)."""
    if not len(x):
        return np.zeros(0, dtype=bool)
    lo, hi = np.minimum(x, y), np.maximum(x, y)
    scored, _ = score_pairs(norm, lo, hi, model)
    return scored.conflict


F64 = npt.NDArray[np.float64]


def evidence(
    norm: Norm, model: Model, x: I64, y: I64
) -> tuple[npt.NDArray[np.bool_], F64, F64, F64]:
    """``conflicts`` of the pairs, their weight (log2 odds of one person), of their
    chance of being two people the share that is two people of one household, and per
    field (columns) the level's log2 m/u, NaN where a record lacks the field (the cluster
    guard compares groups of records field by field)."""
    if not len(x):
        return np.zeros(0, dtype=bool), np.zeros(0), np.zeros(0), np.zeros((0, len(FIELDS)))
    lo, hi = np.minimum(x, y), np.maximum(x, y)
    scored, _ = score_pairs(norm, lo, hi, model)
    home = scored.related / np.maximum(1.0 - scored.score, 1e-300)
    levels = scored.cmp.matrix()
    fields = np.full(levels.shape, np.nan)
    for j, (f, table) in enumerate(zip(FIELDS, model.weights(), strict=True)):
        k = levels[:, j]
        known = (k >= 1) & (k <= len(f.levels))
        fields[known, j] = table[k[known]]
    return scored.conflict, scored.weight, np.clip(home, 0.0, 1.0), fields


class Clock:
    """Seconds per step (``timings``), each step reported to ``on_step`` as it ends."""

    def __init__(self, on_step: StepFn | None = None) -> None:
        self.on_step = on_step
        self.timings: dict[str, float] = {}
        self.tick = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = now - self.tick
        self.tick = now
        if self.on_step is not None:
            self.on_step(name, STEPS.index(name) + 1, len(STEPS))


def match_frame(
    frame: pd.DataFrame,
    thresholds: Thresholds | None = None,
    *,
    model: Model | None = None,
    on_step: StepFn | None = None,
    all_pairs: bool = True,
) -> MatchResult:
    """Run the pipeline on a role frame (``roles.role_frame``). Without ``all_pairs``
    the result keeps only the pairs in the auto-link and review bands (all that
    ``per_record`` and the review figures use): a large file's other candidate pairs,
    most of them, are scored a chunk at a time and let go."""
    clock = Clock(on_step)
    norm = normalise(frame)
    clock("normalise")
    return match_norm(norm, thresholds, model=model, clock=clock, all_pairs=all_pairs)


def match_norm(
    norm: Norm,
    thresholds: Thresholds | None = None,
    *,
    model: Model | None = None,
    clock: Clock | None = None,
    all_pairs: bool = True,
) -> MatchResult:
    """``match_frame`` of records already normalised (``clock`` timed that step): a
    caller holding a large file can let its text go before blocking and scoring."""
    t = thresholds or Thresholds()
    step = clock or Clock()
    cand = blocking.candidates(norm)
    step("block")
    keep = None if all_pairs else (lambda score: band_codes(score, t) >= 1)
    per_pass = cand.per_pass
    # Record numbers of the candidate pairs as int32 while they are scored (only used
    # to pick rows): a large file's tens of millions of pairs take half the memory.
    a, b = _narrow(cand.a), _narrow(cand.b)
    del cand
    scored, fitted = score_pairs(norm, a, b, model, keep=keep)
    del a, b
    scored.a, scored.b = scored.a.astype(np.int64), scored.b.astype(np.int64)
    bands = band_codes(scored.score, t)
    step("score")
    auto = np.flatnonzero(bands == 2)
    labels, split = cluster.guarded_clusters(
        norm.n,
        scored.a[auto],
        scored.b[auto],
        scored.weight[auto],
        lambda x, y: conflicts(norm, fitted, x, y),
        evidence=lambda x, y: evidence(norm, fitted, x, y),
        margin=cluster.group_bits(fitted.related / max(fitted.prior, 1e-300)),
    )
    step("cluster")
    return MatchResult(norm, scored, bands, labels, fitted, t, per_pass, step.timings, split)


__all__ = ["FIELD_INDEX", "Clock", "MatchResult", "conflicts", "match_frame", "match_norm"]

"""Scoring a chunk at a time, by level patterns, and keeping only the banded pairs give
the very numbers of scoring every pair at once."""

from __future__ import annotations

import numpy as np
import pytest

from app.matching import scoring
from app.matching.bands import Thresholds, band_codes
from app.matching.normalise import normalise
from app.matching.pipeline import match_frame
from app.sandbox.generator import Dataset

from .test_pipeline import labelled


@pytest.fixture(scope="module")
def frame(small_ds: Dataset):  # type: ignore[no-untyped-def]
    return labelled(small_ds)[0]


def test_chunks_and_pattern_tables_give_the_same_scores(frame, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    result = match_frame(frame)
    a, b, model = result.pairs.a, result.pairs.b, result.model
    norm = normalise(frame)
    whole, _ = scoring.score_pairs(norm, a, b, model)  # one chunk, per distinct pattern
    monkeypatch.setattr(scoring, "SCORE_CHUNK", max(len(a) // 7, 1))
    monkeypatch.setattr(scoring, "DENSE_FROM", 1)  # the table of codes from the first chunk
    chunked, _ = scoring.score_pairs(norm, a, b, model)
    for name in ("weight", "score", "related", "against"):
        assert np.array_equal(getattr(whole, name), getattr(chunked, name)), name
    assert np.array_equal(whole.score, result.pairs.score)


def test_keeping_only_banded_pairs_changes_no_record(frame) -> None:  # type: ignore[no-untyped-def]
    t = Thresholds()
    full = match_frame(frame, t)
    lean = match_frame(frame, t, all_pairs=False)
    banded = band_codes(full.pairs.score, t) >= 1
    assert len(lean.pairs) == int(banded.sum()) < len(full.pairs)
    assert np.array_equal(lean.pairs.a, full.pairs.a[banded])
    assert np.array_equal(lean.labels, full.labels)
    assert lean.per_record().equals(full.per_record())
    assert lean.review_share() == full.review_share()

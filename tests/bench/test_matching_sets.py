"""The matching bench's ``ours-rows:N`` set: N rows at most, made of whole people."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from bench_matching import _whole_people


def test_rows_are_cut_at_whole_people() -> None:
    rng = np.random.default_rng(7)
    person = rng.integers(0, 5_000, size=11_000)
    keep = _whole_people(person, 8_000, seed=42)
    kept = set(person[keep].tolist())
    assert 7_990 <= int(keep.sum()) <= 8_000  # a person has a few records at most
    # nobody is cut in two: every record of a kept person is kept, no other record is
    assert set(person[~keep].tolist()).isdisjoint(kept)


def test_the_same_seed_keeps_the_same_people() -> None:
    person = np.repeat(np.arange(1_000), 3)
    a = _whole_people(person, 1_500, seed=1)
    assert (a == _whole_people(person, 1_500, seed=1)).all()
    assert not (a == _whole_people(person, 1_500, seed=2)).all()
    assert int(a.sum()) == 1_500

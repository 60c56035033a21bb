"""Candidate clusters for the duplicate queue: which pairs are kept, how they group, and
how sure each cluster is."""

from __future__ import annotations

import numpy as np

from app.matching.cluster import CandidateCluster, candidate_clusters, kept_rows

# Seven records. Pairs (row: a-b band score): 0: 0-1 auto .97, 1: 3-4 auto .99,
# 2: 1-2 review .70, 3: 4-5 none .20, 4: 2-0 review .80, 5: 5-6 review .60
A = np.array([0, 3, 1, 4, 2, 5], dtype=np.int64)
B = np.array([1, 4, 2, 5, 0, 6], dtype=np.int64)
SCORE = np.array([0.97, 0.99, 0.70, 0.20, 0.80, 0.60])
BANDS = np.array([2, 2, 1, 0, 1, 1], dtype=np.int8)
KEYS = [f"crm|{i}" for i in range(7)]


def test_pairs_below_review_and_pairs_marked_different_either_way_round_are_dropped() -> None:
    assert kept_rows(BANDS, A, B, KEYS, set()).tolist() == [0, 1, 2, 4, 5]
    decided = {("crm|0", "crm|2"), ("crm|5", "crm|6")}  # row 4 is stored as 2-0
    assert kept_rows(BANDS, A, B, KEYS, decided).tolist() == [0, 1, 2]


def test_clusters_join_their_records_and_take_the_best_review_link_as_their_score() -> None:
    rows = kept_rows(BANDS, A, B, KEYS, set())
    clusters = candidate_clusters(7, A, B, SCORE, BANDS, rows)
    assert clusters == [
        # its auto link scores .97, but a review cluster is as sure as its best review link
        CandidateCluster(records=[0, 1, 2], pairs=[0, 2, 4], kept=[0, 2, 3], band="review",
                         score=0.80, best=2),
        CandidateCluster(records=[3, 4], pairs=[1], kept=[1], band="auto", score=0.99, best=0),
        CandidateCluster(records=[5, 6], pairs=[5], kept=[4], band="review", score=0.60, best=0),
    ]  # fmt: skip
    for c in clusters:  # ``kept`` indexes data computed for the kept rows only
        assert rows[c.kept].tolist() == c.pairs


def test_an_auto_cluster_scores_its_best_link_and_no_pairs_make_no_clusters() -> None:
    a, b = np.array([0, 1], dtype=np.int64), np.array([1, 2], dtype=np.int64)
    score, bands = np.array([0.91, 0.98]), np.array([2, 2], dtype=np.int8)
    [only] = candidate_clusters(3, a, b, score, bands, np.array([0, 1], dtype=np.int64))
    assert (only.records, only.band, only.score, only.best) == ([0, 1, 2], "auto", 0.98, 1)
    assert candidate_clusters(3, a, b, score, bands, np.array([], dtype=np.int64)) == []

"""Blocking recall, scoring, the household guard and the chaining guard on the labelled
demo data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.matching import roles
from app.matching.bands import Thresholds, band_codes, preview
from app.matching.cluster import components, guarded_clusters
from app.matching.evaluate import pair_recall, pairwise
from app.matching.pipeline import MatchResult, match_frame
from app.sandbox.generator import Dataset


def labelled(ds: Dataset) -> tuple[pd.DataFrame, np.ndarray]:
    frames, people = [], []
    truth = ds["truth"].set_index(["system", "record_id"])["person_id"]
    for system, table, key in (
        ("dms", "dms_customers", "customer_id"),
        ("crm", "crm_contacts", "contact_id"),
        ("marketing", "marketing_contacts", "subscriber_id"),
    ):
        df = ds[table]
        frames.append(roles.role_frame(df, roles.resolve(list(df.columns), {})))
        people += [truth[(system, r)] for r in df[key]]
    person = pd.factorize(pd.Series(people))[0]
    return pd.concat(frames, ignore_index=True), person


@pytest.fixture(scope="module")
def run(small_ds: Dataset) -> tuple[MatchResult, np.ndarray, pd.DataFrame]:
    frame, person = labelled(small_ds)
    return match_frame(frame), person, frame


def test_blocking_finds_nearly_every_true_pair(run) -> None:  # type: ignore[no-untyped-def]
    result, person, _ = run
    assert pair_recall(result.pairs.a, result.pairs.b, person) >= 0.95
    assert len(result.pairs) < result.n * 12  # near-linear, not all pairs


def test_auto_links_are_precise_and_find_most_duplicates(run) -> None:  # type: ignore[no-untyped-def]
    result, person, _ = run
    q = pairwise(result.labels, person)
    assert q.precision >= 0.98
    assert q.recall >= 0.9
    assert result.review_share() < 0.1


def test_households_are_never_auto_linked(small_ds: Dataset, run) -> None:  # type: ignore[no-untyped-def]
    result, person, _frame = run
    s = result.pairs
    # Pairs that share a phone but have clearly different first names: family members.
    family = s.household & (s.cmp.levels["phone"] == 1)
    assert family.sum() > 10
    assert (result.bands[family] == 0).all()
    assert (person[s.a[family]] != person[s.b[family]]).mean() > 0.9


def test_reasons_explain_each_row(run) -> None:  # type: ignore[no-untyped-def]
    result, _, frame = run
    per = result.per_record()
    assert len(per) == len(frame)
    linked = per[per["match_band"] == "auto"]
    assert len(linked) > 100
    assert linked["match_reasons"].str.len().gt(0).all()
    assert linked["match_reasons"].str.contains("same").all()


def _frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    return roles.role_frame(df, roles.resolve(list(df.columns), {}))


def test_chain_through_a_weak_record_is_cut() -> None:
    # Two different people linked only through a record that looks like both.
    rows = [
        {"first_name": "Maria", "last_name": "Lopez", "phone": "313-555-0142", "dob": "1970-01-02"},
        {"first_name": "Maria", "last_name": "Lopez", "phone": "313-555-0142", "dob": ""},
        {"first_name": "Maria", "last_name": "Lopez", "phone": "313-555-0142", "dob": "1995-07-30"},
    ]
    frame = _frame(rows)
    result = match_frame(frame, Thresholds(0.5, 0.1))
    a, b = np.array([0, 1]), np.array([1, 2])
    weight = np.array([10.0, 5.0])
    label, split = guarded_clusters(3, a, b, weight, result.conflict)
    assert split == 1
    assert label[0] != label[2]  # the two birth dates never end up together
    assert label[0] == label[1]  # the stronger link survives
    assert components(3, a, b).tolist() == [0, 0, 0]


def test_family_sharing_phone_and_address_is_not_one_person() -> None:
    rows = [
        {
            "first_name": "Robert",
            "last_name": "Kim",
            "phone": "313-555-0142",
            "street": "1 Main St",
            "zip": "48084",
            "dob": "1970-01-02",
        },
        {
            "first_name": "Susan",
            "last_name": "Kim",
            "phone": "313-555-0142",
            "street": "1 Main St",
            "zip": "48084",
            "dob": "1972-05-09",
        },
        {
            "first_name": "Bob",
            "last_name": "Kim",
            "phone": "(313) 555-0142",
            "street": "1 MAIN STREET",
            "zip": "48084",
            "dob": "1970-01-02",
        },
    ]
    result = match_frame(_frame(rows))
    assert result.labels[0] == result.labels[2]  # Bob = Robert
    assert result.labels[1] != result.labels[0]
    per = result.per_record()
    assert per.loc[1, "match_band"] == "none"


def test_threshold_preview_counts_moves(run) -> None:  # type: ignore[no-untyped-def]
    result, _, _ = run
    s = result.pairs
    p = preview(s.score, Thresholds(0.8, 0.2), Thresholds(0.99, 0.5))
    before = band_codes(s.score, Thresholds(0.8, 0.2))
    assert p.before["auto"] == int((before == 2).sum())
    assert p.moves[("auto", "review")] > 0
    assert sum(p.before.values()) == sum(p.after.values()) == len(s)
    assert "auto-link -> review" in p.summary()


def test_a_shared_email_alone_is_enough(run) -> None:  # type: ignore[no-untyped-def]
    # u of "same e-mail" is measured from value counts, not from a random sample (where
    # it would be the sample's smoothing, too high for one shared address to ever win).
    result, person, _ = run
    s = result.pairs
    lv = s.cmp.levels
    only_email = (lv["email"] == 1) & (lv["phone"] != 1) & (lv["location"] != 1)
    only_email &= ~s.household & ~s.conflict
    assert only_email.sum() > 20
    assert (result.bands[only_email] == 2).mean() > 0.95
    assert (person[s.a[only_email]] == person[s.b[only_email]]).mean() > 0.99


def test_identifier_u_is_measured_not_sampled() -> None:
    from app.matching import model as fs

    # Of the record pairs agreeing on a field (counted exactly from value frequencies),
    # those the same-person and household classes do not explain are strangers: u of
    # "same" is that count over all pairs, not a random sample's smoothing.
    n = 100_000
    total = n * (n - 1) / 2
    base = fs.default_model(n)
    m = {k: list(v) for k, v in base.m.items()}
    h = {k: list(v) for k, v in base.h.items()}
    m["email"], h["email"] = [0.99, 0.01], [0.15, 0.85]
    m["phone"], h["phone"] = [0.5, 0.01, 0.49], [1.0, 0.0, 0.0]
    model = fs.Model(m, h, base.u, prior=1000 / total, related=500 / total)
    notes: list[str] = []
    u = fs._counted_u(model, {"email": 1000.0, "phone": 1500.0}, total, notes)
    assert u["email"][0] * total < 10  # all 1,000 e-mail sharers are explained
    assert 300 < u["phone"][0] * total < 700  # 500 of the 1,500 phone sharers are not
    assert abs(sum(u["phone"]) - 1) < 1e-9
    assert len(notes) == 2


def test_the_cluster_guard_gets_the_margin_of_the_households_the_model_expects(
    small_ds: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The demo world has households: the guard keeps its whole margin there; the margin
    it is given is the one the fitted model's household share calls for."""
    from app.matching import cluster

    seen: list[float] = []
    real = cluster.guarded_clusters

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(kwargs["margin"])
        return real(*args, **kwargs)

    monkeypatch.setattr(cluster, "guarded_clusters", spy)
    frame, _ = labelled(small_ds)
    result = match_frame(frame)
    expected = cluster.group_bits(result.model.related / result.model.prior)
    assert seen == [expected]
    assert expected == cluster.GROUP_BITS

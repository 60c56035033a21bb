"""Queue, merge and unmerge on a real SQLite store: links re-pointed, golden record
written, exact undo, audit entries, "not a duplicate" remembered across scans, and the
merge propagated to the simulated CRM through its merge endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.connectors.crm_rest import CrmRestConnector
from app.errors import RooftopError
from app.sandbox.generator import Dataset, build_dataset
from app.sandbox.servers import SandboxServers
from app.services import audit
from app.services.matching_queue import MatchingQueue, QueueFilter
from app.services.merging import MergeService
from app.store import Store
from app.store.matching_models import GoldenRecord, MatchCandidate, MatchPair
from app.store.models import Link
from tests.support.matching import people_frames


def load(store: Store, ds: Dataset) -> MatchingQueue:
    q = MatchingQueue(store)
    for system, label, kind, frame, key in people_frames(ds):
        q.load_records(system, label, frame, key, kind=kind)
    return q


@pytest.fixture
def scanned(store: Store, small_ds: Dataset) -> MatchingQueue:
    q = load(store, small_ds)
    assert q.scan() > 0
    return q


def links(store: Store) -> dict[tuple[str, str], str]:
    with store.session() as s:
        return {(lk.system, lk.external_id): lk.golden_id for lk in s.scalars(select(Link))}


def goldens(store: Store) -> dict[str, dict[str, Any]]:
    with store.session() as s:
        return {g.golden_id: dict(g.fields) for g in s.scalars(select(GoldenRecord))}


def test_queue_pages_in_score_order_with_filters(scanned: MatchingQueue) -> None:
    total = scanned.count(QueueFilter())
    first = scanned.page(QueueFilter(), 0, 50)
    second = scanned.page(QueueFilter(), 50, 50)
    assert len(first) == 50 and total > 100
    scores = [r.score for r in first + second]
    assert scores == sorted(scores, reverse=True)
    assert not {r.id for r in first} & {r.id for r in second}
    review = scanned.count(QueueFilter(band="review"))
    assert 0 < review < total
    assert scanned.count(QueueFilter(system="Demo marketing")) < total
    assert all(r.size >= 2 for r in first)


def test_merge_then_unmerge_restores_exactly(store: Store, scanned: MatchingQueue) -> None:
    service = MergeService(store, mergers=lambda _s: None)
    cand = scanned.page(QueueFilter(band="review"), 0, 1)[0]
    detail = service.detail(cand.id)
    # One member already has a golden id from a sync (a link), the others do not.
    first = detail.records[0]
    with store.session() as s:
        s.add(
            Link(
                entity="customer",
                system=first.system,
                external_id=first.external_id,
                golden_id="g-existing",
            )
        )
        s.add(
            GoldenRecord(
                golden_id="g-existing", entity="customer", fields={"first_name": "Old"}, sources={}
            )
        )
    links_before, golden_before = links(store), goldens(store)
    pick = next(r for r in detail.records if r.fields.get("email"))
    merged = service.merge(cand.id, overrides={"email": str(pick.id)})
    after = links(store)
    assert {after[(r.system, r.external_id)] for r in detail.records} == {"g-existing"}
    assert merged.golden_id == "g-existing"
    g = goldens(store)["g-existing"]
    assert g["email"] == pick.fields["email"].strip().lower()
    assert scanned.count(QueueFilter(status="merged")) == 1

    service.unmerge(merged.id)
    assert links(store) == links_before
    assert goldens(store) == golden_before
    assert service.get_merge(merged.id).status == "undone"
    actions = [e.action for e in audit.recent(store, 5)]
    assert actions[:2] == ["unmerge", "merge"]


def test_not_a_duplicate_is_remembered(store: Store, scanned: MatchingQueue) -> None:
    service = MergeService(store, mergers=lambda _s: None)
    cand = scanned.page(QueueFilter(band="review"), 0, 1)[0]
    records = service.detail(cand.id).records
    ids = {r.id for r in records}
    assert service.not_duplicate(cand.id) == len(ids) * (len(ids) - 1) // 2
    scanned.scan()
    with store.session() as s:
        open_pairs = s.execute(
            select(MatchPair.a_record, MatchPair.b_record)
            .join(MatchCandidate, MatchCandidate.id == MatchPair.candidate_id)
            .where(MatchCandidate.status == "open")
        ).all()
    assert open_pairs
    assert not [p for p in open_pairs if p[0] in ids and p[1] in ids]
    a, b = records[0], records[1]
    assert service.is_not_duplicate((a.system, a.external_id), (b.system, b.external_id))


def test_skip_moves_a_cluster_out_of_the_open_queue(store: Store, scanned: MatchingQueue) -> None:
    service = MergeService(store, mergers=lambda _s: None)
    before = scanned.count(QueueFilter())
    cand = scanned.page(QueueFilter(), 0, 1)[0]
    service.skip(cand.id)
    assert scanned.count(QueueFilter()) == before - 1
    assert scanned.count(QueueFilter(status="skipped")) == 1


def test_merge_propagates_to_the_crm(store: Store) -> None:
    ds = build_dataset(60, seed=9)
    with SandboxServers(ds, seed=9) as servers:
        info = servers.servers["crm"]
        crm = CrmRestConnector(
            {"base_url": info.url, "page_size": 50}, {"api_key": info.credentials["api_key"]}
        )
        try:
            contacts = ds["crm_contacts"].head(2).copy()
            # Two CRM contacts of one person: the second is a copy with a typo.
            contacts.loc[
                contacts.index[1],
                ["first_name", "last_name", "email", "phone", "mobile", "street", "postal_code"],
            ] = contacts.iloc[0][
                ["first_name", "last_name", "email", "phone", "mobile", "street", "postal_code"]
            ].tolist()
            q = MatchingQueue(store)
            q.load_records("crm-uid", "Demo CRM", contacts, "contact_id", kind="crm_rest")
            assert q.scan() == 1
            cand = q.page(QueueFilter(status="open"), 0, 1)[0]
            service = MergeService(
                store, mergers=lambda system: crm if system == "crm-uid" else None
            )
            merged = service.merge(cand.id)
            state = merged.propagation["Demo CRM"]
            assert state["status"] == "merged"
            merges = httpx.get(
                f"{info.url}/_sandbox/export/merges", timeout=10, trust_env=False
            ).json()
            assert {"loser_id": state["losers"][0], "winner_id": state["winner"]} in merges
        finally:
            crm.close()


def test_a_merge_the_crm_refuses_is_partial_until_a_retry_gets_it_through(store: Store) -> None:
    """The CRM refuses the merge (``crm:reject_rate=1``): merged here, partial in history
    with the CRM's reason; a retry while it still refuses stays partial; once the CRM
    takes it, the retry merges the CRM copies and the merge is complete."""
    ds = build_dataset(60, seed=9)
    with SandboxServers(ds, seed=9, faults="crm:reject_rate=1") as servers:
        info = servers.servers["crm"]
        crm = CrmRestConnector(
            {"base_url": info.url, "page_size": 50}, {"api_key": info.credentials["api_key"]}
        )
        try:
            contacts = ds["crm_contacts"].head(2).copy()
            same = ["first_name", "last_name", "email", "phone", "mobile", "street", "postal_code"]
            contacts.loc[contacts.index[1], same] = contacts.iloc[0][same].tolist()
            q = MatchingQueue(store)
            q.load_records("crm-uid", "Demo CRM", contacts, "contact_id", kind="crm_rest")
            assert q.scan() == 1
            cand = q.page(QueueFilter(status="open"), 0, 1)[0]
            service = MergeService(
                store, mergers=lambda system: crm if system == "crm-uid" else None
            )
            merged = service.merge(cand.id)
            assert merged.status == "partial" and merged.partial and merged.active
            why = merged.not_followed["Demo CRM"]
            assert "The CRM refused the merge" in why and "(HTTP 422)" in why
            assert len(set(links(store).values())) == 1  # one customer here all the same
            assert service.history()[0].status == "partial"

            still = service.retry(merged.id)
            assert still.partial and still.propagation["Demo CRM"]["attempts"] == 2

            servers.set_faults("crm:reject_rate=0")
            done = service.retry(merged.id)
            assert done.status == "merged" and not done.not_followed
            state = done.propagation["Demo CRM"]
            assert state["status"] == "merged" and state["attempts"] == 3
            exported = httpx.get(
                f"{info.url}/_sandbox/export/merges", timeout=10, trust_env=False
            ).json()
            assert {"loser_id": state["losers"][0], "winner_id": state["winner"]} in exported
            with pytest.raises(RooftopError, match="Only a partial merge"):
                service.retry(merged.id)
            assert [e.action for e in audit.recent(store)].count("merge_retry") == 2
            assert service.unmerge(merged.id).status == "undone"
        finally:
            crm.close()

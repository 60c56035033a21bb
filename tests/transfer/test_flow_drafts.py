"""The new-flow wizard's backend on the demo dealership's servers: the choices it starts
from, a dry run that writes nothing, and a save through the flow-file import's checks,
audited like a profile change."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.mapping.model import Mapping, Step, rule
from app.sandbox.demo import install_demo
from app.sandbox.demo_names import CRM, DMS_STAR
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services import audit
from app.store import Store
from app.store.models import Run
from app.sync.engine import SyncEngine
from app.transfer import flow_drafts
from app.transfer.flow_files import FlowFileError
from tests.support.sandbox import export


@pytest.fixture(scope="module")
def servers() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(80, seed=23), seed=23) as running:
        yield running


@pytest.fixture
def demo(store: Store, servers: SandboxServers) -> SandboxServers:
    install_demo(store, servers.port_file_payload())
    return servers


def _draft(store: Store) -> flow_drafts.FlowDraft:
    found = flow_drafts.connections(store)
    source, dest = flow_drafts.preselect(found)
    assert (source, dest) == (DMS_STAR, CRM)  # the DMS that lists customers, into the CRM
    src = next(c for c in found if c.profile.name == source)
    dst = next(c for c in found if c.profile.name == dest)
    s_name, d_name = flow_drafts.pair_streams(src.readable, dst.writable)
    assert (s_name, d_name) == ("customers", "contacts")
    s_spec, d_spec = src.streams[s_name], dst.streams[d_name]
    key_source, key_target = flow_drafts.suggest_keys(s_spec, d_spec)
    assert (key_source, key_target) == ("customer_id", "external_id")
    mapping = flow_drafts.automapped(s_spec, d_spec, key_source, key_target)
    assert mapping.rules[0] == rule("external_id", "customer_id", required=True)
    targets = {r.target: r.sources for r in mapping.rules}
    assert targets["email"] == ("email",) and targets["postal_code"] == ("zip",)
    assert flow_drafts.mapping_problems(mapping, d_spec) == []
    # what the admin does in the mapping editor: a business has no last name, the CRM
    # wants one, so the company's name stands in (as in the demo's customers flow)
    mapping = Mapping(
        tuple(
            rule("last_name", "last_name", "company_name", steps=[Step("coalesce")])
            if r.target == "last_name"
            else r
            for r in mapping.rules
        )
    )
    name = flow_drafts.suggest_name(src, s_spec, dst)
    assert name == f"Customers: {DMS_STAR} → {CRM}"
    return flow_drafts.FlowDraft(
        name=name, slug=flow_drafts.free_slug(store, name), source=source,
        source_stream=s_name, dest=dest, dest_stream=d_name, key_source=key_source,
        key_target=key_target, mapping=mapping, ownership={"email": "destination"},
    )  # fmt: skip


def test_a_draft_is_previewed_without_a_trace_then_saved_and_audited(
    store: Store, demo: SandboxServers
) -> None:
    draft = _draft(store)
    with store.session() as s:
        runs = s.scalar(select(func.count()).select_from(Run))
    result = flow_drafts.preview(store, draft, limit=10)
    assert result.passed and result.status == "dry_run"
    assert result.records == 10 and result.complete  # 80 customers: one page, all read
    assert {c.action for c in result.changes} == {"create"}
    assert all(c.after not in (None, "") for c in result.changes)
    first = result.changes[0]
    assert first.field == "external_id" and first.system == CRM and first.record_name
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Run)) == runs
    crm_before = len(export(demo, "crm", "contacts"))

    info = flow_drafts.save(store, draft)
    assert info.slug == draft.slug and info.ownership == {"email": "destination"}
    entry = next(e for e in audit.recent(store) if e.object_type == "flow")
    assert entry.action == "create" and entry.diff["comment"] == "made in the new-flow wizard"
    assert entry.diff["changes"]["source"] == {"before": None, "after": f"{DMS_STAR} · customers"}
    summary = SyncEngine(store).run(info.slug)
    assert summary.status == "succeeded", summary.error
    dms = {c["customer_id"] for c in export(demo, "dms", "customers")}
    crm = [c for c in export(demo, "crm", "contacts") if c["external_id"] in dms]
    assert {c["external_id"] for c in crm} == dms and len(crm) == len(dms)
    assert len(export(demo, "crm", "contacts")) >= crm_before

    with pytest.raises(FlowFileError, match="exists already"):
        flow_drafts.save(store, draft)  # a second flow may not take its id

    edit = flow_drafts.draft_of(store, info.slug)
    assert (edit.key_source, edit.key_target) == ("customer_id", "external_id")
    edit = replace(edit, ownership={}, description="customers for the BDC")
    flow_drafts.save(store, edit, replacing=info.slug)
    entry = next(e for e in audit.recent(store) if e.object_type == "flow")
    assert entry.action == "update"
    assert entry.diff["changes"]["ownership"] == {"email": {"before": "destination", "after": None}}
    assert entry.diff["changes"]["description"]["after"] == "customers for the BDC"

    copy = flow_drafts.copy_of(store, info.slug)
    assert copy.name.endswith("(copy)") and copy.slug != info.slug


def test_a_draft_with_problems_is_refused_saying_each(store: Store, demo: SandboxServers) -> None:
    draft = _draft(store)
    broken = replace(draft, mapping=Mapping((*draft.mapping.rules, rule("city", "no_such_field"))))
    with pytest.raises(FlowFileError) as refused:
        flow_drafts.save(store, broken)
    assert any("has no field 'no_such_field'" in p for p in refused.value.problems)
    wrong_way = replace(draft, dest=DMS_STAR, dest_stream="no_stream")
    with pytest.raises(FlowFileError) as refused:
        flow_drafts.preview(store, wrong_way)
    assert any("has no stream 'no_stream'" in p for p in refused.value.problems)
    renamed = flow_drafts.with_key(
        draft.mapping, ("customer_id", "external_id"), "customer_key", "external_id"
    )
    assert renamed.rules[0] == rule("external_id", "customer_key", required=True)
    assert sum(r.target == "external_id" for r in renamed.rules) == 1

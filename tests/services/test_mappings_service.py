"""Mapping versions on a real SQLite store: list, view, diff, save (validated, audited
with a readable diff), restore as a new version, export and import."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.mapping.model import Mapping, Step, rule
from app.services.audit import recent
from app.services.errors import ValidationError
from app.services.flows import FlowDefinition, FlowService
from app.services.mappings import MappingService
from app.services.profiles import ProfileService
from app.store import Store

V1 = Mapping((rule("external_id", "customer_id", required=True), rule("email", "email")))
V2 = Mapping(
    (
        rule("external_id", "customer_id", required=True),
        rule("email", "email", steps=[Step("email")]),
        rule("mobile", "mobile_phone", steps=[Step("phone_e164")]),
    )
)


@pytest.fixture
def flow(store: Store) -> str:
    profiles = ProfileService(store)
    a = profiles.create(
        "File DMS", "http_api", {"base_url": "https://dms.example.com"}, {"api_key": "k1"}
    )
    b = profiles.create(
        "File CRM", "http_api", {"base_url": "https://crm.example.com"}, {"api_key": "k2"}
    )
    FlowService(store).upsert(
        FlowDefinition("cust", "Customers", a.id, "customers", b.id, "contacts", V1),
        comment="first",
    )
    return "cust"


def test_versions_diff_restore(store: Store, flow: str) -> None:
    svc = MappingService(store)
    saved = svc.save(flow, V2, comment="clean e-mail, add mobile")
    assert (saved.version, saved.created) == (2, True)
    assert saved.changes == [
        "~ email ← email\n    now email ← email: E-mail (check and clean)",
        "+ mobile ← mobile_phone: Phone → E.164",
    ]
    assert svc.save(flow, V2).created is False  # unchanged: no new version
    assert [v.version for v in svc.versions(flow)] == [2, 1]
    assert svc.get(flow, 1).mapping == V1 and svc.get(flow).comment == "clean e-mail, add mobile"
    assert [c.target for c in svc.diff(flow, 1, 2)] == ["email", "mobile"]

    restored = svc.restore(flow, 1)
    assert restored.version == 3 and svc.get(flow).mapping == V1
    assert svc.get(flow).comment == "restored version 1"
    assert FlowService(store).get(flow).mapping_version == 3  # the engine sees it

    entries = [e for e in recent(store) if e.object_type == "mapping"]
    assert entries[0].action == "restore_mapping"
    assert entries[0].diff["diff"] == [
        "~ email ← email: E-mail (check and clean)\n    now email ← email",
        "− mobile ← mobile_phone: Phone → E.164",
    ]
    # FlowService's own saves carry the readable diff too
    first = [e for e in entries if e.action == "save_mapping"][-1]
    assert first.diff["diff"] == [
        "+ external_id ← customer_id (required)",
        "+ email ← email",
    ]


def test_save_validates_first(store: Store, flow: str) -> None:
    svc = MappingService(store)
    bad = Mapping((rule("email", "email", steps=[Step("lookup", {"table": {}})]),))
    with pytest.raises(ValidationError) as err:
        svc.save(flow, bad, required_targets=["external_id"])
    text = str(err.value)
    assert "'Table' is required" in text and "external_id: the destination requires" in text
    assert [v.version for v in svc.versions(flow)] == [1]


def test_export_import(store: Store, flow: str, tmp_path: Path) -> None:
    svc = MappingService(store)
    svc.save(flow, V2, comment="v2")
    path = tmp_path / "customers.json"
    assert svc.export(flow, path, version=2) == 2
    svc.restore(flow, 1)
    result, warnings = svc.import_file(flow, path)
    assert svc.get(flow).mapping == V2 and result.version == 4 and warnings == []
    assert svc.get(flow).comment == "imported from customers.json"

    path.write_text('{"format": "rooftop-sync/mapping-file", "mapping": {"rules": []}}')
    with pytest.raises(ValidationError, match="cannot be imported"):
        svc.import_file(flow, path)
    assert svc.get(flow).version == 4  # nothing saved from a bad file

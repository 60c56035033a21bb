"""klaviyo against Prism mocks (``-d``: Klaviyo's examples are null in places) of Klaviyo's
own published specs: test connection, previews with and without a time, fetch by id, and
every write the connector makes — profile-import, the bulk import job (create, poll,
import errors, its profiles), subscribe / unsubscribe / suppress jobs, list membership
(add, remove), the consent calls and the data-privacy deletion request: zero request
violations, every expected operation seen. And the new-user path from the command line.

Prism ``-d`` makes answers up from the schemas, so where the connector acts on what an
answer says, a spec patch pins it (on a temp copy, never the file): the consent of
e-mail (NEVER_SUBSCRIBED, no suppression) and SMS (SUBSCRIBED), a profile's id, and a
complete import job with a failure — so that the subscribe, unsubscribe and suppress jobs
and the import-error reads are actually sent. Requests are still judged by the spec as
published (the patches touch only response schemas)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.connectors.klaviyo import KlaviyoConnector
from app.connectors.streams import WriteAction, WriteRecord
from app.services.preview import preview_connector
from tests.contracts.conftest import PrismMocks
from tests.support.cli import run_cli
from tests.support.prism import PrismMock

PROFILES, LISTS, PRIVACY = (
    "klaviyo/profiles.json",
    "klaviyo/lists.json",
    "klaviyo/data_privacy.json",
)


def _walk(node: Any, visit: Any) -> None:
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _require(schema: dict[str, Any], *names: str) -> None:
    schema["required"] = sorted({*schema.get("required", []), *names})
    for name in names:
        prop = schema.get("properties", {}).get(name)
        if isinstance(prop, dict):
            prop.pop("nullable", None)


def _enum(prop: Any) -> str:
    """The name of a ``$ref``'d enum schema (``ProfileEnum``…), '' otherwise."""
    ref = prop.get("$ref", "") if isinstance(prop, dict) else ""
    return ref.rsplit("/", 1)[-1]


def pinned(spec: dict[str, Any]) -> dict[str, Any]:
    """Answers the connector acts on, made definite. Response schemas only: a resource
    answered carries ``links``, a profile's answered attributes ``updated``; request
    bodies have neither."""
    schemas = spec["components"]["schemas"]
    _require(schemas["Subscriptions"], "email", "sms")
    _require(schemas["EmailChannel"], "marketing")
    _require(schemas["SMSChannel"], "marketing")

    def visit(node: dict[str, Any]) -> None:
        props = node.get("properties")
        if not isinstance(props, dict):
            return
        if "can_receive_email_marketing" in props and "consent" in props:
            props["consent"] = {"type": "string", "enum": ["NEVER_SUBSCRIBED"]}
            props["suppression"] = {"type": "array", "maxItems": 0, "items": {}}
        if "can_receive_sms_marketing" in props and "consent" in props:
            props["consent"] = {"type": "string", "enum": ["SUBSCRIBED"]}
        subs = props.get("subscriptions")
        if isinstance(subs, dict) and "updated" in props:  # a profile's attributes, answered
            _require(node, "subscriptions")
            if "email" in subs.get("properties", {}):  # written out in place
                _require(subs, "email", "sms")
                for channel in ("email", "sms"):
                    _require(subs["properties"][channel], "marketing")
        kind = _enum(props.get("type"))
        if kind == "ProfileEnum" and {"id", "attributes", "links"} <= set(props):  # answered
            props["id"] = {"type": "string", "pattern": "^01[A-Z0-9]{24}$"}
            _require(node, "id", "attributes")
        if kind == "ProfileBulkImportJobEnum":
            attrs = props.get("attributes", {})
            fields = attrs.get("properties", {})
            if "status" in fields:
                fields["status"] = {"type": "string", "enum": ["complete"]}
                fields["failed_count"] = {"type": "integer", "minimum": 1, "maximum": 2}
                _require(attrs, "failed_count")

    _walk(spec["paths"], visit)
    _walk(schemas, visit)
    created = schemas["PostProfileImportJobResponse"]["properties"]["data"]["properties"]
    created["attributes"]["properties"]["status"] = {"type": "string", "enum": ["queued"]}
    return spec


def at_least_one_profile(spec: dict[str, Any]) -> dict[str, Any]:
    """``-d`` answers GET /api/profiles with an empty page about one time in five; ask it
    for at least one profile so a preview has something to print."""
    ok = spec["paths"]["/api/profiles"]["get"]["responses"]["200"]
    name = ok["content"]["application/vnd.api+json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    spec["components"]["schemas"][name]["properties"]["data"]["minItems"] = 1
    return spec


def _connector(
    profiles: PrismMock, lists: PrismMock, privacy: PrismMock, **over: Any
) -> KlaviyoConnector:
    settings = {
        "base_url": "https://a.klaviyo.invalid",
        "api_base_urls": {
            "profiles": profiles.url,
            "lists": lists.url,
            "data_privacy": privacy.url,
        },
        "max_attempts": 1,
        "rate_limit_per_s": 0,
        "timeout_s": 60,
        "job_poll_ms": 10,
        **over,
    }
    return KlaviyoConnector(settings, {"api_key": "pk_contract0000000000000000000000000"})


def test_connection_previews_and_fetch_follow_the_specs(prism_mocks: PrismMocks) -> None:
    profiles = prism_mocks(PROFILES, dynamic=True)
    lists = prism_mocks(LISTS, dynamic=True)
    privacy = prism_mocks(PRIVACY, dynamic=True)
    k = _connector(profiles, lists, privacy)
    result = k.check()
    assert result.ok, result.message
    preview_connector(k, "profiles", 5)
    preview_connector(k, "profiles", 5, since="2026-01-01T00:00:00Z")
    preview_connector(k, "lists", 3)
    preview_connector(k, "lists", 3, since="2026-01-01T00:00:00Z")
    k.streams()["profiles"].fetch(["01GDDKASAP8TKDDA2GRZDSVP4H"])
    k.streams()["lists"].fetch(["Y6nRLr"])
    k.close()
    profiles.assert_clean([("GET", "/api/profiles"), ("GET", "/api/profiles/{id}")])
    lists.assert_clean([("GET", "/api/lists"), ("GET", "/api/lists/{id}")])


def test_every_write_follows_the_specs(prism_mocks: PrismMocks) -> None:
    profiles = prism_mocks(PROFILES, dynamic=True, patch=pinned)
    lists = prism_mocks(LISTS, dynamic=True)
    privacy = prism_mocks(PRIVACY, dynamic=True)
    k = _connector(profiles, lists, privacy, list_id="Y6nRLr", bulk_threshold=3)
    stream = k.streams()["profiles"]
    one = WriteRecord("C1", "g1", {
        "external_id": "C1", "email": "ann.walker@example.com", "phone_number": "(313) 555-0100",
        "first_name": "Ann", "last_name": "Walker", "city": "Detroit", "region": "MI",
        "zip": "48226", "properties": '{"trade_in": "yes"}',
        "email_consent": "subscribed", "email_consent_at": "2026-02-01T10:00:00Z",
        "sms_consent": "unsubscribed",
    })  # fmt: skip
    suppress = {"email": "bob.stone@example.com", "email_consent": "suppressed", "list_member": "N"}
    two = WriteRecord("C2", "g2", suppress, dest_id="01GDDKASAP8TKDDA2GRZDSVP4H")
    results = stream.write([one, two])  # per record: profile-import, then the jobs
    assert [r.action for r in results] in (
        [WriteAction.CREATED, WriteAction.UPDATED],
        [WriteAction.UPDATED, WriteAction.UPDATED],
        [WriteAction.CREATED, WriteAction.CREATED],
        [WriteAction.UPDATED, WriteAction.CREATED],
    ), results
    assert results[0].response and results[0].response["consent"] == {
        "email": "subscribe", "sms": "unsubscribe"}  # fmt: skip
    assert results[1].response and results[1].response["consent"] == {"email": "suppress"}
    bulk = [
        WriteRecord(f"B{n}", f"gb{n}", {"external_id": f"B{n}", "email": f"b{n}@example.com"})
        for n in range(3)
    ]
    stream.write(bulk)  # a bulk import job: create, poll, import errors, its profiles
    outcomes = k.subscribe([("carl.reed@example.com", "+13135550101")], ["email", "sms"])
    assert outcomes[0].problem == "" or "not re-subscribed" in outcomes[0].problem
    k.unsubscribe([("dana.fox@example.com", "")])
    k.suppress(["erin.cole@example.com"])
    said = k.request_deletion(email="frank.hale@example.com")
    assert said.startswith("Klaviyo accepted the deletion request")
    k.request_deletion(profile_id="01GDDKASAP8TKDDA2GRZDSVP4H")
    k.close()
    profiles.assert_clean([
        ("POST", "/api/profile-import"),
        ("POST", "/api/profile-subscription-bulk-create-jobs"),
        ("POST", "/api/profile-subscription-bulk-delete-jobs"),
        ("POST", "/api/profile-suppression-bulk-create-jobs"),
        ("POST", "/api/profile-bulk-import-jobs"),
        ("GET", "/api/profile-bulk-import-jobs/{job_id}"),
        ("GET", "/api/profile-bulk-import-jobs/{id}/import-errors"),
        ("GET", "/api/profile-bulk-import-jobs/{id}/profiles"),
        ("GET", "/api/profiles"),  # the consent call looks people up first
    ])  # fmt: skip
    lists.assert_clean([
        ("POST", "/api/lists/{id}/relationships/profiles"),
        ("DELETE", "/api/lists/{id}/relationships/profiles"),
    ])  # fmt: skip
    privacy.assert_clean([("POST", "/api/data-privacy-deletion-jobs")])


def test_test_connection_and_preview_from_the_command_line(
    prism_mocks: PrismMocks, tmp_path: Path
) -> None:
    """As a new user would: import a klaviyo profile aimed at a mock of profiles.json,
    test it, preview five profiles changed since 2026 as JSON lines."""
    mock = prism_mocks(PROFILES, dynamic=True, patch=at_least_one_profile)
    profile = {
        "format": "rooftop-sync/profiles",
        "version": 1,
        "profiles": [
            {
                "name": "Store Klaviyo",
                "kind": "klaviyo",
                "settings": {"api_base_urls": {"profiles": mock.url}},
                "secrets": {"api_key": "pk_contract0000000000000000000000000"},
            }
        ],
    }
    path = tmp_path / "store.json"
    path.write_text(json.dumps(profile), encoding="utf-8")
    data = str(tmp_path / "data")
    imported = run_cli("--data-dir", data, "profiles", "import", str(path))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    tested = run_cli("--data-dir", data, "profiles", "test", "Store Klaviyo")
    assert tested.returncode == 0 and tested.stdout.startswith("OK:"), tested.stdout
    assert "Connected to Klaviyo (API revision 2026-07-15)" in tested.stdout
    shown = run_cli("--data-dir", data, "profiles", "preview", "Store Klaviyo", "profiles",
                    "--since", "2026-01-01T00:00:00Z", "--limit", "5", "--json")  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    assert 1 <= len(rows) <= 5
    assert all(
        {"profile_id", "email", "email_consent", "sms_consent", "updated"} <= set(r) for r in rows
    )
    mock.assert_clean([("GET", "/api/profiles")])

"""The klaviyo connector against the sandbox marketing platform's Klaviyo routes on
127.0.0.1: reads (incremental by ``updated``, cursor pages), per-record and bulk writes
(a bulk job failing half its rows), consent that is never re-subscribed, list
membership, deletion requests, 429 storms with Retry-After, and the opt-out carried from
Klaviyo back to the DMS by a flow — which a full re-sync of the DMS does not undo."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pandas as pd
import pytest
from sqlalchemy import select

from app.connectors.errors import DeliveryError
from app.connectors.klaviyo import KlaviyoConnector
from app.connectors.klaviyo_streams import ProfilesStream, WriteOptions
from app.connectors.registry import get_kind
from app.connectors.rest.stream import Api
from app.connectors.streams import WriteAction, WriteRecord
from app.formats import klaviyo as kl
from app.formats.klaviyo.consent import consent_step, opt_out_step
from app.mapping.model import Mapping, Step, rule
from app.sandbox.demo import DMS, install_demo
from app.sandbox.generator import build_dataset
from app.sandbox.servers import SandboxServers
from app.services.flows import FlowDefinition, FlowService
from app.services.preview import preview_connector
from app.services.profiles import ProfileService
from app.store import Store
from app.store.models import RecordOutcome
from app.sync.engine import SyncEngine
from tests.support.http_script import Script, client_for
from tests.support.klaviyo import profiles, unsubscribe_at_klaviyo
from tests.support.sandbox import export, patch_customer

SEED = 31


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(150, seed=SEED), seed=SEED) as servers:
        yield servers


@pytest.fixture
def quiet(sandbox: SandboxServers) -> Iterator[SandboxServers]:
    """No faults and no server-side rate limit (the 429 test sets its own)."""
    sandbox.set_faults("marketing:rps=0")
    yield sandbox
    sandbox.set_faults("marketing:rps=0")


def settings_for(sandbox: SandboxServers, **over: Any) -> tuple[dict[str, Any], dict[str, str]]:
    mkt = sandbox.servers["marketing"]
    settings = {
        "base_url": mkt.url,
        "rate_limit_per_s": 0,
        "timeout_s": 5,
        "max_attempts": 8,
        "job_poll_ms": 20,
        **over,
    }
    return settings, {"api_key": mkt.credentials["klaviyo_api_key"]}


def make(sandbox: SandboxServers, **over: Any) -> KlaviyoConnector:
    settings, secrets = settings_for(sandbox, **over)
    return KlaviyoConnector(settings, secrets)


def profiles_stream(k: KlaviyoConnector) -> ProfilesStream:
    stream = k.streams()["profiles"]
    assert isinstance(stream, ProfilesStream)
    return stream


def read_all(k: KlaviyoConnector, stream: str, cursor: str | None = None) -> pd.DataFrame:
    frames = list(k.streams()[stream].read(cursor))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def test_registered_test_connection_and_reads(quiet: SandboxServers) -> None:
    assert get_kind("klaviyo") is KlaviyoConnector
    k = make(quiet, page_size=7)
    result = k.check()
    assert result.ok and "Connected to Klaviyo (API revision 2026-07-15)" in result.message
    every = read_all(k, "profiles")
    contacts = export(quiet, "marketing", "contacts")
    assert len(every) == len(contacts) and every["profile_id"].is_unique
    assert list(every.columns) == k.streams()["profiles"].spec.field_names()
    assert set(every["email_consent"]) <= {"subscribed", "unsubscribed"}
    assert (every["email_suppression"] == "UNSUBSCRIBE").sum() == (
        every["email_consent"] == "unsubscribed"
    ).sum()
    lists = read_all(k, "lists")
    assert lists.empty or "list_id" in lists
    k.close()


def test_a_wrong_key_and_a_bad_revision_are_said_plainly(quiet: SandboxServers) -> None:
    settings, _secrets = settings_for(quiet)
    wrong = KlaviyoConnector(settings, {"api_key": "pk_not-the-key"}).check()
    assert not wrong.ok and "rejected the API key (HTTP 401)" in wrong.message
    problems = KlaviyoConnector.validate({**settings, "revision": "latest"}, {"api_key": "k"})
    assert "revision" in problems
    assert KlaviyoConnector.validate(settings, {}) == {
        "api_key": "API key is required to sign in with: API key."
    }


def test_incremental_read_and_preview_since(quiet: SandboxServers) -> None:
    k = make(quiet)
    stream = profiles_stream(k)
    everything = read_all(k, "profiles")
    cursor = stream.last_cursor
    assert cursor and cursor == everything["updated"].max()
    target = str(everything.iloc[3]["email"])
    result = stream.write([WriteRecord("k", "g", {"email": target, "city": "Royal Oak"})])[0]
    assert result.action is WriteAction.UPDATED, result.error
    again = read_all(k, "profiles", cursor)
    assert target in set(again["email"]) and len(again) < len(everything)
    assert again[again["email"] == target].iloc[0]["city"] == "Royal Oak"
    shown = preview_connector(k, "profiles", 5, since=cursor)
    assert 1 <= len(shown.rows) <= 5 and all(r["updated"] >= cursor for r in shown.rows)


def test_per_record_writes_create_update_and_subscribe(quiet: SandboxServers) -> None:
    k = make(quiet)
    stream = profiles_stream(k)
    new = {
        "external_id": "C-NEW-1",
        "email": "zoe.quill@example.net",
        "first_name": "Zoë",
        "phone_number": "(313) 555-0142",
        "email_consent": "subscribed",
        "sms_consent": "subscribed",
        "email_consent_at": "2026-02-01T10:00:00Z",
    }
    made = stream.write([WriteRecord("src-1", "gold-1", new)])[0]
    assert made.action is WriteAction.CREATED and made.dest_id, made.error
    assert made.response and made.response["consent"] == {"email": "subscribe", "sms": "subscribe"}
    row = profiles(quiet)["zoe.quill@example.net"]
    assert (row["email_consent"], row["sms_consent"]) == ("subscribed", "subscribed")
    assert (
        row["phone_number"] == "+13135550142" and row["email_consent_at"] == "2026-02-01T10:00:00Z"
    )
    again = stream.write(
        [WriteRecord("src-1", "gold-1", {**new, "last_name": "Quill"}, dest_id=made.dest_id)]
    )[0]
    assert again.action is WriteAction.UPDATED and again.dest_id == made.dest_id
    assert "consent" not in (again.response or {})  # already subscribed: nothing sent
    bad = stream.write([WriteRecord("src-2", "gold-2", {"email": "not-an-email"})])[0]
    assert bad.action is WriteAction.REJECTED
    assert bad.error == (
        "Klaviyo refused the profile: Invalid input: Invalid email address "
        "(at /data/attributes/email) (HTTP 400)"
    )
    odd = stream.write([WriteRecord("s", "g", {"email": "a@b.test", "shoe_size": "9"})])[0]
    assert odd.action is WriteAction.REJECTED and "Not a field of profiles: shoe_size" in (
        odd.error or ""
    )


def _refusal_case(sandbox: SandboxServers, n: int) -> tuple[str, str]:
    """The n-th unsubscribed profile's e-mail, and one of a subscribed profile suppressed now."""
    rows = sorted(profiles(sandbox).items())
    unsubscribed = [
        e
        for e, r in rows
        if r["email_consent"] == "unsubscribed" and r["sms_consent"] == "never_subscribed"
    ][n]
    target = [e for e, r in rows if r["email_consent"] == "subscribed" and "@" in e][n]
    make(sandbox).suppress([target])
    assert profiles(sandbox)[target]["email_consent"] == "suppressed"
    return unsubscribed, target


@pytest.mark.parametrize("bulk_threshold", [1000, 2])
def test_consent_is_never_re_subscribed_whatever_the_payload(
    quiet: SandboxServers, bulk_threshold: int
) -> None:
    unsubscribed, suppressed = _refusal_case(quiet, 0 if bulk_threshold > 2 else 1)
    before = profiles(quiet)
    stream = make(quiet, bulk_threshold=bulk_threshold).streams()["profiles"]
    records = [
        WriteRecord(
            "a",
            "ga",
            {
                "email": unsubscribed,
                "email_consent": "subscribed",
                "phone_number": f"+1313555{bulk_threshold:04d}",
                "sms_consent": "subscribed",
                "first_name": "Again",
            },
        ),
        WriteRecord("b", "gb", {"email": suppressed, "email_consent": "subscribed"}),
    ]
    first, second = stream.write(records)
    for result, email in ((first, unsubscribed), (second, suppressed)):
        assert result.action is WriteAction.REJECTED, result
        assert (result.error or "").startswith("E-mail not re-subscribed: Klaviyo reports this ")
        assert "(The profile's other fields were saved.)" in (result.error or "")
        assert result.dest_id == before[email]["profile_id"]
    assert "UNSUBSCRIBED" in (first.error or "") and "SUPPRESSED" in (second.error or "")
    after = profiles(quiet)
    assert after[unsubscribed]["email_consent"] == "unsubscribed"
    assert after[suppressed]["email_consent"] == "suppressed"
    assert after[unsubscribed]["first_name"] == "Again"  # the rest of the record was saved
    assert after[unsubscribed]["sms_consent"] == "subscribed"  # SMS is its own channel
    assert first.response and first.response["consent"] == {"sms": "subscribe"}
    # and through the connector's own consent call
    outcome = make(quiet).subscribe(
        [(unsubscribed, ""), (f"brand.new{bulk_threshold}@example.net", "")]
    )
    assert outcome[0].done == {} and "not re-subscribed" in outcome[0].problem
    assert outcome[1].done == {"email": "subscribe"} and outcome[1].problem == ""
    assert profiles(quiet)[unsubscribed]["email_consent"] == "unsubscribed"
    assert (
        profiles(quiet)[f"brand.new{bulk_threshold}@example.net"]["email_consent"] == "subscribed"
    )


def test_opt_outs_are_always_sent(quiet: SandboxServers) -> None:
    k = make(quiet)
    stream = profiles_stream(k)
    rows = profiles(quiet)
    email = next(e for e, r in rows.items() if r["email_consent"] == "subscribed" and "@" in e)
    result = stream.write(
        [WriteRecord("x", "gx", {"email": email, "email_consent": "unsubscribed"})]
    )[0]
    assert result.action is WriteAction.UPDATED and result.response
    assert result.response["consent"] == {"email": "unsubscribe"}
    assert profiles(quiet)[email]["email_consent"] == "unsubscribed"
    never = stream.write(
        [
            WriteRecord(
                "y", "gy", {"email": "never.asked@example.net", "email_consent": "unsubscribed"}
            )
        ]
    )[0]
    assert never.action is WriteAction.CREATED and "consent" not in (never.response or {})
    assert profiles(quiet)["never.asked@example.net"]["email_consent"] == "never_subscribed"


def test_a_bulk_import_job_failing_half_its_rows(quiet: SandboxServers) -> None:
    quiet.app("marketing").klaviyo.job_delay_s = 0.2
    k = make(quiet, bulk_threshold=10)
    stream = profiles_stream(k)
    records = []
    for n in range(20):
        email = f"bulk{n}@example.org" if n % 2 == 0 else f"bulk{n}-at-example.org"
        records.append(
            WriteRecord(
                f"k{n}",
                f"g{n}",
                {"external_id": f"BULK-{n}", "email": email, "last_name": f"Bulk{n}"},
            )
        )
    seen: list[str] = []
    real = stream.api.request

    def spy(method: str, path: str, **kwargs: Any) -> httpx.Response:
        seen.append(f"{method} {path.split('?')[0]}")
        return real(method, path, **kwargs)

    stream.api.request = spy  # type: ignore[method-assign]
    results = stream.write(records)
    good = [r for n, r in enumerate(results) if n % 2 == 0]
    bad = [r for n, r in enumerate(results) if n % 2 == 1]
    assert all(r.action is WriteAction.CREATED and r.dest_id for r in good), good
    assert all(r.action is WriteAction.REJECTED for r in bad)
    assert all(
        (r.error or "").startswith("Klaviyo refused the profile (import job ")
        and (r.error or "").endswith("): Invalid input: Invalid email address (email)")
        for r in bad
    ), bad[0].error
    assert seen[0] == "POST /api/profile-bulk-import-jobs"
    assert "POST /api/profile-import" not in seen  # one job, no call per profile
    assert any(s.endswith("/import-errors") for s in seen) and any(
        s.endswith("/profiles") for s in seen
    )
    rows = profiles(quiet)
    assert {f"bulk{n}@example.org" for n in range(0, 20, 2)} <= set(rows)
    assert not any("-at-example.org" in e for e in rows)
    assert {rows[f"bulk{n}@example.org"]["profile_id"] for n in range(0, 20, 2)} == {
        r.dest_id for r in good
    }


def test_list_membership_follows_the_list_setting(quiet: SandboxServers) -> None:
    mkt = quiet.servers["marketing"]
    headers = {
        "Authorization": f"Klaviyo-API-Key {mkt.credentials['klaviyo_api_key']}",
        "revision": kl.REVISION,
    }
    made = httpx.post(
        f"{mkt.url}/api/lists", json=kl.list_body("Service reminders"), headers=headers, timeout=10
    )
    list_id = made.json()["data"]["id"]
    k = make(quiet, list_id=list_id)
    stream = profiles_stream(k)
    results = stream.write(
        [
            WriteRecord("m1", "g1", {"email": "member.one@example.net"}),
            WriteRecord("m2", "g2", {"email": "member.two@example.net", "list_member": "Y"}),
        ]
    )
    assert all(r.action is WriteAction.CREATED for r in results)
    lists = read_all(k, "lists")
    assert "Service reminders" in set(lists["name"])

    def members() -> set[str]:
        got = httpx.get(f"{mkt.url}/api/lists/{list_id}/profiles", headers=headers, timeout=10)
        return {p["attributes"]["email"] for p in got.json()["data"]}

    assert members() == {"member.one@example.net", "member.two@example.net"}
    consent = profiles(quiet)["member.one@example.net"]["email_consent"]
    gone = stream.write(
        [
            WriteRecord(
                "m1",
                "g1",
                {"email": "member.one@example.net", "list_member": "N"},
                dest_id=results[0].dest_id,
            )
        ]
    )
    assert gone[0].action is WriteAction.UPDATED and gone[0].response["list"] == "removed"  # type: ignore[index]
    assert members() == {"member.two@example.net"}
    assert profiles(quiet)["member.one@example.net"]["email_consent"] == consent
    no_list = (
        make(quiet)
        .streams()["profiles"]
        .write([WriteRecord("m3", "g3", {"email": "x@example.net", "list_member": "Y"})])[0]
    )
    assert no_list.action is WriteAction.REJECTED and "List setting" in (no_list.error or "")


def test_erase_a_customer(quiet: SandboxServers) -> None:
    k = make(quiet)
    k.streams()["profiles"].write([WriteRecord("e", "ge", {"email": "erase.me@example.net"})])
    assert "erase.me@example.net" in profiles(quiet)
    said = k.request_deletion(email="erase.me@example.net")
    assert said.startswith("Klaviyo accepted the deletion request for erase.me@example.net")
    assert "erase.me@example.net" not in profiles(quiet)
    with pytest.raises(Exception, match="exactly one"):
        k.request_deletion(email="a@b.test", profile_id="01P")


def test_429_storms_are_waited_out_as_retry_after_says(sandbox: SandboxServers) -> None:
    existing = len(export(sandbox, "marketing", "contacts"))
    sandbox.set_faults("marketing:rate_limit_rate=0.3,burst=3,retry_after_s=1,rps=0")
    try:
        k = make(sandbox, page_size=10, max_attempts=12)
        waits: list[float] = []

        def wait(seconds: float) -> None:
            waits.append(seconds)
            time.sleep(min(seconds, 0.02))

        k.client.sleep = wait
        frame = read_all(k, "profiles")
        stream = profiles_stream(k)
        results = stream.write(
            [WriteRecord(f"s{n}", f"gs{n}", {"email": f"storm{n}@example.net"}) for n in range(8)]
        )
        stats = httpx.get(f"{sandbox.servers['marketing'].url}/_sandbox/stats", timeout=10).json()
    finally:
        sandbox.set_faults("marketing:rps=0")
    assert frame["profile_id"].is_unique and len(frame) == existing
    assert all(r.action is WriteAction.CREATED for r in results), [r.error for r in results]
    assert stats["faults"]["counts"]["rate_limit"] >= 4
    assert k.client.stats["throttled"] >= 4 and waits.count(1.0) >= 4  # Retry-After: 1


# -- the opt-out flow -------------------------------------------------------------------

TO_KLAVIYO = Mapping(
    (
        rule("external_id", "customer_id", required=True),
        rule("email", "email", steps=[Step("email")]),
        rule("phone_number", "mobile_phone", steps=[Step("phone_e164")]),
        rule("first_name", "first_name", steps=[Step("collapse_spaces")]),
        rule("last_name", "last_name", "company_name", steps=[Step("coalesce")]),
        rule("zip", "zip"),
        rule("email_consent", "opt_in_email", steps=[consent_step()]),
        rule("sms_consent", "opt_in_sms", steps=[consent_step()]),
    )
)
TO_DMS = Mapping(  # only lowers: an opt-out gives N, the rest is not sent (see the flow)
    (
        rule("customer_id", "external_id", required=True),
        rule("opt_in_email", "email_consent", steps=[opt_out_step()]),
        rule("opt_in_sms", "sms_consent", steps=[opt_out_step()]),
    )
)


@pytest.fixture
def fresh() -> Iterator[SandboxServers]:
    with SandboxServers(build_dataset(150, seed=SEED + 1), seed=SEED + 1) as servers:
        servers.set_faults("marketing:rps=0")
        yield servers


def _flows(store: Store, sandbox: SandboxServers) -> None:
    install_demo(store, sandbox.port_file_payload())
    profiles_svc = ProfileService(store)
    settings, secrets = settings_for(sandbox, rate_limit_per_s=0)
    klaviyo = profiles_svc.create("Store Klaviyo", "klaviyo", settings, secrets)
    dms = profiles_svc.get_by_name(DMS)
    flows = FlowService(store)
    flows.upsert(
        FlowDefinition(
            slug="dms-customers-to-klaviyo",
            name="Customers: DMS → Klaviyo",
            source_profile_id=dms.id,
            source_stream="customers",
            dest_profile_id=klaviyo.id,
            dest_stream="profiles",
            mapping=TO_KLAVIYO,
        )
    )
    flows.upsert(
        FlowDefinition(
            slug="klaviyo-opt-outs-to-dms",
            name="Opt-outs: Klaviyo → DMS",
            source_profile_id=klaviyo.id,
            source_stream="profiles",
            dest_profile_id=dms.id,
            dest_stream="customers",
            mapping=TO_DMS,
            options={"omit_blank": ["opt_in_email", "opt_in_sms"], "update_only": True},
        )
    )


def _outcomes(store: Store, run_id: int) -> list[RecordOutcome]:
    with store.session() as s:
        return list(s.scalars(select(RecordOutcome).where(RecordOutcome.run_id == run_id)))


def test_an_opt_out_at_klaviyo_reaches_the_dms_and_no_sync_undoes_it(
    store: Store, fresh: SandboxServers
) -> None:
    _flows(store, fresh)
    engine = SyncEngine(store)
    first = engine.run("dms-customers-to-klaviyo")
    assert first.status in ("succeeded", "completed_with_errors"), first.error
    dms = {c["customer_id"]: c for c in export(fresh, "dms", "customers")}
    linked = {r["external_id"]: r for r in profiles(fresh).values() if r["external_id"]}
    # a DMS customer who said yes to e-mail and is now subscribed at Klaviyo
    cid = next(
        c
        for c, r in sorted(linked.items())
        if r["email_consent"] == "subscribed" and dms[c]["opt_in_email"] == "Y"
    )
    email = linked[cid]["email"]
    baseline = engine.run("klaviyo-opt-outs-to-dms")  # reads everything once, sets the cursor
    assert baseline.counts["read"] == len(profiles(fresh))
    before = {c["customer_id"]: c for c in export(fresh, "dms", "customers")}[cid]
    assert before["opt_in_email"] == "Y"

    unsubscribe_at_klaviyo(fresh, email)  # the person clicks "unsubscribe" in an e-mail
    after = engine.run("klaviyo-opt-outs-to-dms")
    assert after.status == "succeeded", after.error
    assert after.counts["read"] < baseline.counts["read"]  # only what changed since
    customer = {c["customer_id"]: c for c in export(fresh, "dms", "customers")}[cid]
    assert customer["opt_in_email"] == "N"
    assert customer["opt_in_sms"] == before["opt_in_sms"]  # SMS consent is its own

    # a full re-sync of the DMS to Klaviyo: the DMS now says N, nothing re-subscribes
    full = engine.run("dms-customers-to-klaviyo", full=True)
    assert full.status in ("succeeded", "completed_with_errors"), full.error
    assert profiles(fresh)[email.lower()]["email_consent"] == "unsubscribed"

    # even if the DMS still said yes (the desk re-ticks the box), Klaviyo's opt-out wins,
    # and the sync log says so
    patch_customer(fresh, cid, {"opt_in_email": "Y"})
    again = engine.run("dms-customers-to-klaviyo")
    assert again.status == "completed_with_errors"
    assert profiles(fresh)[email.lower()]["email_consent"] == "unsubscribed"
    refused = [o for o in _outcomes(store, again.run_id) if o.record_key == cid]
    assert len(refused) == 1 and refused[0].status == "parked", refused
    reason = refused[0].error or ""
    assert reason.startswith(
        "E-mail not re-subscribed: Klaviyo reports this profile UNSUBSCRIBED since "
    )
    assert reason.endswith("(The profile's other fields were saved.)")
    print(f"\nsync log, record {cid}: {refused[0].status}: {reason}")
    print(f"response: {json.loads(refused[0].response_payload or '{}')}")


# -- the bulk job's edges, scripted ------------------------------------------------------


def _scripted(
    replies: list[httpx.Response | Exception], **options: Any
) -> tuple[ProfilesStream, Script]:
    script = Script(replies)
    api = Api(client_for(script, []), "https://a.klaviyo.test", "Klaviyo")
    stream = ProfilesStream(api, 100, WriteOptions(bulk_threshold=2, poll_s=0.0, **options))
    return stream, script


def _job(status: str, failed: int = 0) -> httpx.Response:
    attrs = {"status": status, "created_at": "2026-02-09T08:00:00+00:00", "total_count": 3,
             "completed_count": 3 - failed, "failed_count": failed}  # fmt: skip
    return httpx.Response(202, json={"data": {"type": "profile-bulk-import-job", "id": "J1",
                                              "attributes": attrs}})  # fmt: skip


RECORDS = [
    WriteRecord(f"k{n}", f"g{n}", {"email": f"p{n}@example.com", "external_id": f"E{n}"})
    for n in range(3)
]


def test_a_cancelled_job_sends_its_records_again() -> None:
    stream, _script = _scripted([_job("queued"), _job("cancelled")])
    results = stream.write(RECORDS)
    assert {r.action for r in results} == {WriteAction.FAILED}
    assert "cancelled import job J1" in (results[0].error or "")


def test_import_errors_without_a_pointer_find_their_record_by_payload() -> None:
    error = {"type": "import-error", "id": "x", "attributes": {
        "code": "invalid", "title": "Invalid input.", "detail": "Invalid phone number",
        "source": {"pointer": "/data"}, "original_payload": {"external_id": "E1"}}}  # fmt: skip
    never = {"email": {"marketing": {"consent": "NEVER_SUBSCRIBED"}}}
    profile = {"type": "profile", "id": "P0",
               "attributes": {"email": "p0@example.com", "subscriptions": never,
                              "created": "2026-02-09T08:00:01+00:00"}}  # fmt: skip
    stream, script = _scripted([
        _job("queued"), _job("complete", failed=1),
        httpx.Response(200, json={"data": [error], "links": {"self": "x"}}),
        httpx.Response(200, json={"data": [profile], "links": {"self": "x"}}),
    ])  # fmt: skip
    first, second, third = stream.write(RECORDS)
    assert first.action is WriteAction.CREATED and first.dest_id == "P0"
    assert second.action is WriteAction.REJECTED and "Invalid phone number" in (second.error or "")
    assert third.action is WriteAction.FAILED  # the job did not account for it: sent again
    paths = [r.url.path for r in script.requests]
    assert paths[:2] == ["/api/profile-bulk-import-jobs", "/api/profile-bulk-import-jobs/J1"]


def test_a_job_that_never_finishes_fails_the_batch() -> None:
    stream, _script = _scripted([_job("queued"), _job("processing")], job_timeout_s=0.0)
    with pytest.raises(DeliveryError, match="import job J1 was still queued after 0 s"):
        stream.write(RECORDS)

"""The simulated marketing platform speaking Klaviyo: auth and revision, profiles (filter,
sort, cursor pages, subscriptions), profile-import, the bulk import job with its errors,
subscription and suppression jobs (Klaviyo's own re-subscribe behaviour), lists and
membership, data-privacy deletion, and Klaviyo-shaped 429s and faults. Answers are
validated against the published specs."""

from __future__ import annotations

import time
from typing import Any

import httpx

from app.formats import klaviyo as kl
from app.sandbox.servers import SandboxServers
from tests.support.klaviyo_specs import problems, response_validator
from tests.support.sandbox_api import client

JSONAPI = "application/vnd.api+json"


def _headers(servers: SandboxServers, **over: str) -> dict[str, str]:
    key = servers.servers["marketing"].credentials["klaviyo_api_key"]
    return {
        "Authorization": f"Klaviyo-API-Key {key}",
        "revision": kl.REVISION,
        "Accept": JSONAPI,
        "Content-Type": JSONAPI,
        **over,
    }


class Klaviyo:
    """A bare Klaviyo client for the sandbox (what a test needs, no connector)."""

    def __init__(self, servers: SandboxServers) -> None:
        self.url = servers.servers["marketing"].url
        self.headers = _headers(servers)
        self.http = client()

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"{self.url}{path}", params=params, headers=self.headers)

    def send(self, method: str, path: str, body: Any, **params: Any) -> httpx.Response:
        return self.http.request(
            method, f"{self.url}{path}", json=body, params=params, headers=self.headers
        )

    def profile(self, email: str) -> dict[str, str]:
        found = self.get(
            "/api/profiles",
            filter=kl.equals("email", email),
            **{"additional-fields[profile]": "subscriptions"},
        ).json()["data"]
        assert len(found) == 1, found
        return kl.flatten_profile(found[0])


def _valid(spec: str, op: str, status: int | str, response: httpx.Response) -> Any:
    assert response.status_code == int(str(status).replace("XX", "00")) or str(status).endswith(
        "XX"
    ), (response.status_code, response.text)
    body = response.json()
    assert problems(response_validator(spec, op, status), body) == [], body
    return body


def test_key_and_revision_are_required(servers: SandboxServers) -> None:
    k = Klaviyo(servers)
    url = f"{k.url}/api/profiles"
    bare = k.http.get(url, headers={"revision": kl.REVISION})
    assert bare.status_code == 401
    assert (
        _valid("profiles", "get_profiles", "4XX", bare)["errors"][0]["code"] == "not_authenticated"
    )
    wrong = k.http.get(url, headers={**k.headers, "Authorization": "Klaviyo-API-Key pk_nope"})
    assert wrong.status_code == 401
    old_style = k.http.get(
        url, headers={**k.headers, "Authorization": k.headers["Authorization"].split()[1]}
    )
    assert old_style.status_code == 401
    no_revision = k.http.get(
        url, headers={k2: v for k2, v in k.headers.items() if k2 != "revision"}
    )
    assert no_revision.status_code == 400
    assert no_revision.json()["errors"][0]["source"] == {"parameter": "revision"}
    assert k.http.get(url, headers={**k.headers, "revision": "latest"}).status_code == 400


def test_profiles_page_filter_sort_and_consent(servers: SandboxServers) -> None:
    k = Klaviyo(servers)
    seen: list[str] = []
    page = k.get(
        "/api/profiles", **{"page[size]": "3", "additional-fields[profile]": "subscriptions"}
    )
    while True:
        body = _valid("profiles", "get_profiles", 200, page)
        seen += [p["id"] for p in body["data"]]
        if "next" not in body["links"]:
            break
        assert len(body["data"]) == 3
        page = k.http.get(body["links"]["next"], headers=k.headers)
    assert len(seen) == 10 and len(set(seen)) == 10
    rows = {r["email"]: r for r in (kl.flatten_profile(p) for p in body["data"])}
    first = k.profile("person0@example.com")
    assert first["email_consent"] == "unsubscribed" and first["email_suppression"] == "UNSUBSCRIBE"
    assert k.profile("person1@example.com")["email_consent"] == "subscribed"
    assert k.profile("person1@example.com")["sms_consent"] == "never_subscribed"
    assert rows  # the last page had rows
    later = k.get("/api/profiles", filter="greater-than(updated,2024-03-04T00:00:00Z)").json()
    # strictly later: day 4 at midnight itself is not
    assert {p["attributes"]["email"] for p in later["data"]} == {
        "person4@example.com",
        "person9@example.com",
    }
    assert "subscriptions" not in later["data"][0]["attributes"]  # only when asked for
    some = k.get("/api/profiles", filter=kl.any_of("email", ["PERSON2@example.com", "x@y.test"]))
    assert [p["attributes"]["email"] for p in some.json()["data"]] == ["person2@example.com"]
    newest = k.get("/api/profiles", sort="-updated", **{"page[size]": "2"}).json()["data"]
    assert [p["attributes"]["updated"][:10] for p in newest] == ["2024-03-05", "2024-03-05"]
    for params in (
        {"filter": "equals(first_name,'x')"},
        {"filter": "equals(email"},
        {"sort": "zip"},
        {"page[size]": "101"},
        {"page[cursor]": "!!"},
    ):
        bad = k.get("/api/profiles", **params)
        assert bad.status_code == 400, params
        _valid("profiles", "get_profiles", "4XX", bad)
    one = k.get(f"/api/profiles/{seen[0]}", **{"additional-fields[profile]": "subscriptions"})
    _valid("profiles", "get_profile", 200, one)
    assert k.get("/api/profiles/nope").status_code == 404


def test_profile_import_creates_updates_and_refuses(servers: SandboxServers) -> None:
    k = Klaviyo(servers)
    sub = {"additional-fields[profile]": "subscriptions"}
    body = kl.upsert_body(
        {
            "email": "new.person@example.com",
            "external_id": "C900",
            "first_name": "New",
            "phone_number": "+13135550199",
            "city": "Detroit",
            "properties": '{"vip": true}',
        }
    )
    made = k.send("POST", "/api/profile-import", body, **sub)
    created = _valid("profiles", "create_or_update_profile", 201, made)
    row = kl.flatten_profile(created["data"])
    assert row["external_id"] == "C900" and row["city"] == "Detroit"
    assert row["email_consent"] == "never_subscribed" and row["properties"] == '{"vip":true}'
    again = k.send(
        "POST",
        "/api/profile-import",
        kl.upsert_body({"external_id": "C900", "last_name": "Person"}),
        **sub,
    )
    updated = _valid("profiles", "create_or_update_profile", 200, again)
    assert updated["data"]["id"] == created["data"]["id"]
    assert updated["data"]["attributes"]["last_name"] == "Person"
    assert updated["data"]["attributes"]["updated"] >= created["data"]["attributes"]["updated"]
    bad_email = k.send("POST", "/api/profile-import", kl.upsert_body({"email": "not-an-email"}))
    assert bad_email.status_code == 400
    err = _valid("profiles", "create_or_update_profile", "4XX", bad_email)["errors"][0]
    assert err["detail"] == "Invalid email address"
    assert err["source"]["pointer"] == "/data/attributes/email"
    bad_phone = k.send(
        "POST",
        "/api/profile-import",
        {
            "data": {
                "type": "profile",
                "attributes": {"email": "ok@example.com", "phone_number": "313-555-0101"},
            }
        },
    )
    assert bad_phone.status_code == 400 and "E.164" not in bad_phone.text
    assert "+12345678901" in bad_phone.json()["errors"][0]["detail"]
    clash = k.send(
        "POST",
        "/api/profile-import",
        kl.upsert_body({"external_id": "C900", "email": "person1@example.com"}),
    )
    assert clash.status_code == 409 and kl.error_code(clash.json()) == "duplicate_profile"
    wrong_type = k.http.post(
        f"{k.url}/api/profile-import",
        content=b"{}",
        headers={**k.headers, "Content-Type": "text/plain"},
    )
    assert wrong_type.status_code == 415


def test_a_bulk_import_job_reports_the_rows_it_refused(servers: SandboxServers) -> None:
    servers.app("marketing").klaviyo.job_delay_s = 0.3
    k = Klaviyo(servers)
    rows = [
        {"email": "bulk0@example.com", "external_id": "B0"},
        {"email": "not-an-email", "external_id": "B1"},
        {"email": "person2@example.com", "external_id": "B2", "first_name": "Two"},
        {"email": "bulk3@example.com", "phone_number": "12"},
    ]
    body = kl.bulk_import_body(rows)
    body["data"]["attributes"]["profiles"]["data"][3]["attributes"]["phone_number"] = "12"
    made = k.send("POST", "/api/profile-bulk-import-jobs", body)
    job = kl.job_state(_valid("profiles", "bulk_import_profiles", 202, made))
    assert job.status == "queued" and job.total == 4
    path = f"/api/profile-bulk-import-jobs/{job.id}"
    running = kl.job_state(_valid("profiles", "get_bulk_import_profiles_job", 200, k.get(path)))
    assert running.status == "processing"
    time.sleep(0.35)
    done = kl.job_state(_valid("profiles", "get_bulk_import_profiles_job", 200, k.get(path)))
    assert (done.status, done.completed, done.failed) == ("complete", 2, 2)
    errors = k.get(f"{path}/import-errors", **{"page[size]": "1"})
    first = _valid("profiles", "get_errors_for_bulk_import_profiles_job", 200, errors)
    second = k.http.get(first["links"]["next"], headers=k.headers).json()
    found = kl.import_problems(first) + kl.import_problems(second)
    assert [(p.index, p.words()) for p in found] == [
        (1, "Invalid input: Invalid email address (email)"),
        (
            3,
            "Invalid input: Invalid phone number format (Example of a valid phone number "
            "format: +12345678901) (phone_number)",
        ),
    ]
    assert found[0].payload["external_id"] == "B1"
    imported = k.get(f"{path}/profiles", **{"additional-fields[profile]": "subscriptions"})
    profiles = _valid("profiles", "get_profiles_for_bulk_import_profiles_job", 200, imported)
    assert {p["attributes"]["external_id"] for p in profiles["data"]} == {"B0", "B2"}
    assert k.profile("person2@example.com")["first_name"] == "Two"  # matched by e-mail
    assert k.get("/api/profile-bulk-import-jobs/nope").status_code == 404


def test_subscription_jobs_behave_like_klaviyo(servers: SandboxServers) -> None:
    k = Klaviyo(servers)
    before = k.profile("person0@example.com")
    assert before["email_consent"] == "unsubscribed"
    # Klaviyo's subscribe DOES re-subscribe (and lifts UNSUBSCRIBE): refusing is the caller's job
    sub = kl.subscribe_job_body(
        [kl.ConsentTarget(email="person0@example.com", channels={"email": ""})]
    )
    answer = k.send("POST", "/api/profile-subscription-bulk-create-jobs", sub)
    assert answer.status_code == 202 and answer.content == b""
    after = k.profile("person0@example.com")
    assert after["email_consent"] == "subscribed" and after["email_suppression"] == ""
    assert after["updated"] > before["updated"]
    unsub = kl.unsubscribe_job_body(
        [kl.ConsentTarget(email="person0@example.com", channels={"email": ""})]
    )
    assert k.send("POST", "/api/profile-subscription-bulk-delete-jobs", unsub).status_code == 202
    gone = k.profile("person0@example.com")
    assert gone["email_consent"] == "unsubscribed" and gone["email_suppression"] == "UNSUBSCRIBE"
    # consented_at only in a historical import, and then in the past
    given = kl.ConsentTarget(
        email="person6@example.com", channels={"email": "2024-01-02T00:00:00Z"}
    )
    live = kl.subscribe_job_body([given])
    live["data"]["attributes"]["profiles"]["data"][0]["attributes"]["subscriptions"]["email"][
        "marketing"
    ]["consented_at"] = "2024-01-02T00:00:00+00:00"
    assert k.send("POST", "/api/profile-subscription-bulk-create-jobs", live).status_code == 400
    later = kl.ConsentTarget(
        email="person6@example.com", channels={"email": "2999-01-01T00:00:00Z"}
    )
    future = kl.subscribe_job_body([later], historical=True)
    assert k.send("POST", "/api/profile-subscription-bulk-create-jobs", future).status_code == 400
    old = kl.subscribe_job_body([given], historical=True)
    assert k.send("POST", "/api/profile-subscription-bulk-create-jobs", old).status_code == 202
    assert k.profile("person6@example.com")["email_consent_at"] == "2024-01-02T00:00:00Z"
    # SMS is its own channel and needs a phone number
    sms = kl.subscribe_job_body(
        [kl.ConsentTarget(email="person1@example.com", channels={"sms": ""})]
    )
    refused = k.send("POST", "/api/profile-subscription-bulk-create-jobs", sms)
    assert refused.status_code == 400 and "phone_number" in refused.text
    sms = kl.subscribe_job_body(
        [kl.ConsentTarget(phone_number="+13135550111", channels={"sms": ""})]
    )
    assert k.send("POST", "/api/profile-subscription-bulk-create-jobs", sms).status_code == 202
    texted = k.get(
        "/api/profiles",
        filter=kl.equals("phone_number", "+13135550111"),
        **{"additional-fields[profile]": "subscriptions"},
    ).json()["data"]
    row = kl.flatten_profile(texted[0])
    assert row["sms_consent"] == "subscribed" and row["email_consent"] == "never_subscribed"
    # a hard bounce stays through a subscribe
    store = servers.app("marketing").klaviyo
    pid = k.profile("person3@example.com")["profile_id"]
    with store.lock:
        store.extra(store.get(pid))["suppression"].append(
            {"reason": "HARD_BOUNCE", "timestamp": "2024-03-06T00:00:00Z"}
        )
    bounce = kl.subscribe_job_body(
        [kl.ConsentTarget(email="person3@example.com", channels={"email": ""})]
    )
    k.send("POST", "/api/profile-subscription-bulk-create-jobs", bounce)
    bounced = k.profile("person3@example.com")
    assert (
        bounced["email_consent"] == "suppressed" and bounced["email_suppression"] == "HARD_BOUNCE"
    )
    # suppression: a job, USER_SUPPRESSED, the second time skipped
    suppress = k.send(
        "POST",
        "/api/profile-suppression-bulk-create-jobs",
        kl.suppress_job_body(["person4@example.com", "person4@example.com"]),
    )
    job = _valid("profiles", "bulk_suppress_profiles", 202, suppress)
    assert job["data"]["attributes"]["completed_count"] == 1
    assert job["data"]["attributes"]["skipped_count"] == 1
    got = k.get(f"/api/profile-suppression-bulk-create-jobs/{job['data']['id']}")
    _valid("profiles", "get_bulk_suppress_profiles_job", 200, got)
    assert k.profile("person4@example.com")["email_suppression"] == "USER_SUPPRESSED"
    too_many = kl.unsubscribe_job_body(
        [kl.ConsentTarget(email=f"p{i}@x.test", channels={"email": ""}) for i in range(101)]
    )
    assert k.send("POST", "/api/profile-subscription-bulk-delete-jobs", too_many).status_code == 400
    # the marketing platform's own API sees the same consent
    mkt = servers.servers["marketing"]
    old = k.http.get(
        f"{mkt.url}/contacts/{gone['profile_id']}",
        headers={"X-API-Key": mkt.credentials["api_key"]},
    ).json()
    assert old["email_consent"] == "unsubscribed"


def test_lists_and_membership(servers: SandboxServers) -> None:
    k = Klaviyo(servers)
    made = k.send("POST", "/api/lists", kl.list_body("Service reminders"))
    list_id = _valid("lists", "create_list", 201, made)["data"]["id"]
    listed = _valid("lists", "get_lists", 200, k.get("/api/lists"))
    assert [x["attributes"]["name"] for x in listed["data"]] == ["Service reminders"]
    assert k.get("/api/lists", **{"page[size]": "11"}).status_code == 400
    _valid("lists", "get_list", 200, k.get(f"/api/lists/{list_id}"))
    ids = [k.profile(f"person{i}@example.com")["profile_id"] for i in (0, 1)]
    consent = [k.profile(f"person{i}@example.com")["email_consent"] for i in (0, 1)]
    path = f"/api/lists/{list_id}/relationships/profiles"
    assert k.send("POST", path, kl.members_body(ids)).status_code == 204
    members = k.get(f"/api/lists/{list_id}/profiles")
    assert {p["id"] for p in _valid("lists", "get_profiles_for_list", 200, members)["data"]} == set(
        ids
    )
    assert [k.profile(f"person{i}@example.com")["email_consent"] for i in (0, 1)] == consent
    assert k.send("DELETE", path, kl.members_body(ids[:1])).status_code == 204
    assert [p["id"] for p in k.get(f"/api/lists/{list_id}/profiles").json()["data"]] == ids[1:]
    assert k.send("POST", path, kl.members_body(["ghost"])).status_code == 400
    assert (
        k.send("POST", "/api/lists/L9999/relationships/profiles", kl.members_body(ids)).status_code
        == 404
    )
    since = k.get("/api/lists", filter="greater-than(updated,2000-01-01T00:00:00Z)").json()
    assert len(since["data"]) == 1


def test_data_privacy_deletion(servers: SandboxServers) -> None:
    k = Klaviyo(servers)
    pid = k.profile("person5@example.com")["profile_id"]
    asked = k.send(
        "POST", "/api/data-privacy-deletion-jobs", kl.deletion_body(email="person5@example.com")
    )
    assert asked.status_code == 202
    assert k.get(f"/api/profiles/{pid}").status_code == 404
    assert (
        k.get("/api/profiles", filter=kl.equals("email", "person5@example.com")).json()["data"]
        == []
    )
    two = {
        "data": {
            "type": "data-privacy-deletion-job",
            "attributes": {
                "profile": {
                    "data": {
                        "type": "profile",
                        "attributes": {"email": "a@b.test", "phone_number": "+13135550100"},
                    }
                }
            },
        }
    }
    assert k.send("POST", "/api/data-privacy-deletion-jobs", two).status_code == 400
    log = k.http.get(f"{k.url}/_sandbox/export/klaviyo_deletions").json()
    assert log[0]["profile_ids"] == [pid]


def test_throttling_and_faults_answer_like_klaviyo(servers: SandboxServers) -> None:
    k = Klaviyo(servers)
    servers.set_faults("marketing:rps=1,bucket=2")
    try:
        answers = [k.get("/api/profiles", **{"page[size]": "1"}) for _ in range(4)]
    finally:
        servers.set_faults("")
    limited = [a for a in answers if a.status_code == 429]
    assert limited and int(limited[0].headers["Retry-After"]) >= 1
    assert _valid("profiles", "get_profiles", "4XX", limited[0])["errors"][0]["code"] == "throttled"
    servers.set_faults("marketing:error_rate=1")
    try:
        failed = k.get("/api/profiles")
    finally:
        servers.set_faults("")
    assert failed.status_code in (500, 502, 503)
    assert _valid("profiles", "get_profiles", "5XX", failed)["errors"][0]["title"]

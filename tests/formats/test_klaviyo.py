"""The Klaviyo codec against the published specs: flat rows <-> JSON:API profiles, consent
per channel (and the decision never to re-subscribe), lists, jobs, deletion requests,
filters and error bodies. Bodies are validated against the specs' own schemas."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
import pytest

from app.formats import klaviyo as kl
from app.formats.errors import KlaviyoError
from app.mapping.transforms import TRANSFORMS
from tests.support.klaviyo_specs import (
    problems,
    request_validator,
    response_validator,
    revision,
)

SELF = "https://a.klaviyo.com/api/profiles/01JQ8Z3M5N6P7Q8R9S0T1V2W3X/"


def _marketing(consent: str, at: str, suppression: list[dict[str, str]] | None = None) -> Any:
    return {
        "can_receive_email_marketing": consent == "SUBSCRIBED" and not suppression,
        "consent": consent,
        "consent_timestamp": at,
        "last_updated": at,
        "method": "PREFERENCE_PAGE",
        "method_detail": "",
        "custom_method_detail": None,
        "double_optin": None,
        "suppression": suppression or [],
        "list_suppressions": [],
    }


def profile(email_consent: str = "SUBSCRIBED", sms: str = "NEVER_SUBSCRIBED", **over: Any) -> Any:
    """A profile as GET /api/profiles/{id}?additional-fields[profile]=subscriptions answers."""
    suppression = over.pop("suppression", None)
    attributes = {
        "email": "maria.nunez@example.com",
        "phone_number": "+14695550103",
        "external_id": "C100042",
        "first_name": "María José",
        "last_name": "Núñez-O'Brien",
        "organization": None,
        "locale": "es-US",
        "title": None,
        "image": None,
        "created": "2024-03-01T09:00:00+00:00",
        "updated": "2026-02-09T08:15:30.123456+00:00",
        "last_event_date": None,
        "location": {
            "address1": "1200 Elm St", "address2": "Apt 4B", "city": "Dallas",
            "country": "United States", "latitude": None, "longitude": None,
            "region": "TX", "zip": "75201", "timezone": "America/Chicago", "ip": None,
        },
        "properties": {"rooftop_external_id": "C100042", "favourite_model": "RAV4"},
        "subscriptions": {
            "email": {"marketing": _marketing(email_consent, "2025-06-01T12:00:00+00:00",
                                              suppression)},
            "sms": {"marketing": {"can_receive_sms_marketing": sms == "SUBSCRIBED",
                                  "consent": sms, "consent_timestamp": None,
                                  "method": None, "method_detail": "", "last_updated": None}},
        },
        **over,
    }  # fmt: skip
    return {
        "data": {
            "type": "profile",
            "id": "01JQ8Z3M5N6P7Q8R9S0T1V2W3X",
            "attributes": attributes,
            "relationships": {},
            "links": {"self": SELF},
        },
        "links": {"self": SELF},
    }


def test_the_revision_is_the_specs_own() -> None:
    for spec, op in (("profiles", "get_profiles"), ("lists", "get_lists"),
                     ("data_privacy", "request_profile_deletion")):  # fmt: skip
        assert revision(spec, op) == kl.REVISION
    assert kl.REVISION_PATTERN.match(kl.REVISION) and kl.REVISION_PATTERN.match("2026-07-15.pre")
    assert not kl.REVISION_PATTERN.match("July 2026")


def test_a_profile_reads_as_a_flat_row() -> None:
    body = profile()
    assert problems(response_validator("profiles", "get_profile", 200), body) == []
    row = kl.flatten_profile(body["data"])
    assert list(row) == list(kl.PROFILE_FIELDS)
    assert row["profile_id"] == "01JQ8Z3M5N6P7Q8R9S0T1V2W3X"
    assert row["external_id"] == "C100042" and row["first_name"] == "María José"
    assert row["city"] == "Dallas" and row["zip"] == "75201" and row["country"] == "United States"
    assert row["properties"] == '{"favourite_model":"RAV4"}'  # our own key is not repeated
    assert row["updated"] == "2026-02-09T08:15:30Z" and row["created"] == "2024-03-01T09:00:00Z"
    assert (
        row["email_consent"] == "subscribed" and row["email_consent_at"] == "2025-06-01T12:00:00Z"
    )
    assert row["sms_consent"] == "never_subscribed" and row["sms_consent_at"] == ""


@pytest.mark.parametrize(
    ("consent", "suppression", "state", "reason"),
    [
        ("SUBSCRIBED", None, "subscribed", ""),
        ("NEVER_SUBSCRIBED", None, "never_subscribed", ""),
        ("UNSUBSCRIBED", [{"reason": "UNSUBSCRIBE", "timestamp": "2026-02-01T10:00:00+00:00"}],
         "unsubscribed", "UNSUBSCRIBE"),
        ("SUBSCRIBED", [{"reason": "HARD_BOUNCE", "timestamp": "2026-01-20T10:00:00+00:00"}],
         "suppressed", "HARD_BOUNCE"),
        ("NEVER_SUBSCRIBED", [{"reason": "USER_SUPPRESSED",
                               "timestamp": "2026-01-21T10:00:00+00:00"}],
         "suppressed", "USER_SUPPRESSED"),
    ],
)  # fmt: skip
def test_email_consent_states(
    consent: str, suppression: list[dict[str, str]] | None, state: str, reason: str
) -> None:
    body = profile(consent, suppression=suppression)
    assert problems(response_validator("profiles", "get_profile", 200), body) == []
    row = kl.flatten_profile(body["data"])
    assert (row["email_consent"], row["email_suppression"]) == (state, reason)
    if state == "suppressed":
        assert row["email_consent_at"] == kl.timestamp(suppression[0]["timestamp"])  # type: ignore[index]


def test_sms_consent_is_its_own() -> None:
    body = profile("UNSUBSCRIBED", sms="SUBSCRIBED")
    row = kl.flatten_profile(body["data"])
    assert row["email_consent"] == "unsubscribed" and row["sms_consent"] == "subscribed"
    none = kl.flatten_profile(
        {"id": "x", "attributes": {"email": "a@b.test", "subscriptions": None}}
    )
    assert none["email_consent"] == none["sms_consent"] == ""  # not said: unknown
    odd = kl.channel_consent({"sms": {"marketing": {"consent": "PENDING_DOUBLE_OPTIN"}}}, "sms")
    assert odd.state == "pending_double_optin" and odd.opted_out


def test_a_mock_s_junk_does_not_break_reading() -> None:
    junk = {"type": "profile", "id": None, "attributes": {
        "email": "minim culpa", "location": {"longitude": -24.5, "zip": 7},
        "properties": None, "subscriptions": {"email": {"marketing": {"consent": 3}}},
        "updated": "1927-08-16T16:21:25.0Z"}}  # fmt: skip
    row = kl.flatten_profile(junk)
    assert row["updated"] == "1927-08-16T16:21:25Z" and row["zip"] == "7"
    assert row["profile_id"] == "" and row["email_consent"] == "3"
    assert kl.flatten_profile("not an object")["email_consent"] == ""


def test_an_upsert_sends_what_the_row_carries() -> None:
    row = {
        "external_id": "C100042", "email": "maria.nunez@example.com",
        "phone_number": "(469) 555-0103", "first_name": "María José", "last_name": "",
        "city": "Dallas", "zip": "75201", "properties": '{"trade_in": "yes"}',
    }  # fmt: skip
    body = kl.upsert_body(row, profile_id="01JQ8Z3M5N6P7Q8R9S0T1V2W3X")
    assert problems(request_validator("profiles", "create_or_update_profile"), body) == []
    attrs = body["data"]["attributes"]
    assert body["data"]["id"] == "01JQ8Z3M5N6P7Q8R9S0T1V2W3X"
    assert attrs["phone_number"] == "+14695550103"  # E.164
    assert attrs["last_name"] is None  # an explicit blank clears
    assert "organization" not in attrs  # not carried: left alone
    assert attrs["location"] == {"city": "Dallas", "zip": "75201"}
    assert attrs["properties"] == {"trade_in": "yes", "rooftop_external_id": "C100042"}
    back = kl.flatten_profile({"id": "p", "attributes": attrs})
    assert back["external_id"] == "C100042" and back["properties"] == '{"trade_in":"yes"}'
    blank_ids = kl.upsert_body({"email": "", "external_id": "C1", "phone_number": ""})
    assert blank_ids["data"]["attributes"].keys() == {"external_id", "properties"}
    assert kl.upsert_body({"phone_number": "not a phone"})["data"]["attributes"][
        "phone_number"
    ] == ("not a phone")  # for Klaviyo to refuse in its own words
    with pytest.raises(KlaviyoError, match="e-mail, a phone number or an external id"):
        kl.upsert_body({"first_name": "Ann"})
    with pytest.raises(KlaviyoError, match="properties: not a JSON object"):
        kl.upsert_body({"email": "a@b.test", "properties": "[1, 2]"})


def test_a_bulk_import_job_body_keeps_the_order() -> None:
    rows = [{"email": f"p{n}@example.com", "first_name": f"P{n}"} for n in range(3)]
    body = kl.bulk_import_body(rows, list_ids=["Y6nRLr"])
    assert problems(request_validator("profiles", "bulk_import_profiles"), body) == []
    sent = body["data"]["attributes"]["profiles"]["data"]
    assert [p["attributes"]["email"] for p in sent] == [r["email"] for r in rows]
    assert body["data"]["relationships"]["lists"]["data"] == [{"type": "list", "id": "Y6nRLr"}]


def test_identity_keys_in_order_of_trust() -> None:
    assert kl.identity_keys({"email": "A@B.test", "phone_number": "313-555-0101",
                             "external_id": "C1"}) == [
        ("external_id", "C1"), ("email", "a@b.test"), ("phone_number", "+13135550101")]  # fmt: skip
    mirrored = {"email": "", "properties": {"rooftop_external_id": "C9"}}
    assert kl.identity_keys(mirrored) == [("external_id", "C9")]


S, U, P, N = "subscribed", "unsubscribed", "suppressed", "never_subscribed"


@pytest.mark.parametrize(
    ("channel", "desired", "current", "action"),
    [
        ("email", S, N, kl.Action.SUBSCRIBE),
        ("email", S, S, kl.Action.NONE),
        ("email", S, U, kl.Action.REFUSE),
        ("email", S, P, kl.Action.REFUSE),
        ("email", S, "pending", kl.Action.REFUSE),
        ("email", S, "", kl.Action.REFUSE),  # Klaviyo did not say: never subscribe blind
        ("sms", S, U, kl.Action.REFUSE),
        ("sms", S, N, kl.Action.SUBSCRIBE),
        ("email", U, S, kl.Action.UNSUBSCRIBE),
        ("email", U, N, kl.Action.NONE),  # a never-asked person is not made an opt-out
        ("email", U, U, kl.Action.NONE),
        ("email", P, S, kl.Action.SUPPRESS),
        ("email", P, P, kl.Action.NONE),
        ("sms", P, S, kl.Action.UNSUBSCRIBE),  # SMS cannot be suppressed
        ("email", "", U, kl.Action.NONE),
        ("email", N, S, kl.Action.NONE),
    ],
)
def test_consent_decisions_never_re_subscribe(
    channel: str, desired: str, current: str, action: kl.Action
) -> None:
    decision = kl.decide(channel, desired, kl.ChannelConsent(current, "2026-02-01T10:00:00Z"))
    assert decision.action is action


def test_a_refusal_says_why_in_words() -> None:
    current = kl.ChannelConsent("unsubscribed", "2026-02-01T10:00:00Z", "UNSUBSCRIBE")
    reason = kl.decide("email", "subscribed", current).reason
    assert reason.startswith("E-mail not re-subscribed: Klaviyo reports this profile UNSUBSCRIBED")
    assert "since 2026-02-01T10:00:00Z" in reason and "only they can opt in again" in reason
    unknown = kl.decide("sms", "subscribed", kl.ChannelConsent("")).reason
    assert unknown.startswith("SMS not subscribed: Klaviyo did not report this profile's consent")
    assert kl.wanted("email", "Subscribed") == "subscribed" and kl.wanted("sms", None) == ""
    with pytest.raises(KlaviyoError, match="sms_consent: 'Y' is not one of"):
        kl.wanted("sms", "Y")


def test_subscription_and_suppression_job_bodies_follow_the_spec() -> None:
    targets = [
        kl.ConsentTarget(email="a@example.com", channels={"email": "2026-02-01T10:00:00Z"}),
        kl.ConsentTarget(phone_number="+13135550101", profile_id="01P", channels={"sms": ""}),
        kl.ConsentTarget("b@example.com", "+13135550102", channels={"email": "", "sms": ""}),
    ]
    sub = kl.subscribe_job_body(targets, list_id="Y6nRLr", custom_source="Rooftop Sync")
    assert problems(request_validator("profiles", "bulk_subscribe_profiles"), sub) == []
    first, second, third = sub["data"]["attributes"]["profiles"]["data"]
    # consented_at only in a historical import (the spec: an error anywhere else)
    assert first["attributes"]["subscriptions"] == {
        "email": {"marketing": {"consent": "SUBSCRIBED"}}
    }
    assert "historical_import" not in sub["data"]["attributes"]
    old = kl.subscribe_job_body(targets[:1], historical=True)
    assert problems(request_validator("profiles", "bulk_subscribe_profiles"), old) == []
    assert old["data"]["attributes"]["historical_import"] is True
    assert old["data"]["attributes"]["profiles"]["data"][0]["attributes"]["subscriptions"] == {
        "email": {
            "marketing": {"consent": "SUBSCRIBED", "consented_at": "2026-02-01T10:00:00+00:00"}
        }
    }
    with pytest.raises(KlaviyoError, match="historical import needs consented_at"):
        kl.subscribe_job_body(targets[1:2], historical=True)
    assert set(second["attributes"]["subscriptions"]) == {"sms"} and second["id"] == "01P"
    assert set(third["attributes"]["subscriptions"]) == {"email", "sms"}
    assert sub["data"]["relationships"]["list"]["data"]["id"] == "Y6nRLr"
    unsub = kl.unsubscribe_job_body(targets[:1])
    assert problems(request_validator("profiles", "bulk_unsubscribe_profiles"), unsub) == []
    assert "relationships" not in unsub["data"]  # global: consent is per channel
    assert unsub["data"]["attributes"]["profiles"]["data"][0]["attributes"]["subscriptions"] == {
        "email": {"marketing": {"consent": "UNSUBSCRIBED"}}
    }
    sup = kl.suppress_job_body(["a@example.com"])
    assert problems(request_validator("profiles", "bulk_suppress_profiles"), sup) == []


def test_consent_as_y_n_opt_ins_and_back() -> None:
    assert [kl.opt_in(s) for s in (S, U, P, N, "", "odd")] == ["Y", "N", "N", "N", "", "N"]
    assert kl.opt_in(N, never_subscribed="") == ""
    step = kl.opt_in_step()
    values = pd.Series(["subscribed", "UNSUBSCRIBED", "suppressed", "never_subscribed", "", "x"])
    out = TRANSFORMS[step.name](values, **step.params)
    assert out.values.tolist() == ["Y", "N", "N", "N", "", "N"] and out.invalid is None
    back = kl.consent_step()
    yn = TRANSFORMS[back.name](pd.Series(["Y", "n", "", "?"]), **back.params)
    assert yn.values.tolist() == ["subscribed", "unsubscribed", "", ""]
    assert kl.consent_for("Yes") == "subscribed" and kl.consent_for("") == ""


def test_an_opt_out_step_only_ever_lowers() -> None:
    states = pd.Series(["subscribed", "UNSUBSCRIBED", "suppressed", "never_subscribed", "", "x"])
    for value, opted_out in (("N", "N"), ("true", "true")):
        step = kl.opt_out_step(value)
        out = TRANSFORMS[step.name](states, **step.params)
        # an opt-out (or a state we do not know) lowers; the rest gives nothing to send
        assert out.values.tolist() == ["", opted_out, opted_out, "", "", opted_out]
        assert out.invalid is None


def test_lists_and_membership() -> None:
    answer: dict[str, Any] = {
        "data": [{
            "type": "list", "id": "Y6nRLr",
            "attributes": {"name": "Service reminders", "created": "2026-01-02T03:04:05+00:00",
                           "updated": "2026-01-03T03:04:05+00:00",
                           "opt_in_process": "single_opt_in"},
            "relationships": {}, "links": {"self": "https://a.klaviyo.com/api/lists/Y6nRLr/"},
        }],
        "links": {"self": "https://a.klaviyo.com/api/lists/"},  # next/prev: not nullable
    }  # fmt: skip
    assert problems(response_validator("lists", "get_lists", 200), answer) == []
    row = kl.flatten_list(answer["data"][0])
    assert list(row) == list(kl.LIST_FIELDS)
    assert row == {"list_id": "Y6nRLr", "name": "Service reminders",
                   "opt_in_process": "single_opt_in", "created": "2026-01-02T03:04:05Z",
                   "updated": "2026-01-03T03:04:05Z"}  # fmt: skip
    members = kl.members_body(["01A", "01B"])
    assert problems(request_validator("lists", "add_profiles_to_list"), members) == []
    assert problems(request_validator("lists", "remove_profiles_from_list"), members) == []
    assert problems(request_validator("lists", "create_list"), kl.list_body("VIP")) == []


def _job(status: str, **attrs: Any) -> Any:
    return {
        "data": {
            "type": "profile-bulk-import-job",
            "id": "01JOB",
            "attributes": {"status": status, "created_at": "2026-02-09T08:00:00+00:00",
                           "total_count": 4, **attrs},
            "links": {"self": "https://a.klaviyo.com/api/profile-bulk-import-jobs/01JOB/"},
        },
        "links": {"self": "https://a.klaviyo.com/api/profile-bulk-import-jobs/"},
    }  # fmt: skip


def test_job_states_and_import_errors() -> None:
    created = _job("queued")
    assert problems(response_validator("profiles", "bulk_import_profiles", 202), created) == []
    state = kl.job_state(created)
    assert (state.id, state.status, state.total, state.finished) == ("01JOB", "queued", 4, False)
    done = _job("complete", completed_count=2, failed_count=2,
                completed_at="2026-02-09T08:00:05+00:00")  # fmt: skip
    assert problems(response_validator("profiles", "get_bulk_import_profiles_job", 200), done) == []
    state = kl.job_state(done)
    assert state.finished and (state.completed, state.failed) == (2, 2)
    assert kl.job_state({"data": {"attributes": {"total_count": -3}}}).total == 0
    errors = {
        "data": [
            {"type": "import-error", "id": "e1", "attributes": {
                "code": "invalid", "title": "Invalid input.", "detail": "Invalid email address",
                "source": {"pointer": "/data/attributes/profiles/data/1/attributes/email"},
                "original_payload": {"email": "not-an-email", "external_id": "C2"}}},
            {"type": "import-error", "id": "e2", "attributes": {
                "code": "invalid", "title": "Invalid input.",
                "detail": "Invalid phone number format (Example of a valid phone number "
                          "format: +12345678901)",
                "source": {"pointer": "/data"}, "original_payload": {"phone_number": "12"}}},
        ],
        "links": {"self": "https://a.klaviyo.com/api/profile-bulk-import-jobs/01JOB/import-errors/"},
    }  # fmt: skip
    validator = response_validator("profiles", "get_errors_for_bulk_import_profiles_job", 200)
    assert problems(validator, errors) == []
    first, second = kl.import_problems(errors)
    assert first.index == 1 and first.payload["external_id"] == "C2"
    assert first.words() == "Invalid input: Invalid email address (email)"
    assert second.index is None and second.words().startswith("Invalid input: Invalid phone")


def test_a_deletion_request_names_one_identifier() -> None:
    validator = request_validator("data_privacy", "request_profile_deletion")
    for kwargs in ({"email": "a@b.test"}, {"phone_number": "+13135550101"}, {"profile_id": "01P"}):
        body = kl.deletion_body(**kwargs)
        assert problems(validator, body) == [], kwargs
    assert kl.deletion_body(profile_id="01P")["data"]["attributes"]["profile"]["data"] == {
        "type": "profile", "id": "01P", "attributes": {}}  # fmt: skip
    for bad in ({}, {"email": "a@b.test", "phone_number": "+13135550101"}):
        with pytest.raises(KlaviyoError, match="exactly one"):
            kl.deletion_body(**bad)


def test_filters_built_and_read() -> None:
    assert kl.changed_since("2026-01-01T00:00:00Z") == "greater-than(updated,2025-12-31T23:59:59Z)"
    assert kl.equals("email", 'o"neil@example.com') == 'equals(email,"o\\"neil@example.com")'
    both = ",".join([kl.any_of("email", ["a@b.test", "c@d.test"]), kl.changed_since("2026-02-09")])
    parsed = kl.parse_filter(both)
    assert parsed == [
        kl.Condition("any", "email", ["a@b.test", "c@d.test"]),
        kl.Condition("greater-than", "updated", "2026-02-08T23:59:59Z"),
    ]
    nested = kl.parse_filter(
        "and(equals(external_id,'C1'),less-than(updated,2026-01-01T00:00:00Z))"
    )
    assert [c.field for c in nested] == ["external_id", "updated"]
    assert kl.parse_filter('equals(email,"o\\"neil@example.com")')[0].value == 'o"neil@example.com'
    assert kl.parse_filter("equals(flag,true),equals(n,3)")[1].value == 3.0
    for bad in ("equals(email", "frobnicate(email,'x')", "equals(email,'x') extra", "equals(,1)"):
        with pytest.raises(KlaviyoError, match="filter:"):
            kl.parse_filter(bad)
    with pytest.raises(KlaviyoError, match="not a date-time"):
        kl.changed_since("yesterday")


def test_error_bodies_in_words() -> None:
    body = kl.error_body(400, "invalid", "Invalid input.", "'email' is not a valid email.",
                         pointer="/data/attributes/email")  # fmt: skip
    assert problems(response_validator("profiles", "create_or_update_profile", "4XX"), body) == []
    assert kl.error_message(body) == (
        "Invalid input: 'email' is not a valid email. (at /data/attributes/email)"
    )
    dup = kl.error_body(409, "duplicate_profile", "Conflict.", "A profile already exists.",
                        meta={"duplicate_profile_id": "01X"})  # fmt: skip
    assert kl.error_code(dup) == "duplicate_profile"
    two = copy.deepcopy(body)
    throttled = "Request was throttled. Expected available in 1 second."
    two["errors"].append(
        {"id": "2", "code": "throttled", "title": "Request was throttled.", "detail": throttled}
    )
    assert kl.error_message(two).endswith(
        "; Request was throttled. Expected available in 1 second."
    )
    assert kl.error_message({"message": "not JSON:API"}) == "" and kl.error_code({}) == ""

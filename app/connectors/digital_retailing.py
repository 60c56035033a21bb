"""A digital-retailing tool (the website's "build your deal" tool): the shopper's deal
arrives as a *deal jacket* -- a STAR vehicle invoice and, when they applied for credit, a
STAR credit authorization (``app.formats.star.jacket``).

In: by webhook (``POST`` to this workstation, signed with HMAC-SHA256 over the body) and,
when the tool offers a jacket feed, by polling it. Both go through one door
(``digital_retailing_receiver.Intake``): signature and replay window, sensitive data taken
out, only a newer version of a deal kept. The listener runs while the app or the headless
service runs (``app.scheduling.retailing_listener``) and starts this connection's flows as
soon as a new version is kept.

Out: the DMS's status of each deal, back to the tool as a STAR merge patch of its vehicle
invoice (the ``deal_status`` stream), through the REST base (sign-in, retries, STAR
headers).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from app.connectors.base import ConfigField, FieldType
from app.connectors.digital_retailing_receiver import Intake, OnStored, WebhookServer
from app.connectors.digital_retailing_streams import build_streams
from app.connectors.errors import ConnectorError
from app.connectors.rest.connector import RestConnector
from app.connectors.rest.settings import rest_fields
from app.connectors.rest_helpers import json_object
from app.connectors.streams import Stream
from app.formats.star import domains
from app.formats.star.errors import error_message
from app.formats.star.headers import star_headers

STREAMS = ("shoppers", "deals", "credit_applications", "deal_status")
# the order a burst of new jackets is taken in: a deal needs its customer in the DMS first
INBOUND_ORDER = ("shoppers", "deals", "credit_applications")


class DigitalRetailingConnector(RestConnector):
    kind = "digital_retailing"
    label = "Digital retailing tool (deal jackets)"
    protocol = "STAR by signed webhook"
    description = (
        "Deals built online -- customer, vehicle, cash/finance/lease structure, trade-in "
        "and credit application status -- as STAR vehicle invoices and credit "
        "authorizations, received by signed webhook (and polled); the DMS's deal status "
        "goes back to the tool."
    )
    system = "digital-retailing tool"
    default_auth = "api_key"
    api_paths: ClassVar[dict[str, str]] = {"deal_status": domains.BASE_PATH}
    fields: ClassVar[tuple[ConfigField, ...]] = (
        *rest_fields(
            system="digital-retailing tool",
            streams=("deal_status",),
            base_example="https://api.retailing.example.com",
            auth_modes=("api_key", "bearer", "oauth2"),
            default_auth="api_key",
            api_key_header="X-API-Key",
            page_size=(100, 100),
            rate_limit_per_s=10,
        ),
        ConfigField(
            "listen",
            "Receive webhooks",
            FieldType.BOOLEAN,
            default=True,
            help="Listen on this computer for the deal jackets the tool POSTs (while the "
            "app or the Rooftop Sync service runs).",
        ),
        ConfigField(
            "listen_host",
            "Listen on address",
            default="127.0.0.1",
            address=False,
            help="127.0.0.1 takes only this computer's own calls; 0.0.0.0 every network "
            "(put it behind the dealership's HTTPS proxy).",
        ),
        ConfigField(
            "listen_port",
            "Listen on port",
            FieldType.INTEGER,
            default=8770,
            minimum=0,
            maximum=65535,
            address=False,
            help="The port the tool's webhook is sent to (0: any free port, for tests).",
        ),
        ConfigField(
            "webhook_path",
            "Webhook path",
            default="/retailing/deals",
            help="The path the tool POSTs deal jackets to.",
        ),
        ConfigField(
            "webhook_secret",
            "Webhook signing secret",
            secret=True,
            help="The shared secret the tool signs each body with (HMAC-SHA256). Kept in "
            "the keyring.",
        ),
        ConfigField(
            "signature_header",
            "Signature header",
            default="X-Signature-SHA256",
            advanced=True,
            help="The header carrying the hex HMAC-SHA256 of the body (a 'sha256=' "
            "prefix is allowed).",
        ),
        ConfigField(
            "replay_window_s",
            "Replay window (seconds)",
            FieldType.INTEGER,
            default=900,
            minimum=0,
            maximum=86_400,
            advanced=True,
            help="A jacket whose sent_at is further than this from now is refused (a "
            "captured delivery played back). 0 = no check.",
        ),
        ConfigField(
            "poll_interval_s",
            "Poll the tool every (seconds)",
            FieldType.INTEGER,
            default=0,
            minimum=0,
            maximum=3600,
            advanced=True,
            help="Also ask the tool's jacket feed for deals now and then (a safety net "
            "for webhooks that never arrived). 0 = do not poll.",
        ),
        ConfigField(
            "poll_path",
            "Jacket feed path",
            default="/deal-jackets",
            advanced=True,
            help="The tool's list of deal jackets (GET, ?after=<position>&limit=).",
        ),
    )

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        listen = cls.field("listen").coerce(settings.get("listen"))
        if listen and not str(secrets.get("webhook_secret") or "").strip():
            problems["webhook_secret"] = (
                "A signing secret is required to receive webhooks (unsigned jackets are refused)."
            )
        for name in ("webhook_path", "poll_path"):
            value = str(settings.get(name) or cls.field(name).default)
            if not value.startswith("/") or any(c in value for c in " ?#"):
                problems[name] = f"{cls.field(name).label} must be a path such as /deals."
        return problems

    # -- the tool's API -----------------------------------------------------------
    def call_headers(self) -> dict[str, str]:
        """The STAR headers the tool's vehicle-invoice API requires, fresh ids each call."""
        return star_headers(
            transaction_id=str(uuid.uuid4()),
            correlation_id=str(uuid.uuid4()),
            source_system="ROOFTOP_SYNC",
            standards_version="2026.01",
            org_version="2026.01",
            country_code="1",
            locale="en-US",
        )

    def describe_error(self, response: Any) -> str:
        try:
            body = response.json()
        except ValueError:
            body = None
        message = error_message(body) if body is not None else ""
        status = f"HTTP {response.status_code}"
        return f"{message} ({status})" if message else status

    def probe(self) -> tuple[str, str, dict[str, Any]]:
        return "deal_status", "/vehicle-invoices", {"limit": 1}

    def probe_answer(self, response: Any) -> str:
        super().probe_answer(response)
        where = (
            f"; webhooks expected on port {self.setting('listen_port')}"
            if self.setting("listen")
            else ""
        )
        return f"Connected to the digital-retailing tool{where}"

    def build_streams(self) -> dict[str, Stream]:
        return build_streams(self.hooks.store, self.hooks.uid, self.api("deal_status"))

    # -- receiving ----------------------------------------------------------------
    @property
    def listens(self) -> bool:
        return bool(self.setting("listen"))

    def intake(self, on_stored: OnStored | None = None) -> Intake:
        if self.hooks.store is None or not self.hooks.uid:
            raise ConnectorError("Only a saved digital-retailing connection can receive deals.")
        return Intake(
            self.hooks.store,
            self.hooks.uid,
            replay_window_s=float(self.setting("replay_window_s")),
            on_stored=on_stored,
        )

    def webhook_server(self, intake: Intake) -> WebhookServer:
        return WebhookServer(
            intake,
            self.secrets.get("webhook_secret", ""),
            host=str(self.setting("listen_host") or "127.0.0.1"),
            port=int(self.setting("listen_port")),
            path=str(self.setting("webhook_path") or "/retailing/deals"),
            signature_header=str(self.setting("signature_header") or "X-Signature-SHA256"),
        )

    def poll(self, intake: Intake, after: str = "") -> str:
        """Read the tool's jacket feed after ``after`` into the inbox (by the same door as
        webhooks, less the replay window: we asked); returns the position to go on from."""
        path = str(self.setting("poll_path") or "/deal-jackets")
        client = self.client
        position = after
        for _page in range(100):
            query: dict[str, Any] = {"limit": 100}
            if position:
                query["after"] = position
            response = client.request("GET", f"{self.base_url}{path}", params=query)
            if response.status_code >= 400:
                raise ConnectorError(
                    f"The digital-retailing tool's jacket feed answered "
                    f"{self.describe_error(response)}."
                )
            body = json_object(response)
            items = body.get("data")
            if not isinstance(items, list):
                raise ConnectorError("The jacket feed's answer has no 'data' list.")
            for item in items:
                intake.take(item, check_window=False)
            position = str(body.get("next_after") or position)
            if not body.get("has_more") or not items:
                break
        return position

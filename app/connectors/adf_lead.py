"""Leads out as ADF 1.0 XML: POSTed to a lead intake URL or e-mailed to a CRM's lead inbox.

One writable stream, ``leads``: each record is rendered with ``app.formats.adf`` and
delivered on its own (``adf_delivery``). A record ADF cannot carry (no name, no email or
phone) or that the receiver refuses (HTTP 4xx, SMTP 5xx) is REJECTED with the reason; a
receiver that stays unreachable raises ``DeliveryError``. The record key goes into
``<id source=...>`` so the receiver can spot a resend. An HTTP answer with a JSON
``leads[0].lead_id`` fills ``dest_id``; e-mail gives the Message-ID.
"""

from __future__ import annotations

import smtplib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import httpx

from app.connectors.adf_delivery import HttpSender, Sender, SmtpSender
from app.connectors.base import CheckResult, ConfigField, Connector, FieldType
from app.connectors.errors import AuthError, ConnectorError, DeliveryError
from app.connectors.rest_helpers import error_text, fields
from app.connectors.streams import (
    Stream,
    StreamSource,
    StreamSpec,
    WriteAction,
    WriteRecord,
    WriteResult,
)
from app.formats.adf import AdfLead, AdfVehicle, render_adf
from app.formats.errors import AdfError

MODES = ("http_post", "smtp")


def _only(mode: str) -> tuple[str, tuple[str, ...]]:
    return ("delivery", (mode,))


CUSTOMER_FIELDS = (
    "first_name", "middle_name", "last_name", "company_name", "email", "phone", "mobile",
    "work_phone", "street", "apartment", "city", "state", "postal_code", "country", "comments",
)  # fmt: skip
VEHICLE_PARTS = ("year", "make", "model", "vin", "stock", "trim", "odometer", "price")
VEHICLE_FIELDS = (
    "vehicle_interest", "vehicle_status", *(f"vehicle_{p}" for p in VEHICLE_PARTS),
    "vehicle_comments",
)  # fmt: skip
TRADE_FIELDS = tuple(f"trade_in_{p}" for p in ("year", "make", "model", "vin", "odometer"))

LEADS = StreamSpec(
    name="leads",
    entity="lead",
    fields=fields(
        (
            "lead_id",
            "request_date",
            *CUSTOMER_FIELDS,
            *VEHICLE_FIELDS,
            *TRADE_FIELDS,
            "provider_name",
        ),
        notes={
            "lead_id": "The receiver's lead id when it reports one.",
            "request_date": "When the customer asked (ISO 8601); now if empty.",
            "vehicle_interest": "buy, lease, sell, trade-in or test-drive (default buy).",
            "vehicle_status": "new or used (default new).",
            "provider_name": "Where the lead came from; defaults to the connection's setting.",
        },
    ),
    primary_key="lead_id",
    readable=False,
    writable=True,
    max_batch=25,
    description="Send each record as an ADF 1.0 lead (XML) by HTTP POST or e-mail.",
)


def lead_from_payload(record: WriteRecord, defaults: Mapping[str, str], id_source: str) -> AdfLead:
    """The ADF lead for one record; unknown payload fields raise ``AdfError``."""
    payload = {k: "" if v is None else str(v).strip() for k, v in record.payload.items()}
    unknown = sorted(set(payload) - set(LEADS.field_names()))
    if unknown:
        raise AdfError(f"Not a field of ADF leads: {', '.join(unknown)}. Fix the mapping.")
    get = payload.get
    vehicle = AdfVehicle(
        interest=get("vehicle_interest") or "buy",
        status=get("vehicle_status") or "new",
        comments=get("vehicle_comments", ""),
        **{p: get(f"vehicle_{p}", "") for p in VEHICLE_PARTS},
    )
    vehicles = [vehicle]
    if any(get(f) for f in TRADE_FIELDS):
        trade = {p: get(f"trade_in_{p}", "") for p in ("year", "make", "model", "vin", "odometer")}
        vehicles.append(AdfVehicle(interest="trade-in", status="used", **trade))
    return AdfLead(
        request_date=get("request_date", ""),
        ids=[(id_source, record.key)] if record.key else [],
        first_name=get("first_name", ""),
        middle_name=get("middle_name", ""),
        last_name=get("last_name", ""),
        company_name=get("company_name", ""),
        email=get("email", ""),
        phone=get("phone", ""),
        mobile=get("mobile", ""),
        work_phone=get("work_phone", ""),
        street=get("street", ""),
        apartment=get("apartment", ""),
        city=get("city", ""),
        region=get("state", "").upper(),
        postal_code=get("postal_code", ""),
        country=get("country", ""),
        comments=get("comments", ""),
        vehicles=vehicles,
        vendor_name=defaults.get("vendor_name", ""),
        vendor_email=defaults.get("vendor_email", ""),
        provider_name=get("provider_name") or defaults.get("provider_name", ""),
    )


class AdfLeadStream(Stream):
    spec = LEADS

    def __init__(self, connector: AdfLeadConnector) -> None:
        self.connector = connector

    def write(self, batch: Sequence[WriteRecord]) -> list[WriteResult]:
        defaults = self.connector.lead_defaults()
        sender = self.connector.sender()
        try:
            return [self._one(sender, record, defaults) for record in batch]
        finally:
            sender.close()

    def _one(self, sender: Sender, record: WriteRecord, defaults: Mapping[str, str]) -> WriteResult:
        try:
            lead = lead_from_payload(record, defaults, defaults["id_source"])
            document = render_adf(lead)
        except AdfError as exc:
            return WriteResult(WriteAction.REJECTED, error=exc.message)
        who = " ".join(p for p in (lead.first_name, lead.last_name) if p) or lead.company_name
        return sender.send(document, f"ADF lead: {who}")


class AdfLeadConnector(Connector, StreamSource):
    kind = "adf_lead"
    label = "Leads by ADF (XML)"
    protocol = "ADF by e-mail"
    description = (
        "Send leads in the industry-standard ADF 1.0 XML format, by HTTP POST to a lead "
        "intake address or by e-mail to a CRM's lead inbox."
    )
    fields: ClassVar[tuple[ConfigField, ...]] = (
        ConfigField(
            "delivery",
            "Delivery",
            FieldType.CHOICE,
            required=True,
            default="http_post",
            choices=MODES,
            choice_labels=("Send to a web address (HTTPS POST)", "E-mail (SMTP)"),
            help="Post the XML to the CRM's lead intake address, or e-mail it (the body is "
            "the XML).",
        ),
        ConfigField("url", "Lead intake URL", FieldType.URL, visible_if=_only("http_post")),
        ConfigField(
            "api_key_header",
            "API key header",
            default="X-API-Key",
            visible_if=_only("http_post"),
        ),
        ConfigField(
            "api_key",
            "API key",
            secret=True,
            visible_if=_only("http_post"),
            help="If the intake needs one. Stored in the system keyring.",
        ),
        ConfigField(
            "smtp_host", "SMTP server", visible_if=_only("smtp"), help="e.g. smtp.office365.com"
        ),
        ConfigField(
            "smtp_port",
            "SMTP port",
            FieldType.INTEGER,
            default=587,
            minimum=1,
            maximum=65535,
            visible_if=_only("smtp"),
            help="587 with STARTTLS is usual; 465 means TLS from the start.",
        ),
        ConfigField(
            "starttls",
            "Use STARTTLS",
            FieldType.BOOLEAN,
            default=True,
            visible_if=_only("smtp"),
            help="Encrypt the connection; turn off only for a server on this network.",
        ),
        ConfigField(
            "smtp_username",
            "SMTP user",
            visible_if=_only("smtp"),
            help="Leave empty if the server needs none.",
        ),
        ConfigField(
            "smtp_password",
            "SMTP password",
            secret=True,
            visible_if=_only("smtp"),
            help="Stored in the system keyring.",
        ),
        ConfigField(
            "mail_from", "From address", visible_if=_only("smtp"), help="e.g. leads@yourdealer.com"
        ),
        ConfigField(
            "mail_to",
            "To address",
            visible_if=_only("smtp"),
            help="The CRM's lead inbox address.",
        ),
        ConfigField(
            "vendor_name",
            "Dealership name",
            required=True,
            help="Goes into <vendorname>: the store the lead is for.",
        ),
        ConfigField("vendor_email", "Dealership e-mail", help="The store's contact address."),
        ConfigField(
            "provider_name",
            "Lead provider name",
            default="Rooftop Sync",
            help="Goes into <provider>: where the lead comes from.",
        ),
        ConfigField(
            "id_source",
            "Lead id source",
            default="RooftopSync",
            help="The source attribute of <id>, so the receiver can spot a resent lead.",
        ),
        ConfigField(
            "timeout_s", "Timeout (seconds)", FieldType.INTEGER, default=30, minimum=1, maximum=300
        ),
    )
    MODE_FIELDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "http_post": ("url",),
        "smtp": ("smtp_host", "mail_from", "mail_to"),
    }

    @classmethod
    def validate(cls, settings: dict[str, Any], secrets: dict[str, str]) -> dict[str, str]:
        problems = super().validate(settings, secrets)
        mode = settings.get("delivery") or "http_post"
        for name in cls.MODE_FIELDS.get(str(mode), ()):
            if not str(settings.get(name) or "").strip():
                problems[name] = f"{cls.field(name).label} is required for {mode} delivery."
        return problems

    def _setting(self, name: str) -> Any:
        return self.field(name).coerce(self.settings.get(name))

    @property
    def mode(self) -> str:
        return str(self._setting("delivery"))

    def lead_defaults(self) -> dict[str, str]:
        names = ("vendor_name", "vendor_email", "provider_name", "id_source")
        return {n: str(self._setting(n) or "") for n in names}

    def sender(self) -> Sender:
        timeout = float(self._setting("timeout_s"))
        if self.mode == "smtp":
            return SmtpSender(
                str(self._setting("smtp_host") or ""),
                int(self._setting("smtp_port")),
                mail_from=str(self._setting("mail_from") or ""),
                mail_to=str(self._setting("mail_to") or ""),
                starttls=bool(self._setting("starttls")),
                username=str(self._setting("smtp_username") or ""),
                password=self.secrets.get("smtp_password", ""),
                timeout_s=timeout,
            )
        return HttpSender(
            str(self._setting("url") or ""),
            api_key=self.secrets.get("api_key", ""),
            api_key_header=str(self._setting("api_key_header") or "X-API-Key"),
            timeout_s=timeout,
        )

    def check(self) -> CheckResult:
        try:
            message = self._probe_smtp() if self.mode == "smtp" else self._probe_http()
        except (ConnectorError, httpx.HTTPError, smtplib.SMTPException, OSError) as exc:
            return CheckResult(False, str(exc) or type(exc).__name__)
        return CheckResult(True, message)

    def _probe_http(self) -> str:
        """POST an ADF document with no prospect: it proves reach and credentials, and no
        receiver turns it into a lead."""
        sender = self.sender()
        assert isinstance(sender, HttpSender)
        sender.client.retry.max_attempts = 2
        try:
            response = sender.post('<?xml version="1.0"?>\n<?ADF VERSION="1.0"?>\n<adf></adf>')
        except DeliveryError as exc:
            raise ConnectorError(f"Could not reach the lead intake: {exc}") from None
        finally:
            sender.close()
        code = response.status_code
        if code in (401, 403):
            raise AuthError(f"The lead intake refused our credentials: {error_text(response)}.")
        if code in (404, 405) or code >= 500:
            raise ConnectorError(f"No working lead intake at this URL: {error_text(response)}.")
        return (
            f"Reached the lead intake; it accepted our credentials (HTTP {code} to an empty "
            "test document, so no lead was created)."
        )

    def _probe_smtp(self) -> str:
        sender = self.sender()
        assert isinstance(sender, SmtpSender)
        with sender:
            smtp = sender.connect()
            try:
                smtp.noop()
            finally:
                smtp.quit()
        tls = "STARTTLS" if sender.starttls else "no encryption"
        user = f", signed in as {sender.username}" if sender.username else ""
        return f"Connected to the mail server {sender.host}:{sender.port} ({tls}{user})."

    def streams(self) -> dict[str, Stream]:
        return {"leads": AdfLeadStream(self)}

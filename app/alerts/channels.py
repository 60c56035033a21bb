"""Where alerts go: the tray (a callback the window gives), e-mail over SMTP, and Teams /
Slack incoming webhooks (HTTP POST of JSON). Each raises ``AlertDeliveryError`` on failure
so the monitor can try that channel again later."""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

import httpx

from app import APP_NAME
from app.alerts.config import AlertSettings, secret
from app.alerts.errors import AlertDeliveryError

# (title, message, kind "problem" | "resolved") — called from a worker thread
TrayCallback = Callable[[str, str, str], None]
TIMEOUT_S = 15.0


@dataclass(frozen=True)
class Message:
    kind: str  # problem | resolved
    title: str
    body: str

    @property
    def subject(self) -> str:
        word = {"problem": "Problem", "resolved": "Resolved"}.get(self.kind, "Test")
        return f"[{APP_NAME}] {word}: {self.title}"

    def text(self) -> str:
        return (
            f"{self.body}\n\n— {APP_NAME} on {socket.gethostname()}. You get one message when "
            "a problem starts and one when it is resolved."
        )


def send_email(cfg: AlertSettings, msg: Message) -> None:
    mail = EmailMessage()
    mail["Subject"] = msg.subject
    mail["From"] = cfg.email_from
    mail["To"] = ", ".join(cfg.email_to)
    mail.set_content(msg.text())
    password = secret("smtp_password") if cfg.smtp_user else None
    try:
        smtp: smtplib.SMTP
        if cfg.smtp_security == "ssl":
            smtp = smtplib.SMTP_SSL(
                cfg.smtp_host, cfg.smtp_port, timeout=TIMEOUT_S,
                context=ssl.create_default_context(),
            )  # fmt: skip
        else:
            smtp = smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=TIMEOUT_S)
        with smtp:
            if cfg.smtp_security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if cfg.smtp_user:
                smtp.login(cfg.smtp_user, password or "")
            smtp.send_message(mail)
    except (OSError, smtplib.SMTPException) as exc:
        raise AlertDeliveryError(
            f"The alert e-mail could not be sent through {cfg.smtp_host}:{cfg.smtp_port}: {exc}"
        ) from exc


def teams_payload(msg: Message) -> dict[str, Any]:
    """An Adaptive Card message, the shape a Teams Workflows "post to a channel when a
    webhook request is received" flow expects."""
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        {
                            "type": "TextBlock",
                            "size": "Medium",
                            "weight": "Bolder",
                            "wrap": True,
                            "color": "Attention" if msg.kind == "problem" else "Good",
                            "text": msg.subject,
                        },
                        {"type": "TextBlock", "wrap": True, "text": msg.text()},
                    ],
                },
            }
        ],
    }


def slack_payload(msg: Message) -> dict[str, Any]:
    icon = ":red_circle:" if msg.kind == "problem" else ":large_green_circle:"
    return {"text": f"{icon} *{msg.subject}*\n{msg.text()}"}


def post_webhook(name: str, url: str, payload: dict[str, Any]) -> None:
    try:
        with httpx.Client(timeout=TIMEOUT_S, trust_env=False) as client:
            response = client.post(url, json=payload)
    except httpx.HTTPError as exc:
        raise AlertDeliveryError(f"The {name} webhook could not be reached: {exc}") from exc
    if response.status_code >= 300:
        raise AlertDeliveryError(
            f"The {name} webhook answered {response.status_code}: {response.text[:200]}"
        )


def send(channel: str, cfg: AlertSettings, msg: Message, tray: TrayCallback | None) -> None:
    """Deliver ``msg`` on one channel (tray | email | teams | slack)."""
    if channel == "tray":
        if tray is not None:
            tray(msg.title, msg.body, msg.kind)
    elif channel == "email":
        send_email(cfg, msg)
    elif channel in ("teams", "slack"):
        url = secret(f"{channel}_url")
        if not url:
            raise AlertDeliveryError(f"No {channel.capitalize()} webhook address is saved.")
        payload = teams_payload(msg) if channel == "teams" else slack_payload(msg)
        post_webhook(channel.capitalize(), url, payload)
    else:
        raise AlertDeliveryError(f"Unknown alert channel '{channel}'.")


def enabled_channels(cfg: AlertSettings, tray: TrayCallback | None) -> list[str]:
    out = []
    if cfg.tray and tray is not None:
        out.append("tray")
    for name in ("email", "teams", "slack"):
        if getattr(cfg, name):
            out.append(name)
    return out

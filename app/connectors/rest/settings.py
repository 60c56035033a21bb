"""The settings every REST connector kind shares, declared once: where the API is, how
to sign in, and how hard to push it. A kind picks its auth modes and defaults."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.connectors.base import ConfigField, FieldType

AUTH_MODES = ("oauth2", "bearer", "api_key")
# what the editor shows for each method: plain words, not the stored value
AUTH_WORDS = {
    "oauth2": "Client ID and secret (OAuth 2)",
    "bearer": "Access token from the vendor",
    "api_key": "API key",
}
CREDENTIAL_EXPIRES = ConfigField(
    "credential_expires_on",
    "Credentials expire on",
    help="The date (YYYY-MM-DD) the vendor said this key, token or client secret stops "
    "working, if it did: the credential_expiry alert warns before then. Dates an OAuth "
    "server gives (a refresh token's or client secret's end) are noted by themselves.",
    placeholder="YYYY-MM-DD",
    advanced=True,
    address=False,
)
AUTH_SECRETS = {"oauth2": ("client_secret",), "bearer": ("token",), "api_key": ("api_key",)}


def rest_fields(
    *,
    system: str,
    streams: Sequence[str],
    base_example: str,
    auth_modes: Sequence[str] = AUTH_MODES,
    default_auth: str = "oauth2",
    api_key_header: str = "X-API-Key",
    api_key_scheme: str | None = None,
    page_size: tuple[int, int] = (100, 1000),
    rate_limit_per_s: int = 10,
    max_attempts: int = 6,
    timeout_s: int = 30,
) -> tuple[ConfigField, ...]:
    """The shared fields of a REST kind (``system`` names it in help texts).
    ``api_key_scheme``: the word before the key in its header (e.g. "Klaviyo-API-Key" in
    ``Authorization: Klaviyo-API-Key <key>``); None: the kind has no such setting."""
    modes = tuple(m for m in AUTH_MODES if m in auth_modes)
    fields: list[ConfigField] = [
        ConfigField(
            "base_url",
            "API base URL",
            FieldType.URL,
            required=True,
            help=f"The {system}'s API gateway: https:// and the host, plus a prefix if the "
            f"vendor gives one, e.g. {base_example}. Each API's own path is added to it.",
            placeholder="https://",
        ),
        ConfigField(
            "api_base_urls",
            "API addresses per stream",
            FieldType.MAPPING,
            choices=tuple(streams),
            default={},
            help="Only for an API that lives somewhere else: its full address (the path "
            "of each call is added to it). Leave empty to use the base URL.",
        ),
    ]
    if len(modes) > 1:
        fields.append(
            ConfigField(
                "auth_mode",
                "Sign-in method",
                FieldType.CHOICE,
                default=default_auth,
                choices=modes,
                choice_labels=tuple(AUTH_WORDS[m] for m in modes),
                help="How Rooftop Sync signs in to the API: the vendor gives you either a "
                "client ID and secret, a ready-made access token, or an API key.",
            )
        )
    if "oauth2" in modes:
        fields += [
            ConfigField(
                "token_url",
                "Token URL",
                FieldType.URL,
                visible_if=_only("oauth2", modes),
                help="Where tokens are issued. Leave empty for the API's own token address.",
            ),
            ConfigField(
                "client_id",
                "Client ID",
                visible_if=_only("oauth2", modes),
                help="The API client (app) ID the vendor issued for Rooftop Sync.",
            ),
            ConfigField(
                "client_secret",
                "Client secret",
                secret=True,
                visible_if=_only("oauth2", modes),
                help="Stored in the Windows Credential Manager / system keyring, never on disk.",
            ),
        ]
    if "bearer" in modes:
        fields.append(
            ConfigField(
                "token",
                "Access token",
                secret=True,
                visible_if=_only("bearer", modes),
                help="The token the vendor issued. Kept in the keyring, never on disk.",
            )
        )
    if "api_key" in modes:
        fields += [
            ConfigField(
                "api_key",
                "API key",
                secret=True,
                visible_if=_only("api_key", modes),
                help="Kept in the Windows Credential Manager / system keyring, never on disk.",
            ),
            ConfigField(
                "api_key_header",
                "API key header",
                default=api_key_header,
                visible_if=_only("api_key", modes),
                help="The header the key is sent in.",
            ),
        ]
        if api_key_scheme is not None:
            fields.append(
                ConfigField(
                    "api_key_scheme",
                    "API key scheme",
                    default=api_key_scheme,
                    advanced=True,
                    visible_if=_only("api_key", modes),
                    help="The word sent before the key in its header: "
                    f"'{api_key_scheme or 'Token'}' gives '{api_key_scheme or 'Token'} <key>'.",
                )
            )
    fields += [
        ConfigField(
            "same_records_as",
            "Same records as",
            advanced=True,
            help="When another connection reaches the same system through another API "
            "(e.g. the DMS's STAR API and its CDK API), its name: records and customer "
            "numbers are then recognised across both.",
        ),
        ConfigField(
            "page_size",
            "Page size",
            FieldType.INTEGER,
            advanced=True,
            default=page_size[0],
            minimum=1,
            maximum=page_size[1],
            help=f"Records per read request (the API allows at most {page_size[1]}).",
        ),
        ConfigField(
            "timeout_s",
            "Timeout (seconds)",
            FieldType.INTEGER,
            advanced=True,
            default=timeout_s,
            minimum=1,
            maximum=300,
            help="How long to wait for one answer before retrying.",
        ),
        ConfigField(
            "rate_limit_per_s",
            "Max requests per second",
            FieldType.INTEGER,
            advanced=True,
            default=rate_limit_per_s,
            minimum=0,
            maximum=1000,
            help="Client-side limit to stay under the provider's quota; 0 = no limit.",
        ),
        ConfigField(
            "max_attempts",
            "Attempts per request",
            FieldType.INTEGER,
            advanced=True,
            default=max_attempts,
            minimum=1,
            maximum=20,
            help="Network errors, throttling (429) and server errors are retried with "
            "growing pauses up to this many attempts.",
        ),
    ]
    fields.append(CREDENTIAL_EXPIRES)
    return tuple(fields)


def _only(mode: str, modes: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """Show a sign-in field only for its method (when the kind offers several)."""
    return ("auth_mode", (mode,)) if len(modes) > 1 else None


def auth_problems(
    fields: Sequence[ConfigField],
    settings: Mapping[str, Any],
    secrets: Mapping[str, str],
    default_auth: str,
) -> dict[str, str]:
    """What the chosen sign-in method still needs (field name -> problem)."""
    names = {f.name: f for f in fields}
    mode = str(settings.get("auth_mode") or default_auth)
    needed: list[str] = list(AUTH_SECRETS.get(mode, ()))
    if mode == "oauth2":
        needed.append("client_id")
    problems: dict[str, str] = {}
    for name in needed:
        value = settings.get(name) if not names[name].secret else secrets.get(name)
        if name == "client_id" and not value:
            value = secrets.get(name)  # kept as a secret by earlier versions
        if not str(value or "").strip():
            words = AUTH_WORDS.get(mode, mode)
            problems[name] = f"{names[name].label} is required to sign in with: {words}."
    return problems

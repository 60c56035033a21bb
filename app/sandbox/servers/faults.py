"""Fault specs and the seeded fault injector.

Spec syntax: comma-separated ``key=value`` items; an item prefixed ``dms:``, ``crm:``,
``website:`` or ``marketing:`` applies to that server only and wins over the global one::

    error_rate=0.1,rate_limit_rate=0.05,timeout_rate=0.01,drop_rate=0.01,latency_ms=5,
    crm:error_rate=0.2,token_ttl_s=1,seed=7

Keys (all numbers):

- ``error_rate``, ``rate_limit_rate``, ``timeout_rate``, ``drop_rate``: chance per request
  of a 500/502/503, a 429, a held request, a dropped connection.
- ``lost_rate``: chance that the server does what was asked and then drops the connection
  before answering (the client cannot tell whether it happened).
- ``silent_drop_rate``: chance per record written in a batch upsert (CRM contacts) that
  the server answers success (created / updated, with an id) but stores nothing — the
  destination that silently loses records, which only reconciliation finds. Drawn from a
  generator of its own, so it never shifts the per-request faults.
- ``reject_rate``: share of the records in each batch write (and of merges) the CRM
  refuses with a per-record validation error. Decided per record (by its key), not per
  request: the same record is refused every time it is sent while the rate stands, so a
  replay fails again until the rate is lowered. Elead customers (written one per request,
  without an external id) are picked by e-mail, else phone, else name.
- ``latency_ms``: added to every faultable request.
- ``burst``: extra 429s that follow an injected 429 (default 3).
- ``retry_after_s``: the Retry-After of injected 429/503 (default 1).
- ``timeout_s``: how long a "timeout" holds the request before answering (default 30).
  A held request is carried out, whether or not the client still waits for the answer:
  a slow backend finishes what it was sent.
- ``rps``, ``bucket``: the real per-key token bucket (requests/s refill, capacity);
  ``rps=0`` switches it off. The CRM defaults to 100/200, marketing to 20/40, the others
  to off.
- ``token_ttl_s``: OAuth token lifetime (for tokens issued afterwards); ``seed``: the
  fault RNG seed (default: the ``SandboxServers`` seed).
- ``webhook_attempts``, ``webhook_backoff_s``: webhook redelivery (default 5, 2 s doubling).

Decisions come from ``random.Random`` seeded by (seed, server name), drawing the same
number of values per request, so one request sequence always meets the same faults
(with concurrent clients the order of arrival decides). Setting faults re-seeds.
``/_sandbox/*`` and OAuth token endpoints are never faulted (see ``middleware``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from app.sandbox.servers.errors import SandboxError

SERVER_NAMES = ("dms", "crm", "website", "marketing")
FaultKind = Literal["none", "error", "rate_limit", "timeout", "drop", "lost"]
ERROR_STATUSES = (500, 502, 503)


@dataclass(frozen=True)
class FaultSettings:
    """The effective behaviour knobs of one server."""

    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    timeout_rate: float = 0.0
    drop_rate: float = 0.0
    lost_rate: float = 0.0
    silent_drop_rate: float = 0.0
    reject_rate: float = 0.0
    latency_ms: float = 0.0
    burst: int = 3
    retry_after_s: int = 1
    timeout_s: float = 30.0
    rps: float = 0.0
    bucket: float = 0.0
    token_ttl_s: float = 3600.0
    seed: int = 42
    webhook_attempts: int = 5
    webhook_backoff_s: float = 2.0

    def __post_init__(self) -> None:
        rates = (
            self.error_rate,
            self.rate_limit_rate,
            self.timeout_rate,
            self.drop_rate,
            self.lost_rate,
        )
        total = sum(rates)
        if not 0.0 <= self.reject_rate <= 1.0:
            raise SandboxError("reject_rate must be between 0 and 1.")
        if any(r < 0 for r in rates) or total > 1.0:
            raise SandboxError(
                "Fault rates must be between 0 and 1 and add up to at most 1.",
                hint=f"Got a total of {total:g}.",
            )
        if not 0.0 <= self.silent_drop_rate <= 1.0:
            raise SandboxError("silent_drop_rate must be between 0 and 1.")

    def replace(self, **changes: Any) -> FaultSettings:
        return dataclasses.replace(self, **changes)


_FIELDS = {f.name: f.type for f in dataclasses.fields(FaultSettings)}
_INT_KEYS = {"burst", "retry_after_s", "seed", "webhook_attempts"}


def _coerce(key: str, raw: object) -> float | int:
    if key not in _FIELDS:
        known = ", ".join(sorted(_FIELDS))
        raise SandboxError(f"Unknown fault setting '{key}'.", hint=f"Known settings: {known}.")
    try:
        number = float(str(raw).strip())
    except ValueError:
        raise SandboxError(f"Fault setting '{key}' needs a number, got '{raw}'.") from None
    if number < 0:
        raise SandboxError(f"Fault setting '{key}' cannot be negative.")
    return int(number) if key in _INT_KEYS else number


@dataclass(frozen=True)
class FaultSpec:
    """A parsed spec: global overrides plus per-server overrides."""

    common: dict[str, float | int] = dataclasses.field(default_factory=dict)
    per_server: dict[str, dict[str, float | int]] = dataclasses.field(default_factory=dict)

    @classmethod
    def parse(cls, spec: str) -> FaultSpec:
        """Parse the comma-separated spec string, or a JSON object of the same keys.

        JSON may nest per-server objects: ``{"error_rate": 0.1, "crm": {"rps": 5}}``.
        """
        text = spec.strip()
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                raise SandboxError(f"Fault spec is not valid JSON: {exc.msg}.") from None
            return cls.from_mapping(data)
        common: dict[str, float | int] = {}
        per_server: dict[str, dict[str, float | int]] = {}
        for item in (part.strip() for part in text.split(",")):
            if not item:
                continue
            key, sep, value = item.partition("=")
            if not sep:
                raise SandboxError(f"Fault spec item '{item}' needs the form key=value.")
            server, colon, name = key.strip().rpartition(":")
            if colon:
                if server not in SERVER_NAMES:
                    raise SandboxError(
                        f"Unknown server '{server}' in fault spec.",
                        hint=f"Use one of {', '.join(SERVER_NAMES)}.",
                    )
                per_server.setdefault(server, {})[name] = _coerce(name, value)
            else:
                common[name] = _coerce(name, value)
        return cls(common, per_server)

    @classmethod
    def from_mapping(cls, data: object) -> FaultSpec:
        if not isinstance(data, dict):
            raise SandboxError("A JSON fault spec must be an object.")
        common: dict[str, float | int] = {}
        per_server: dict[str, dict[str, float | int]] = {}
        for key, value in data.items():
            if key in SERVER_NAMES and isinstance(value, dict):
                per_server[key] = {k: _coerce(k, v) for k, v in value.items()}
            else:
                common[key] = _coerce(key, value)
        return cls(common, per_server)

    def settings_for(self, server: str, base: FaultSettings) -> FaultSettings:
        """``base`` with the global and then the server's own overrides applied."""
        merged = {**self.common, **self.per_server.get(server, {})}
        try:
            return base.replace(**merged)
        except SandboxError as exc:
            raise SandboxError(f"Fault spec for {server}: {exc.message}", hint=exc.hint) from None


@dataclass(frozen=True)
class FaultDecision:
    """What to do with one request."""

    kind: FaultKind
    status: int = 0
    latency_s: float = 0.0


def _seed_for(seed: int, server: str) -> int:
    digest = hashlib.sha256(f"{seed}:{server}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class FaultInjector:
    """Seeded per-server fault decisions, changeable while the server runs."""

    def __init__(self, server: str, settings: FaultSettings) -> None:
        self.server = server
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self._settings = settings
        self._rng = random.Random(_seed_for(settings.seed, server))
        self._drops = random.Random(_seed_for(settings.seed, f"{server}:silent"))
        self._burst_left = 0

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def configure(self, settings: FaultSettings) -> None:
        """New settings; the RNG restarts from the seed so a replay meets the same faults."""
        with self._lock:
            self._settings = settings
            self._rng = random.Random(_seed_for(settings.seed, self.server))
            self._drops = random.Random(_seed_for(settings.seed, f"{self.server}:silent"))
            self._burst_left = 0

    def decide(self) -> FaultDecision:
        with self._lock:
            s = self._settings
            latency = s.latency_ms / 1000.0
            if latency:
                self.counts["latency"] += 1
            if self._burst_left > 0:
                self._burst_left -= 1
                self.counts["rate_limit"] += 1
                return FaultDecision("rate_limit", 429, latency)
            # Always draw both numbers so one outcome never shifts the next decisions.
            roll, pick = self._rng.random(), self._rng.random()
            edge = s.error_rate
            if roll < edge:
                self.counts["error"] += 1
                return FaultDecision("error", ERROR_STATUSES[int(pick * 3) % 3], latency)
            edge += s.rate_limit_rate
            if roll < edge:
                self.counts["rate_limit"] += 1
                self._burst_left = s.burst
                return FaultDecision("rate_limit", 429, latency)
            edge += s.timeout_rate
            if roll < edge:
                self.counts["timeout"] += 1
                return FaultDecision("timeout", 0, latency)
            edge += s.drop_rate
            if roll < edge:
                self.counts["drop"] += 1
                return FaultDecision("drop", 0, 0.0)
            edge += s.lost_rate
            if roll < edge:
                self.counts["lost"] += 1
                return FaultDecision("lost", 0, latency)
            self.counts["none"] += 1
            return FaultDecision("none", 0, latency)

    def drop_silently(self) -> bool:
        """Whether to lose this one record while answering success (``silent_drop_rate``)."""
        with self._lock:
            rate = self._settings.silent_drop_rate
            if rate <= 0:
                return False
            if self._drops.random() < rate:
                self.counts["silent_drop"] += 1
                return True
            return False

    def rejects(self, record_key: str) -> bool:
        """Whether ``reject_rate`` refuses the record with this key: a seeded hash of the
        key, so the answer is the same on every attempt and in every run."""
        rate = self._settings.reject_rate
        if rate <= 0.0 or not record_key:
            return False
        digest = hashlib.sha256(
            f"{self._settings.seed}:{self.server}:reject:{record_key}".encode()
        ).digest()
        refused = int.from_bytes(digest[:8], "big") / 2**64 < rate
        if refused:
            with self._lock:
                self.counts["rejected"] += 1
        return refused

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "settings": dataclasses.asdict(self._settings),
                "counts": dict(self.counts),
            }

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()

"""Deletion requests: what a connector kind can do when a person asks to be erased.

A kind that can delete or anonymise a person in its system implements ``ErasesPeople``
(a CRM deletes the contact and what hangs on it; Klaviyo runs its data-privacy deletion
job). The privacy service calls it with the person's ids in that system and their e-mail
addresses and phones. The answer's message is shown and kept in the erasure's record, so
it names no one: counts and the system's own words about what it did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ErasureSubject:
    ids: tuple[str, ...]  # the person's ids in this system (from identity links)
    emails: tuple[str, ...]
    phones: tuple[str, ...]  # E.164


@dataclass(frozen=True)
class ErasureResult:
    status: str  # deleted | requested | not_found | failed
    message: str  # no personal data: counts and what the system said
    manual: tuple[str, ...] = ()  # ids the admin must delete by hand (shown, not kept)

    @property
    def ok(self) -> bool:
        return self.status in ("deleted", "requested", "not_found")


@runtime_checkable
class ErasesPeople(Protocol):
    def erase_person(self, subject: ErasureSubject) -> ErasureResult:
        """Delete (or ask the system to delete) this person; never raises for a refusal
        -- the result says it."""

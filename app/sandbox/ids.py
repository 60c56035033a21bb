"""The simulated CRM's record ids: UUIDs, one id space for every API it speaks.

A real CRM has one set of ids: Elead's customer id *is* the contact id its other APIs
use. The simulated CRM's contacts and leads are therefore keyed by UUIDs, seen the same
through its generic routes and its Elead routes. Each is the ``uuid5`` of the code the
record has in its sequence (``K000001`` for the first contact, ``L0000001`` for the first
lead), so the generator and the servers mint the same ids from the same seed, and a
record created on a server continues the sequence (``UuidSequence``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import numpy as np

NAMESPACE = uuid.UUID("3a5b8f0e-2c61-4d7e-8f1a-c0a1d5e7b9f3")
CONTACT_PREFIX, CONTACT_WIDTH = "K", 6
LEAD_PREFIX, LEAD_WIDTH = "L", 7


def sequence_uuid(code: str) -> str:
    """The id of the record whose sequence code is ``code`` (``K000114``)."""
    return str(uuid.uuid5(NAMESPACE, code))


def sequence_uuids(codes: Iterable[str]) -> np.ndarray:
    """``sequence_uuid`` of each code, as an object array."""
    return np.array([sequence_uuid(str(c)) for c in codes], dtype=object)


class UuidSequence:
    """Next ids for a table keyed by sequence UUIDs: the uuid5 of ``prefix`` + the next
    number (after as many as are taken), skipping any id already taken."""

    def __init__(self, existing: Iterable[str], prefix: str, width: int) -> None:
        self.prefix = prefix
        self.width = width
        self.taken = set(existing)
        self._next = len(self.taken) + 1

    def next(self) -> str:
        while True:
            value = sequence_uuid(f"{self.prefix}{self._next:0{self.width}d}")
            self._next += 1
            if value not in self.taken:
                self.taken.add(value)
                return value

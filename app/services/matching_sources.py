"""Fill the matching store from the configured connections: every readable customer
stream (DMS customers, CRM contacts, marketing subscribers) is read in full."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd

from app.connectors.streams import StreamSource
from app.errors import RooftopError
from app.services.matching_queue import MatchingQueue
from app.services.profile_info import ProfileInfo
from app.services.profiles import ProfileService

log = logging.getLogger(__name__)
StepFn = Callable[[str, int, int], None]


def load_from_profiles(
    queue: MatchingQueue, profiles: ProfileService, on_step: StepFn | None = None
) -> dict[str, int]:
    """Read every customer stream of every connection into the matching store.
    Returns records read per connection; a connection that fails is skipped (logged)."""
    infos = profiles.list()
    out: dict[str, int] = {}
    for i, info in enumerate(infos, start=1):
        if _same_records_as_another(profiles, info):
            # another API of a system read under its own connection: reading it again
            # would offer every customer as a duplicate of itself
            if on_step is not None:
                on_step(
                    f"skipped {info.name} (same records as {info.settings['same_records_as']})",
                    i,
                    len(infos),
                )
            continue
        try:
            conn = profiles.connector(info.id)
        except RooftopError as exc:
            log.warning("matching: cannot open %s: %s", info.name, exc)
            continue
        try:
            if not isinstance(conn, StreamSource):
                continue
            for stream in conn.streams().values():
                spec = stream.spec
                if spec.entity != "customer" or not spec.readable:
                    continue
                frames = list(stream.read(None))
                if frames:
                    frame = pd.concat(frames, ignore_index=True)
                    n = queue.load_records(
                        info.uid, info.name, frame, spec.primary_key, kind=info.kind
                    )
                    out[info.name] = out.get(info.name, 0) + n
        except RooftopError as exc:
            log.warning("matching: reading %s failed: %s", info.name, exc)
        finally:
            close = getattr(conn, "close", None)
            if callable(close):
                close()
        if on_step is not None:
            on_step(f"read {info.name}", i, len(infos))
    return out


def _same_records_as_another(profiles: ProfileService, info: ProfileInfo) -> bool:
    try:
        return profiles.identity_system(info) != info.uid
    except RooftopError:
        return False

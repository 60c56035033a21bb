"""Where segments read their data, kept in the ``settings`` table (``segments.settings``).

- ``dms_profile``: the DMS connection whose customers, vehicles, deals and repair orders
  are read; or ``data_folder``: a folder of DMS extract CSVs (``dms_customers.csv``…);
- ``crm_profile``: a CRM connection whose contacts' opt-outs count (optional; the
  folder's ``crm_contacts.csv`` otherwise);
- ``valuation_file``: the price guide or depreciation table (equity mining);
- ``warranty_file``: the DMS warranty extract (warranty/CPO ending; the folder's
  ``dms_warranties.csv`` otherwise);
- ``as_of``: evaluate as on this date (YYYY-MM-DD; empty = today) — for a demo or an
  extract that is not today's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from app.segments.errors import SegmentError
from app.store.models import Setting

KEY = "segments.settings"


@dataclass(frozen=True)
class SegmentSettings:
    dms_profile: str = ""
    data_folder: str = ""
    crm_profile: str = ""
    valuation_file: str = ""
    warranty_file: str = ""
    as_of: str = ""

    def today(self) -> date:
        if not self.as_of.strip():
            return date.today()
        try:
            return date.fromisoformat(self.as_of.strip())
        except ValueError:
            raise SegmentError(
                f"Segment settings: as_of '{self.as_of}' is not a date (YYYY-MM-DD)."
            ) from None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> SegmentSettings:
        known = {f.name for f in fields(cls)}
        values = data if isinstance(data, dict) else {}
        return cls(**{k: str(v or "") for k, v in values.items() if k in known})


def load(session: Session) -> SegmentSettings:
    row = session.get(Setting, KEY)
    return SegmentSettings.from_json(row.value if row is not None else None)


def save(session: Session, settings: SegmentSettings) -> None:
    row = session.get(Setting, KEY)
    if row is None:
        session.add(Setting(key=KEY, value=settings.to_json()))
    else:
        row.value = settings.to_json()

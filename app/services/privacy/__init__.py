"""Privacy requests: erase a person (``erase``), answer an access request
(``export_person``), and the tombstones that keep erased people out of later syncs
(``tombstones``). See each module; the README's Privacy section says what is kept."""

from app.services.privacy.erase import ErasureReport, erase, locate, requests
from app.services.privacy.export import ExportReport, export_person

__all__ = ["ErasureReport", "ExportReport", "erase", "export_person", "locate", "requests"]

"""The connector kinds this build knows, by kind name."""

from __future__ import annotations

from app.connectors.adf_inbox import AdfInboxConnector
from app.connectors.adf_lead import AdfLeadConnector
from app.connectors.base import Connector
from app.connectors.cdk_fortellis import CdkFortellisConnector
from app.connectors.crm_rest import CrmRestConnector
from app.connectors.digital_retailing import DigitalRetailingConnector
from app.connectors.dms_file import DmsFileConnector
from app.connectors.dms_rest import DmsRestConnector
from app.connectors.elead_crm import EleadCrmConnector
from app.connectors.errors import UnknownConnectorKindError
from app.connectors.feed_delivery import FeedTargetConnector
from app.connectors.http_api import HttpApiConnector
from app.connectors.klaviyo import KlaviyoConnector
from app.connectors.star_rest import StarRestConnector

_KINDS: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    _KINDS[cls.kind] = cls
    return cls


def kinds() -> list[type[Connector]]:
    """Every registered kind, sorted by its label."""
    return sorted(_KINDS.values(), key=lambda c: c.label)


def get_kind(kind: str) -> type[Connector]:
    try:
        return _KINDS[kind]
    except KeyError:
        known = ", ".join(sorted(_KINDS))
        raise UnknownConnectorKindError(
            f"This version of Rooftop Sync has no connector of kind '{kind}'.",
            hint=f"Known kinds: {known}.",
        ) from None


register(HttpApiConnector)
register(DmsRestConnector)
register(CdkFortellisConnector)
register(CrmRestConnector)
register(DmsFileConnector)
register(AdfLeadConnector)
register(AdfInboxConnector)
register(FeedTargetConnector)
register(StarRestConnector)
register(EleadCrmConnector)
register(KlaviyoConnector)
register(DigitalRetailingConnector)

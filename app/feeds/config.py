"""A feed's settings as stored in its flow's ``options`` (JSON), and the default column
mapping of the dealer-website CSV (which the admin edits in the mapping editor)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from app.feeds.errors import FeedError
from app.formats.feeds.common import DealerInfo
from app.mapping.model import Mapping, Step, rule

FEED_KIND = "feed"  # flows whose options say kind=feed are feeds, not record syncs
CHANNELS = ("google", "meta", "website")
CHANNEL_LABELS = {
    "google": "Google vehicle listings",
    "meta": "Meta automotive catalog",
    "website": "Dealer website",
}
DEFAULT_FORMAT = {"google": "tsv", "meta": "csv", "website": "csv"}
FILE_FORMATS = ("csv", "tsv")
DEFAULT_INTERVAL_S = 900  # new units reach the channels on the next run: every 15 minutes
FOR_SALE = ("AVAILABLE",)


@dataclass(frozen=True)
class FeedConfig:
    channel: str
    file_format: str = ""
    dealer: DealerInfo = field(default_factory=DealerInfo)
    include_pending: bool = False  # list units with a deal pending (Meta: availability)
    max_text: int = 5000

    def __post_init__(self) -> None:
        if self.channel not in CHANNELS:
            raise FeedError(
                f"The feed's channel {self.channel[:40]!r} is not one Rooftop Sync publishes.",
                hint=f"Use one of: {', '.join(CHANNELS)} (export, fix and import the feed).",
            )
        if not self.file_format:
            object.__setattr__(self, "file_format", DEFAULT_FORMAT[self.channel])
        if self.file_format not in FILE_FORMATS:
            raise FeedError(
                f"The feed's file format {self.file_format[:40]!r} is not one a feed is "
                f"written in ({' or '.join(FILE_FORMATS)}).",
                hint="Set it again in the feed's settings (or export, fix and import the feed).",
            )

    @property
    def statuses(self) -> tuple[str, ...]:
        return (*FOR_SALE, "PENDING") if self.include_pending else FOR_SALE

    def to_options(self) -> dict[str, Any]:
        return {
            "kind": FEED_KIND,
            "channel": self.channel,
            "file_format": self.file_format,
            "dealer": asdict(self.dealer),
            "include_pending": self.include_pending,
            "max_text": self.max_text,
        }

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> FeedConfig:
        """The settings a flow's options hold; ``FeedError`` says what is wrong with
        settings edited by hand (a file format or channel no feed has)."""
        known = {f.name for f in fields(DealerInfo)}
        raw_dealer = options.get("dealer") or {}
        if not isinstance(raw_dealer, dict):
            raise FeedError("The feed's dealer details are not a set of fields.")
        dealer = {k: str(v) for k, v in raw_dealer.items() if k in known}
        try:
            max_text = int(options.get("max_text") or 5000)
        except (TypeError, ValueError):
            raise FeedError("The feed's longest text setting is not a whole number.") from None
        return cls(
            channel=str(options.get("channel") or "website"),
            file_format=str(options.get("file_format") or ""),
            dealer=DealerInfo(**dealer),
            include_pending=bool(options.get("include_pending", False)),
            max_text=max_text,
        )

    @staticmethod
    def channel_of(options: dict[str, Any]) -> str:
        """The channel the options name (for sorting and labels, even when the rest of
        the settings are unusable)."""
        channel = str(options.get("channel") or "website")
        return channel if channel in CHANNELS else "website"


def is_feed(options: dict[str, Any]) -> bool:
    return options.get("kind") == FEED_KIND


TRIM = Step("trim")
PRICE = Step("number", {"decimals": 2})
CONDITION_WORDS = {"NEW": "New", "USED": "Used", "CPO": "Certified Pre-Owned"}

# The website CSV's columns: target <- inventory field. Edit in the mapping editor.
WEBSITE_MAPPING = Mapping(
    (
        rule("vin", "vin", required=True),
        rule("stock_number", "stock_number", steps=[TRIM]),
        rule(
            "condition",
            "condition",
            steps=[Step("lookup", {"table": CONDITION_WORDS, "default": ""})],
        ),
        rule("year", "year", required=True),
        rule("make", "make", steps=[TRIM], required=True),
        rule("model", "model", steps=[TRIM], required=True),
        rule("trim", "trim", steps=[TRIM]),
        rule("body_style", "body_style", steps=[TRIM]),
        rule("exterior_color", "exterior_color", steps=[TRIM]),
        rule("interior_color", "interior_color", steps=[TRIM]),
        rule("mileage", "mileage", steps=[Step("number", {"decimals": 0})]),
        rule("msrp", "msrp", steps=[PRICE]),
        rule("price", "price", steps=[PRICE], required=True),
        rule("special_price", "special_price", steps=[PRICE]),
        rule("photo_urls", "photo_urls"),
        rule("status", "status"),
        rule("date_in_stock", "date_in_stock"),
        rule("description", "description"),
    )
)

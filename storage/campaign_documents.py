"""What a member keeps for campaigns and its profile (birthday, time zone), as document
fields (read with defaults from a document written before they existed)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from domain.campaign_counts import CampaignCount
from domain.member import Member

Doc = dict[str, Any]


def profile_and_campaigns_doc(member: Member) -> Doc:
    birthday = member.birthday
    return {
        "birthday": None if birthday is None else birthday.isoformat(),  # BSON has no date
        "time_zone": member.time_zone,
        "first_purchase_at": member.first_purchase_at,
        # c(ampaign), d(ay, as an ordinal), t(imes that day), n (times in all)
        "campaign_counts": [
            {"c": c.campaign, "d": c.day.toordinal(), "t": c.today, "n": c.total}
            for c in member.campaign_counts
        ],
    }


def profile_and_campaigns_from(doc: Doc) -> dict[str, Any]:
    first: datetime | None = doc.get("first_purchase_at")
    return {
        "birthday": date.fromisoformat(doc["birthday"]) if doc.get("birthday") else None,
        "time_zone": doc.get("time_zone"),
        "first_purchase_at": None if first is None else _utc(first),
        "campaign_counts": tuple(
            CampaignCount(c["c"], date.fromordinal(c["d"]), c["t"], c["n"])
            for c in doc.get("campaign_counts", ())
        ),
    }


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

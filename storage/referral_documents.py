"""A friend's referral link <-> its document field (`referral`), with short keys: r(eferrer),
f(riend), o(rder), c(lears at), w (rewarded at)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.referrals import ReferralLink

AsUtc = Callable[[datetime | None], datetime | None]


def referral_doc(link: ReferralLink | None) -> dict[str, Any] | None:
    if link is None:
        return None
    return {
        "r": link.referrer_id,
        "f": link.friend_id,
        "o": link.order_id,
        "c": link.clears_at,
        "w": link.rewarded_at,
    }


def referral_from(doc: dict[str, Any] | None, as_utc: AsUtc) -> ReferralLink | None:
    """`as_utc`: MongoDB hands back naive UTC datetimes (`storage.documents.utc`)."""
    if doc is None:
        return None
    return ReferralLink(doc["r"], doc["f"], doc["o"], as_utc(doc["c"]), as_utc(doc["w"]))

"""Referrals: each member has a code; a friend who enrolls with it is linked to them, and
both are rewarded when the friend's first qualifying purchase clears the hold on its points
(`domain.pending`; with no hold, at the purchase).

This module holds what the member and the program keep (the program's `[referrals]`, the
friend's link, codes); `domain.referral_rewards` the rules that reward.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.codes import CODE_ALPHABET, normalise_code, shown


@dataclass(frozen=True, slots=True)
class Referrals:
    """The program's `[referrals]`: what each side gets, and whether it counts towards the
    tier."""

    referrer_points: int
    friend_points: int
    qualifying: bool = False


@dataclass(frozen=True, slots=True)
class ReferralLink:
    """On the friend: who referred them, the purchase that counts (once one qualified) and
    when its hold ends, and when both were rewarded (None: not yet)."""

    referrer_id: str
    friend_id: str  # the friend's id when they enrolled: the reward's key, across merges
    order_id: str | None = None
    clears_at: datetime | None = None
    rewarded_at: datetime | None = None


def referral_code_for(seed: str, attempt: int = 0) -> str:
    """A code from a seed (a new id): random for a new member, stable for a demo member
    whose ids are fixed. `attempt` gives another code when one is taken."""
    digest = hashlib.sha256(f"{seed}:{attempt}".encode()).digest()
    return shown("".join(CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in digest[:8]))


def normalise_referral_code(typed: str) -> str:
    return normalise_code(typed, "referralCode", "referral code")


def referral_key(code: str) -> str:
    """The code's claim in the key registry: unique, and who it belongs to."""
    return f"REFERRAL:{code}"


def load_referrals(data: dict[str, Any]) -> Referrals | None:
    """The program file's `[referrals]` section (None: no referral rewards)."""
    section = data.get("referrals")
    if section is None:
        return None
    referrals = Referrals(
        referrer_points=int(section["referrer_points"]),
        friend_points=int(section["friend_points"]),
        qualifying=bool(section.get("qualifying", False)),
    )
    if referrals.referrer_points < 0 or referrals.friend_points < 0:
        raise ValueError("referrals: points cannot be negative")
    return referrals

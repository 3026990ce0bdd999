"""Who may do what: the roles, the actions, the permission table, and the caller.

A pure rule, like the loyalty rules: resolvers and workers ask it, and only `app/` reads the
tokens that say who the caller is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class Role(Enum):
    MEMBER = "member"
    POS = "pos"
    CALLCENTER = "callcenter"
    PARTNER = "partner"
    PROVIDER = "provider"  # a messaging provider (email, SMS, push) reporting delivery feedback
    ADMIN = "admin"


class Action(Enum):
    VIEW_PROGRAM = "view program"
    VIEW_MEMBER = "view a member"
    ENROLL = "enroll members"
    RECORD_PURCHASE = "record purchases"
    REDEEM = "redeem rewards"
    USE_REWARD = "use vouchers"
    CANCEL_REDEMPTION = "cancel redemptions before their voucher is used"
    ADJUST = "adjust points"
    RECORD_ACTIVITY = "record activities that are not purchases"
    OVERRIDE_TIER = "set a member's tier by hand"
    RETURN = "record returns"
    LINK_IDENTIFIER = "link identifiers"
    MERGE = "merge members"
    CHECK_IN = "check members in at a store"
    VIEW_MESSAGES = "view members' messages and churn scores"
    SET_CONSENT = "change messaging consent and preferences"
    RECORD_FEEDBACK = "record message delivery feedback"
    VIEW_OPERATIONS = "view operational state (outbox items set aside)"
    UPDATE_PROFILE = "change a member's name, birthday and time zone"
    VIEW_PROGRAM_STATS = "view the program's figures (liability, breakage, rates)"
    # Partners (`domain.partners`): a partner token acts for its own partner only.
    CREATE_LINK_CODE = "make a code that links a member at a partner"
    UNLINK_PARTNER = "unlink a member from a partner"
    PARTNER_LOOKUP = "look members up by a partner's external id"
    PARTNER_LINK = "link and unlink members at a partner"
    PARTNER_EARN = "record activities at a partner"


# A partner acts for its own partner only (`domain.partners.acts_for`), and sees members
# through its field policy (`domain.partner_view`).
# Messaging providers are not loyalty partners: they may only report on messages they carried.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.MEMBER: frozenset(
        {
            Action.VIEW_PROGRAM,
            Action.VIEW_MEMBER,
            Action.REDEEM,
            Action.CHECK_IN,
            Action.SET_CONSENT,
            Action.UPDATE_PROFILE,
            Action.CREATE_LINK_CODE,
            Action.UNLINK_PARTNER,
        }
    ),
    Role.POS: frozenset(
        {
            Action.VIEW_PROGRAM,
            Action.VIEW_MEMBER,
            Action.ENROLL,
            Action.RECORD_PURCHASE,
            Action.REDEEM,
            Action.USE_REWARD,
            Action.CANCEL_REDEMPTION,
            Action.RETURN,
            Action.CHECK_IN,
        }
    ),
    Role.CALLCENTER: frozenset(
        {
            Action.VIEW_PROGRAM,
            Action.VIEW_MEMBER,
            Action.ENROLL,
            Action.ADJUST,
            Action.RECORD_ACTIVITY,
            Action.OVERRIDE_TIER,
            Action.LINK_IDENTIFIER,
            Action.MERGE,
            Action.REDEEM,
            Action.CANCEL_REDEMPTION,
            Action.VIEW_MESSAGES,
            Action.SET_CONSENT,
            Action.UPDATE_PROFILE,
            Action.UNLINK_PARTNER,
        }
    ),
    Role.PARTNER: frozenset({Action.PARTNER_LOOKUP, Action.PARTNER_LINK, Action.PARTNER_EARN}),
    Role.PROVIDER: frozenset({Action.RECORD_FEEDBACK}),
    Role.ADMIN: frozenset(Action),
}


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    subject: str
    member_id: str | None = None
    store_id: str | None = None
    expires_at: float | None = None  # epoch seconds
    # A partner token names its partner (a key of the program's partners): the partner's
    # manifest, external ids, earn rate and field policy are looked up by it.
    partner: str | None = None

    def may(self, action: Action) -> bool:
        return action in PERMISSIONS[self.role]

    def expired(self, now: datetime) -> bool:
        """Long-lived connections outlive tokens: each new subscription checks again."""
        return self.expires_at is not None and now.timestamp() >= self.expires_at

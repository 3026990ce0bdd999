"""Expected failures of loyalty commands: the one declaration of each.

The schema derives a typed error from each class (schema/errors.py): its name, its code,
its docstring as the description, and as extra fields the attributes it annotates.
"""

from __future__ import annotations

from enum import Enum


class ErrorCode(Enum):
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    REWARD_NOT_FOUND = "REWARD_NOT_FOUND"
    REWARD_UNAVAILABLE = "REWARD_UNAVAILABLE"
    REWARD_NOT_ACTIVE = "REWARD_NOT_ACTIVE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    IDENTIFIER_TAKEN = "IDENTIFIER_TAKEN"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    ORDER_ALREADY_RECORDED = "ORDER_ALREADY_RECORDED"
    RETURN_EXCEEDS_PURCHASE = "RETURN_EXCEEDS_PURCHASE"
    UNSUPPORTED_CURRENCY = "UNSUPPORTED_CURRENCY"
    INVALID_INPUT = "INVALID_INPUT"
    MEMBER_BUSY = "MEMBER_BUSY"
    MESSAGE_NOT_FOUND = "MESSAGE_NOT_FOUND"
    MESSAGE_NOT_SENT = "MESSAGE_NOT_SENT"
    ACTIVITY_LIMIT_REACHED = "ACTIVITY_LIMIT_REACHED"
    ACTIVITY_ALREADY_RECORDED = "ACTIVITY_ALREADY_RECORDED"
    REFERRAL_CODE_UNKNOWN = "REFERRAL_CODE_UNKNOWN"
    SELF_REFERRAL = "SELF_REFERRAL"
    ALREADY_MEMBER = "ALREADY_MEMBER"
    ALREADY_REFERRED = "ALREADY_REFERRED"
    WEBHOOK_SUBSCRIPTION_NOT_FOUND = "WEBHOOK_SUBSCRIPTION_NOT_FOUND"
    WEBHOOK_DELIVERY_NOT_FOUND = "WEBHOOK_DELIVERY_NOT_FOUND"
    MEMBER_NOT_LINKED = "MEMBER_NOT_LINKED"
    PARTNER_BUDGET_EXHAUSTED = "PARTNER_BUDGET_EXHAUSTED"
    LINK_CODE_INVALID = "LINK_CODE_INVALID"
    EXTERNAL_ID_TAKEN = "EXTERNAL_ID_TAKEN"


class LoyaltyError(Exception):
    code: ErrorCode

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MemberNotFound(LoyaltyError):
    code = ErrorCode.MEMBER_NOT_FOUND


class InsufficientPoints(LoyaltyError):
    code = ErrorCode.INSUFFICIENT_POINTS
    needed: int
    balance: int

    def __init__(self, needed: int, balance: int, pending: int = 0) -> None:
        # Held points are named, so that a member told "no" knows when it will be "yes".
        held = f" ({pending} more pending, not spendable yet)" if pending else ""
        super().__init__(f"this needs {needed} points; the balance is {balance}{held}")
        self.needed = needed
        self.balance = balance


class RewardNotFound(LoyaltyError):
    code = ErrorCode.REWARD_NOT_FOUND


class RewardUnavailable(LoyaltyError):
    code = ErrorCode.REWARD_UNAVAILABLE


class RewardNotActive(LoyaltyError):
    code = ErrorCode.REWARD_NOT_ACTIVE


class IdempotencyKeyReused(LoyaltyError):
    code = ErrorCode.IDEMPOTENCY_KEY_REUSED


class IdentifierTaken(LoyaltyError):
    code = ErrorCode.IDENTIFIER_TAKEN


class OrderNotFound(LoyaltyError):
    code = ErrorCode.ORDER_NOT_FOUND


class OrderAlreadyRecorded(LoyaltyError):
    code = ErrorCode.ORDER_ALREADY_RECORDED


class ActivityLimitReached(LoyaltyError):
    """The activity already counted as many times as the program allows in this period."""

    code = ErrorCode.ACTIVITY_LIMIT_REACHED


class ActivityAlreadyRecorded(LoyaltyError):
    """This activity id was recorded before (or is being recorded now)."""

    code = ErrorCode.ACTIVITY_ALREADY_RECORDED


class ReturnExceedsPurchase(LoyaltyError):
    code = ErrorCode.RETURN_EXCEEDS_PURCHASE


class UnsupportedCurrency(LoyaltyError):
    code = ErrorCode.UNSUPPORTED_CURRENCY


class InvalidInput(LoyaltyError):
    code = ErrorCode.INVALID_INPUT
    field: str

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


class MemberBusy(LoyaltyError):
    """Too many simultaneous changes to one member; retry, same key."""

    code = ErrorCode.MEMBER_BUSY


class MessageNotFound(LoyaltyError):
    code = ErrorCode.MESSAGE_NOT_FOUND


class MessageNotSent(LoyaltyError):
    """The message never went out (suppressed, failed or pending)."""

    # Feedback on it is refused: no copy is out there to be delivered, opened or clicked.
    code = ErrorCode.MESSAGE_NOT_SENT


class ReferralCodeUnknown(LoyaltyError):
    """No member has this referral code."""

    code = ErrorCode.REFERRAL_CODE_UNKNOWN


class SelfReferral(LoyaltyError):
    """The code belongs to the member the identifiers name: nobody refers themselves."""

    code = ErrorCode.SELF_REFERRAL


class AlreadyMember(LoyaltyError):
    """An identifier is already a member's: referrals are for customers new to the program."""

    code = ErrorCode.ALREADY_MEMBER


class AlreadyReferred(LoyaltyError):
    """The identifiers' member enrolled with a referral code already: once per friend."""

    code = ErrorCode.ALREADY_REFERRED


class WebhookSubscriptionNotFound(LoyaltyError):
    """No webhook subscription has this id (or it was removed already)."""

    code = ErrorCode.WEBHOOK_SUBSCRIPTION_NOT_FOUND


class WebhookDeliveryNotFound(LoyaltyError):
    """No webhook delivery has this id (finished ones are kept 30 days)."""

    code = ErrorCode.WEBHOOK_DELIVERY_NOT_FOUND


class MemberNotLinked(LoyaltyError):
    """No member is linked at this partner under this external id (a partner never
    reaches a member by another partner's ids, or by email, phone or card)."""

    code = ErrorCode.MEMBER_NOT_LINKED


class PartnerBudgetExhausted(LoyaltyError):
    """The partner's points budget for this month has less left than the activity gives."""

    code = ErrorCode.PARTNER_BUDGET_EXHAUSTED
    left: int

    def __init__(self, message: str, left: int) -> None:
        super().__init__(message)
        self.left = left


class LinkCodeInvalid(LoyaltyError):
    """No live link code for this partner: unknown, expired, already used, or replaced by a
    newer one. The member makes a new one in the app."""

    code = ErrorCode.LINK_CODE_INVALID


class ExternalIdTaken(LoyaltyError):
    """The partner's external id is linked to another member; unlink it first."""

    code = ErrorCode.EXTERNAL_ID_TAKEN

"""Which webhook events a member event is, what each says, and when a failed delivery is
tried again: pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import InvalidInput
from domain.events import MemberChanged
from domain.ledger import EntryKind, LedgerEntry
from domain.webhook_deliveries import RETRY_FOR, next_attempt
from domain.webhooks import (
    Voucher,
    WebhookEvent,
    WebhookFacts,
    chosen_events,
    endpoint_url,
    events_of,
    new_secret,
    payload,
)

AT = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
E = WebhookEvent


def facts(
    cause: EntryKind,
    points: int = 0,
    previous_tier: str | None = None,
    points_paid: int = 0,
    entry: bool = True,
    merged_into: str | None = None,
) -> WebhookFacts:
    changed = MemberChanged(
        "mbr_1",
        4,
        cause,
        None,
        "store-1",
        "ent_1",
        "SILVER",
        previous_tier,
        (),
        merged_into,
        balance=90,
    )
    recorded = LedgerEntry("ent_1", "mbr_1", cause, points, AT, store_id="store-1", reason="why")
    return WebhookFacts(changed, recorded if entry else None, points_paid, relayed_at=AT)


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (facts(EntryKind.EARNED, 40), (E.POINTS_EARNED,)),
        (facts(EntryKind.EARNED, 40, "BRONZE"), (E.POINTS_EARNED, E.TIER_CHANGED)),
        (facts(EntryKind.EARNED, 40, points_paid=100), (E.POINTS_EARNED, E.POINTS_SPENT)),
        (facts(EntryKind.ACTIVITY, 50), (E.POINTS_EARNED,)),
        (facts(EntryKind.CHALLENGE_COMPLETED, 50), (E.POINTS_EARNED,)),
        (facts(EntryKind.REFERRAL_REWARDED, 50), (E.POINTS_EARNED,)),
        (facts(EntryKind.ADJUSTED, 7), (E.POINTS_EARNED,)),
        (facts(EntryKind.ADJUSTED, -7), (E.POINTS_SPENT,)),
        (facts(EntryKind.REDEEMED, -150), (E.POINTS_SPENT, E.REWARD_REDEEMED)),
        (facts(EntryKind.REWARD_USED), (E.REWARD_USED,)),
        (facts(EntryKind.EXPIRED, -30, "GOLD"), (E.POINTS_EXPIRED, E.TIER_CHANGED)),
        (facts(EntryKind.TIER_CHANGED, 0, "BRONZE"), (E.TIER_CHANGED,)),
        (facts(EntryKind.MERGED, 0), (E.MEMBER_MERGED,)),
        (facts(EntryKind.MERGED, entry=False, merged_into="mbr_2"), (E.MEMBER_MERGED,)),
        # Not among the events: a return, a refund, a cancel, a profile, an enrollment.
        (facts(EntryKind.RETURNED, -40), ()),
        (facts(EntryKind.REDEMPTION_CANCELLED, 150), ()),
        (facts(EntryKind.PROFILE_CHANGED), ()),
        (facts(EntryKind.ENROLLED), ()),
        (facts(EntryKind.EARNED, 0), ()),  # a sale of what earns nothing
        (facts(EntryKind.TIER_CHANGED, 0, "SILVER"), ()),  # an extension: same tier
    ],
)
def test_each_member_event_is_the_webhook_events_it_means(
    made: WebhookFacts, expected: tuple[WebhookEvent, ...]
) -> None:
    assert events_of(made) == expected


def test_the_payload_is_standard_webhooks_type_timestamp_and_data() -> None:
    spent = payload(facts(EntryKind.REDEEMED, -150), E.POINTS_SPENT)
    assert spent == {
        "type": "POINTS_SPENT",
        "timestamp": "2026-01-15T10:00:00.000Z",
        "data": {
            "memberId": "mbr_1",
            "memberVersion": 4,
            "occurredAt": "2026-01-15T10:00:00.000Z",
            "tier": "SILVER",
            "balance": 90,
            "points": 150,
            "entry": {
                "id": "ent_1",
                "kind": "REDEEMED",
                "reason": "why",
                "channel": None,
                "storeId": "store-1",
                "orderId": None,
                "partner": None,
            },
        },
    }
    paid = payload(facts(EntryKind.EARNED, 40, points_paid=100), E.POINTS_SPENT)["data"]
    assert paid["points"] == 100 and paid["entry"]["kind"] == "POINTS_PAID"
    moved = payload(facts(EntryKind.EARNED, 40, "BRONZE"), E.TIER_CHANGED)["data"]
    assert (moved["tier"], moved["previousTier"]) == ("SILVER", "BRONZE")
    gone = payload(facts(EntryKind.MERGED, entry=False, merged_into="mbr_2"), E.MEMBER_MERGED)
    assert gone["data"]["mergedInto"] == "mbr_2" and gone["timestamp"] == "2026-01-15T10:00:00.000Z"
    made = facts(EntryKind.REWARD_USED)
    used = WebhookFacts(made.event, made.entry, voucher=Voucher("mrw_1", "coffee", "ABCD-2345"))
    assert payload(used, E.REWARD_USED)["data"]["memberReward"] == {
        "id": "mrw_1",
        "rewardId": "coffee",
        "code": "ABCD-2345",
    }


def test_retries_double_from_30_seconds_to_2_hours_and_end_on_the_24th_hour() -> None:
    now, attempts, waits = AT, 1, []
    while (later := next_attempt(attempts, AT, now)) is not None:
        waits.append(later - now)
        now, attempts = later, attempts + 1
    minutes = [w.total_seconds() / 60 for w in waits]
    assert minutes[:8] == [0.5, 1, 2, 4, 8, 16, 32, 64]
    assert set(minutes[8:-1]) == {120}
    assert now == AT + RETRY_FOR and attempts == 20
    assert next_attempt(3, AT, AT + RETRY_FOR + timedelta(seconds=1)) is None


@pytest.mark.parametrize(
    "url", ["https://hooks.example.com/loyalty", "http://127.0.0.1:8080/h?x=1", " https://a.b/ "]
)
def test_an_endpoint_is_an_http_or_https_url(url: str) -> None:
    assert endpoint_url(url) == url.strip()


@pytest.mark.parametrize(
    "url",
    ["", "mailto:a@b.c", "https:///path", "javascript:alert(1)", "https://h:99999/", "//h/x"],
)
def test_anything_else_is_refused_naming_the_url(url: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        endpoint_url(url)
    assert refused.value.field == "url"


def test_events_are_kept_once_in_order_and_a_secret_is_whsec_base64() -> None:
    assert chosen_events([E.TIER_CHANGED, E.POINTS_EARNED, E.TIER_CHANGED]) == (
        E.POINTS_EARNED,
        E.TIER_CHANGED,
    )
    secret = new_secret()
    assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 44
    assert secret != new_secret()

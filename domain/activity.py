"""A member's purchases summed per UTC day: what tiers and churn need, in bounded space.

Keeping every order on the member made its document grow by about half a kilobyte per
purchase, without bound (MongoDB refuses a document over 16 MB). Tier qualification and
churn only ever need sums over windows of months, so each day keeps one summary: qualifying
points (less returns), orders not fully returned, net spend, and the time of its last order.
The order itself, needed for returns, is kept in the ledger (`OrderRecord`).

Windows therefore count whole days: a window that opens at some moment counts from the next
day on, up to and including the day it ends. (A tier's requalification window opens as the
tier is reached; the purchases of that day, which reached it, do not count again.)
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal


# A member's days are kept in day order (`with_purchase`, `pooled`).
@dataclass(frozen=True, slots=True)
class DayActivity:
    day: date  # UTC
    qualifying_points: int  # purchase points less what returns took back
    orders: int  # orders not fully returned
    spend: Decimal  # net of returns
    last_order_at: datetime  # the day's latest order


def day_of(at: datetime) -> date:
    return at.astimezone(UTC).date() if at.tzinfo is not None else at.date()


def with_purchase(
    activity: tuple[DayActivity, ...], at: datetime, points: int, amount: Decimal
) -> tuple[DayActivity, ...]:
    """Days stay in order; today is almost always the last one, or a new one after it."""
    day = day_of(at)
    at_index = bisect_left(activity, day, key=lambda a: a.day)
    if at_index == len(activity) or activity[at_index].day != day:
        new = DayActivity(day, points, 1, amount, at)
        return (*activity[:at_index], new, *activity[at_index:])
    same = activity[at_index]
    summed = replace(
        same,
        qualifying_points=same.qualifying_points + points,
        orders=same.orders + 1,
        spend=same.spend + amount,
        last_order_at=max(same.last_order_at, at),
    )
    return (*activity[:at_index], summed, *activity[at_index + 1 :])


def with_qualifying(
    activity: tuple[DayActivity, ...], at: datetime, points: int
) -> tuple[DayActivity, ...]:
    """Qualifying points that came with no order (an activity the program counts)."""
    day = day_of(at)
    at_index = bisect_left(activity, day, key=lambda a: a.day)
    if at_index == len(activity) or activity[at_index].day != day:
        new = DayActivity(day, points, 0, Decimal(0), at)  # no order: churn ignores the day
        return (*activity[:at_index], new, *activity[at_index:])
    same = activity[at_index]
    summed = replace(same, qualifying_points=same.qualifying_points + points)
    return (*activity[:at_index], summed, *activity[at_index + 1 :])


def with_return(
    activity: tuple[DayActivity, ...],
    earned_at: datetime,
    points: int,
    amount: Decimal,
    order_fully_returned: bool,
) -> tuple[DayActivity, ...]:
    """Take a return off the day of its order (nothing, if that day is no longer kept)."""
    day = day_of(earned_at)
    return tuple(
        replace(
            a,
            qualifying_points=a.qualifying_points - points,
            orders=a.orders - (1 if order_fully_returned else 0),
            spend=a.spend - amount,
        )
        if a.day == day
        else a
        for a in activity
    )


def pooled(
    ours: tuple[DayActivity, ...], theirs: tuple[DayActivity, ...]
) -> tuple[DayActivity, ...]:
    """Two members' days summed day by day (a merge)."""
    days: dict[date, DayActivity] = {}
    for a in (*ours, *theirs):
        known = days.get(a.day)
        days[a.day] = (
            a
            if known is None
            else DayActivity(
                a.day,
                known.qualifying_points + a.qualifying_points,
                known.orders + a.orders,
                known.spend + a.spend,
                max(known.last_order_at, a.last_order_at),
            )
        )
    return tuple(sorted(days.values(), key=lambda a: a.day))


def within(activity: Iterable[DayActivity], since: datetime, until: datetime) -> list[DayActivity]:
    """The days after `since`'s, up to `until`'s included."""
    opened, last = day_of(since), day_of(until)
    return [a for a in activity if opened < a.day <= last]  # (in day order: see `pooled`)


def kept_since(activity: tuple[DayActivity, ...], since: datetime) -> tuple[DayActivity, ...]:
    return activity[bisect_left(activity, day_of(since), key=lambda a: a.day) :]


def last_order_at(activity: Iterable[DayActivity], until: datetime) -> datetime | None:
    """The latest order not fully returned, up to `until`."""
    return max(
        (a.last_order_at for a in activity if a.orders > 0 and a.last_order_at <= until),
        default=None,
    )

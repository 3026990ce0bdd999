"""How often each campaign gave a member points: what its per-member limits need, in bounded
space (one record per campaign the program still runs, whatever the member's history)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date


@dataclass(frozen=True, slots=True)
class CampaignCount:
    campaign: str  # the campaign's id
    day: date  # the program's local day of the latest count
    today: int  # times on `day`
    total: int  # times since the campaign began


def counted(counts: tuple[CampaignCount, ...], campaign: str, day: date) -> CampaignCount:
    """The campaign's count as of `day` (a count from an earlier day starts `today` over)."""
    found = next((c for c in counts if c.campaign == campaign), None)
    if found is None:
        return CampaignCount(campaign, day, 0, 0)
    return found if found.day == day else replace(found, day=day, today=0)


def pooled_campaign_counts(
    survivor: tuple[CampaignCount, ...], duplicate: tuple[CampaignCount, ...]
) -> tuple[CampaignCount, ...]:
    """Two merged members' counts: totals summed, and today's when both are on the same day
    (what both got counts against the survivor's limits)."""
    pooled = {c.campaign: c for c in survivor}
    for count in duplicate:
        mine = pooled.get(count.campaign)
        if mine is None:
            pooled[count.campaign] = count
            continue
        later = max(mine, count, key=lambda c: c.day)
        today = mine.today + count.today if mine.day == count.day else later.today
        pooled[count.campaign] = CampaignCount(
            count.campaign, later.day, today, mine.total + count.total
        )
    return tuple(pooled.values())

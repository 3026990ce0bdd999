"""A purchase's share of its campaigns' budgets: reserved before it is priced, and what it
did not give handed back after (`domain.campaign_budget`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from domain.commands import RecordPurchase
from domain.earn_rules import Earning
from domain.earn_rules.campaigns import demand
from domain.earning import purchase_of
from domain.member import Member
from domain.ports import Ports


async def reserve_for(
    ports: Ports, member: Member, cmd: RecordPurchase, now: datetime
) -> dict[str, int]:
    """Up to what each campaign with a budget wants for this purchase, taken from its budget."""
    wanted = demand(purchase_of(cmd, now), member, ports.program)
    granted: dict[str, int] = {}
    try:
        for campaign in ports.program.campaigns:
            if campaign.id in wanted:
                granted[campaign.id] = await ports.budgets.reserve(campaign, wanted[campaign.id])
    except BaseException:
        await give_back(ports, granted, ())
        raise
    return granted


async def give_back(ports: Ports, granted: Mapping[str, int], earned: tuple[Earning, ...]) -> None:
    """Return to each budget what was reserved and not given (all of it: nothing written)."""
    given = {e.rule: e.points for e in earned}
    for campaign in ports.program.campaigns:
        unused = granted.get(campaign.id, 0) - given.get(campaign.rule, 0)
        if unused > 0:
            await ports.budgets.release(campaign, unused)


async def budgets_left(ports: Ports) -> Mapping[str, int]:
    """What the budgets have left, for a preview (nothing reserved)."""
    budgeted = [c for c in ports.program.campaigns if c.limits.budget is not None]
    return await ports.budgets.left(budgeted) if budgeted else {}

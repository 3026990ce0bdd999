"""The member view, identical on every surface: built from domain.view.member_view."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import strawberry

from domain import challenges as challenges_domain
from domain import countdowns as countdowns_domain
from domain import greeting as greeting_domain
from domain import ledger as ledger_domain
from domain import view as view_domain
from domain.channel import Channel
from domain.identity import IdentifierKind
from domain.ledger import EntryKind
from domain.member import LineRecord, RewardStatus
from domain.member import Member as DomainMember
from domain.member import MemberReward as DomainMemberReward
from domain.messaging import churn as churn_domain
from domain.messaging.addresses import with_addresses
from domain.program import Program as DomainProgram
from domain.program import Tier as DomainTier
from schema import enums  # noqa: F401  (registers the enums)
from schema.greeting import GreetingCues
from schema.messaging import EngagementModules, MessagingProfile
from schema.partners import MemberPartnerLink
from schema.program import Reward, Tier
from schema.views import view_type

DEFAULT_HISTORY_PAGE = 20


@strawberry.type
class Identifier:
    kind: IdentifierKind
    value: str


if TYPE_CHECKING:  # the checker sees the domain's classes, which resolvers hand over
    from domain.challenges import MemberChallenge
    from domain.countdowns import Countdown
    from domain.view import TierProgress
else:
    TierProgress = view_type(
        view_domain.TierProgress,
        descriptions={"requalify_by": "when the tier is reviewed; null on the entry tier"},
        known={DomainTier: Tier},
    )
    Countdown = view_type(countdowns_domain.Countdown)
    MemberChallenge = view_type(
        challenges_domain.MemberChallenge,
        descriptions={
            "progress": "purchases, stores or whole currency units so far, up to the target",
            "deadline": "when the current round ends; null: no time limit, or not started",
        },
    )


@strawberry.type(description="A voucher issued by a redemption")
class MemberReward:
    id: strawberry.ID
    code: str
    status: RewardStatus
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None
    reward: Reward | None

    @classmethod
    def of(cls, voucher: DomainMemberReward, program: DomainProgram) -> MemberReward:
        reward = program.reward(voucher.reward_id)
        return cls(
            id=strawberry.ID(voucher.id),
            code=voucher.code,
            status=voucher.status,
            issued_at=voucher.issued_at,
            expires_at=voucher.expires_at,
            used_at=voucher.used_at,
            reward=Reward.of(reward) if reward else None,
        )


@strawberry.type(name="LedgerEntry")
class LedgerEntry:
    id: strawberry.ID
    kind: EntryKind
    points: int
    channel: Channel | None
    store_id: str | None
    order_id: str | None
    reason: str | None
    created_at: datetime
    partner: str | None = strawberry.field(
        default=None, description="the partner it happened at (its activity, or a link)"
    )

    @classmethod
    def of(cls, entry: ledger_domain.LedgerEntry) -> LedgerEntry:
        return cls(
            id=strawberry.ID(entry.id),
            kind=entry.kind,
            points=entry.points,
            channel=entry.channel,
            store_id=entry.store_id,
            order_id=entry.order_id,
            reason=entry.reason,
            created_at=entry.created_at,
            partner=entry.partner,
        )


@strawberry.type(description="A line of the cart as recorded, with the points it earned.")
class EarnedLine:
    sku: str
    category: str
    quantity: int
    unit_price: Decimal
    earns: bool
    points: int

    @classmethod
    def of(cls, line: LineRecord) -> EarnedLine:
        # Field by field, not `asdict` (which deep-copies every value): a twenty-line
        # purchase answers with twenty of these.
        return cls(
            sku=line.sku,
            category=line.category,
            quantity=line.quantity,
            unit_price=line.unit_price,
            earns=line.earns,
            points=line.points,
        )


@strawberry.type
class LedgerEdge:
    cursor: str
    node: LedgerEntry


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None

    @classmethod
    def of(cls, cursors: list[str], has_next_page: bool) -> PageInfo:
        return cls(has_next_page=has_next_page, end_cursor=cursors[-1] if cursors else None)


@strawberry.type
class LedgerConnection:
    edges: list[LedgerEdge]
    page_info: PageInfo


@strawberry.type
class Member:
    id: strawberry.ID
    version: int = strawberry.field(description="goes up by exactly one on every change")
    display_name: str | None
    identifiers: list[Identifier]
    balance: int = strawberry.field(description="points; negative only after a return's clawback")
    tier: Tier
    tier_progress: TierProgress
    rewards: list[MemberReward]
    countdowns: list[Countdown]
    challenges: list[MemberChallenge] = strawberry.field(
        description="the program's challenges open now or completed, with this member's progress"
    )
    pending_balance: int = strawberry.field(
        description="points earned but held until the return window's hold ends: not "
        "spendable yet (see the POINTS_PENDING countdown)"
    )
    referral_code: str | None = strawberry.field(
        description="the code a friend enrolls with (enrollMember referralCode); both are "
        "rewarded when the friend's first qualifying purchase clears its hold"
    )
    all_ids: strawberry.Private[tuple[str, ...]]
    # The member the view was made from, for the fields computed only when asked for.
    source: strawberry.Private[DomainMember]

    @strawberry.field(description="ledger entries, newest first")
    async def history(
        self,
        info: strawberry.Info[Any, Any],
        first: int = DEFAULT_HISTORY_PAGE,
        after: str | None = None,
    ) -> LedgerConnection:
        page = await info.context.history(self.all_ids, first, after)
        edges = [LedgerEdge(cursor=c, node=LedgerEntry.of(e)) for c, e in page.entries]
        return LedgerConnection(
            edges=edges, page_info=PageInfo.of([e.cursor for e in edges], page.has_next_page)
        )

    @strawberry.field(description="its month and day make the birthday week (campaigns)")
    def birthday(self) -> date | None:
        return self.source.birthday

    @strawberry.field(
        description="IANA name: the member's local day (birthday week) and quiet hours; "
        "null: the program's"
    )
    def time_zone(self) -> str | None:
        return self.source.time_zone

    @strawberry.field(description="the member's accounts at partners (linked with a code)")
    def partner_links(self) -> list[MemberPartnerLink]:
        return [MemberPartnerLink.of(link) for link in self.source.partner_links]

    @strawberry.field(description="consent, time zone and channels (the member's settings)")
    async def messaging(self, info: strawberry.Info[Any, Any]) -> MessagingProfile:
        stored = await info.context.messaging_of(self.source.id)
        return MessagingProfile.of(with_addresses(stored.profile, self.source))

    @strawberry.field(description="the app's home modules: onboarding and 'we miss you'")
    async def engagement(self, info: strawberry.Info[Any, Any]) -> EngagementModules:
        ctx = info.context
        stored = await ctx.messaging_of(self.source.id)
        return EngagementModules.of(
            self.source, stored.profile, ctx.messaging.policy.churn, ctx.ports.clock.now()
        )

    @strawberry.field(description="what staff greet the member with: new, birthday, win-back, tier")
    def greeting(self, info: strawberry.Info[Any, Any]) -> GreetingCues:
        ctx, member = info.context, self.source
        now = ctx.ports.clock.now()
        at_risk = churn_domain.churn_risk(member, ctx.messaging.policy.churn, now).at_risk
        program = ctx.ports.program
        zone, entry = member.time_zone or program.time_zone, program.tiers[0].code
        return greeting_domain.greeting_cues(member, now, zone, at_risk, entry)

    @classmethod
    def of(
        cls, view: view_domain.MemberView, program: DomainProgram, source: DomainMember
    ) -> Member:
        return cls(
            id=strawberry.ID(view.id),
            version=view.version,
            display_name=view.display_name,
            identifiers=[Identifier(kind=i.kind, value=i.value) for i in view.identifiers],
            balance=view.balance,
            tier=Tier.of(view.tier),
            tier_progress=view.tier_progress,
            rewards=[MemberReward.of(r, program) for r in view.rewards],
            countdowns=list(view.countdowns),
            challenges=list(view.challenges),
            pending_balance=view.pending_balance,
            referral_code=source.referral_code,
            all_ids=view.all_ids,
            source=source,
        )

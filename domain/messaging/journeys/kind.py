"""What every journey module declares: its reason, what starts it, the check that the reason
still holds, its deadline and its template values. Defaults say "nothing", so a module
states only what its journey does."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar, get_type_hints

from domain.ledger import EntryKind
from domain.member import Member, OrderRecord
from domain.program import Program

if TYPE_CHECKING:
    from domain.messaging.policy import JourneyPolicy, MessagingPolicy


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a journey wants to write. Its fields name the state the message depends on, so
    that right before sending the worker can check it still holds; together they are the
    message's subject, so one message is made per reason however often a job runs."""

    @classmethod
    def tag(cls) -> str:
        """How stored messages name the reason: `TierReached` is TIER_REACHED."""
        return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).upper()

    def subject(self) -> str:
        values = [_text(getattr(self, f.name)) for f in dataclasses.fields(self)]
        return ":".join(values) if values else "-"

    def to_doc(self) -> dict[str, Any]:
        # Full precision: the intent key is built from these and must not change.
        fields = {f.name: _text(getattr(self, f.name)) for f in dataclasses.fields(self)}
        return {"kind": self.tag(), **fields}

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Reason:
        dated = _dated_fields(cls)
        values = {
            f.name: datetime.fromisoformat(doc[f.name]) if f.name in dated else doc[f.name]
            for f in dataclasses.fields(cls)
        }
        return cls(**values)


_DATED: dict[type, frozenset[str]] = {}


def _dated_fields(reason: type[Reason]) -> frozenset[str]:
    """A reason's fields typed `datetime`, worked out once per class: resolving type hints
    cost more than the rest of reading a message (every open message, every dispatch)."""
    dated = _DATED.get(reason)
    if dated is None:
        hints = get_type_hints(reason)
        fields = dataclasses.fields(reason)
        dated = _DATED[reason] = frozenset(f.name for f in fields if hints[f.name] is datetime)
    return dated


def _parsed(text: str, kind: object) -> object:
    return datetime.fromisoformat(text) if kind is datetime else text


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


@dataclass(frozen=True, slots=True)
class ChangeSeen:
    """A committed member event, as the journeys job sees it: the member read fresh, and the
    event's cause and tiers (the tier as of that version: the member may have moved on)."""

    member: Member
    cause: EntryKind
    tier: str
    previous_tier: str | None
    order: OrderRecord | None  # the order a purchase recorded
    program: Program


R = TypeVar("R", bound=Reason)

# Which member sweep of the cron jobs asks a journey for intents (`workers.cron`).
EXPIRING_SOON = "expiring soon"  # members with something expiring within the longest lead
EVERY_MEMBER = "every member"  # the daily pass over every live member


class JourneyKind(Generic[R]):
    reason: type[R]
    reminds: ClassVar[bool] = False  # its program section sets `lead_days`
    sweep: ClassVar[str | None] = None  # EXPIRING_SOON, EVERY_MEMBER, or only on changes

    def on_change(self, seen: ChangeSeen, policy: MessagingPolicy, now: datetime) -> tuple[R, ...]:
        """The reasons a committed change gives this journey (due now)."""
        return ()

    def on_sweep(
        self,
        member: Member,
        policy: MessagingPolicy,
        journey: JourneyPolicy,
        now: datetime,
        program: Program,
    ) -> tuple[tuple[R, datetime], ...]:
        """The reasons a cron sweep finds in the member, each with when it is due. (The
        program: for reasons that rest on its rules, such as the points a tier needs.)"""
        return ()

    def why_not(self, reason: R, member: Member, now: datetime, program: Program) -> str | None:
        """None while the reason holds; otherwise what changed, in words staff can read."""
        return None

    def deadline(self, reason: R, member: Member) -> datetime | None:
        """After this the message is pointless (a reminder after its deadline)."""
        return None

    def values(self, reason: R, member: Member, program: Program) -> dict[str, Any]:
        """What the journey's template needs beyond the member view."""
        return {}

"""Loyalty partners (an airline, a bank card, a delivery app): the `[partners.NAME]` sections
of the program file, and who may act for a partner.

A partner finds members by its own external ids (`domain.partner_links`), awards points for
what members do with it at its own earn rate within a monthly budget
(`domain.partner_earning`), and sees of a member only what its field policy lists
(`domain.partner_view`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from domain.access import Principal, Role
from domain.errors import InvalidInput

if TYPE_CHECKING:
    from domain.program import Program

# What a field policy may list: the member's fields a partner can be allowed to see. Never
# identifiers, history, vouchers or messages: those are not in a partner's view at all.
PARTNER_FIELDS = frozenset({"displayName", "tier", "balance", "pendingBalance", "memberSince"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_LINK_CODE_MINUTES = 60


@dataclass(frozen=True, slots=True)
class PartnerLink:
    """A member's account at a partner (`domain.partner_links`)."""

    partner: str
    external_id: str
    linked_at: datetime


@dataclass(frozen=True, slots=True)
class Partner:
    name: str  # its key in the program file, which its tokens carry
    display_name: str
    # Points per currency unit of an amount the partner reports (None: amounts refused).
    earn_rate: Decimal | None
    # The most points an activity reported as points may give (None: points refused).
    max_points: int | None
    monthly_budget: int  # points it may give in a calendar month (program's zone), in all
    fields: frozenset[str]  # its field policy: what it sees of a member (`PARTNER_FIELDS`)
    link_code_minutes: int = 10  # how long a member's link code for it stays valid
    qualifying: bool = False  # whether its points count toward the tier


def with_partners(program: Program, data: dict[str, Any]) -> Program:
    """The program with the partners its file declares (`[partners.NAME]` tables)."""
    from domain.program import ProgramError

    raw = data.get("partners", {})
    if not isinstance(raw, dict):
        raise ProgramError("program file: partners must be tables, [partners.NAME]")
    found: list[Partner] = []
    for name, table in raw.items():
        if not isinstance(table, dict):
            raise ProgramError(f"program file: partners.{name} must be a table")
        try:
            found.append(_partner(str(name), table))
        except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
            problem = f"{exc.args[0]} is missing" if isinstance(exc, KeyError) else str(exc)
            raise ProgramError(f"program file: partner {name}: {problem}") from exc
    return replace(program, partners=tuple(found))


def _partner(name: str, table: dict[str, Any]) -> Partner:
    known = {
        "name",
        "earn_rate",
        "max_points",
        "monthly_budget",
        "fields",
        "link_code_minutes",
        "qualifying",
    }
    unknown = sorted(set(table) - known)
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)}")
    if not _NAME.match(name):
        raise ValueError("its name is 1 to 64 lowercase letters, digits, _ or -")
    rate = Decimal(str(table["earn_rate"])) if "earn_rate" in table else None
    most = int(table["max_points"]) if "max_points" in table else None
    if rate is None and most is None:
        raise ValueError("give earn_rate (points per currency unit), max_points, or both")
    if rate is not None and not rate > 0:
        raise ValueError("earn_rate must be positive")
    if most is not None and most <= 0:
        raise ValueError("max_points must be positive")
    budget = int(table["monthly_budget"])
    if budget <= 0:
        raise ValueError("monthly_budget must be positive")
    fields = table.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise ValueError("fields must be a list of field names")
    beyond = sorted(set(fields) - PARTNER_FIELDS)
    if beyond:
        allowed = ", ".join(sorted(PARTNER_FIELDS))
        raise ValueError(f"fields: {', '.join(beyond)} cannot be shared (choose from {allowed})")
    minutes = int(table.get("link_code_minutes", 10))
    if not 1 <= minutes <= MAX_LINK_CODE_MINUTES:
        raise ValueError(f"link_code_minutes must be 1 to {MAX_LINK_CODE_MINUTES}")
    qualifying = table.get("qualifying", False)
    if not isinstance(qualifying, bool):
        raise ValueError("qualifying must be true or false")
    return Partner(
        name=name,
        display_name=str(table.get("name", name)),
        earn_rate=rate,
        max_points=most,
        monthly_budget=budget,
        fields=frozenset(fields),
        link_code_minutes=minutes,
        qualifying=qualifying,
    )


def partner_named(program: Program, name: str, field: str = "partner") -> Partner:
    """The program's partner by name; INVALID_INPUT naming the partners it has otherwise."""
    found = next((p for p in program.partners if p.name == name), None)
    if found is None:
        names = ", ".join(p.name for p in program.partners) or "none"
        raise InvalidInput(field, f"no partner {name!r} in the program; it has {names}")
    return found


def acts_for(principal: Principal, partner: str) -> bool:
    """A partner's token acts for its own partner only; an admin's for any."""
    if principal.role is Role.PARTNER:
        return principal.partner == partner
    return principal.role is Role.ADMIN

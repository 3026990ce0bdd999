"""Referral codes at enrollment: the new member's own code, claimed as identifiers are
(unique in the key registry), and the referrer a friend's code names, with its refusals."""

from __future__ import annotations

from dataclasses import replace

from domain.errors import (
    AlreadyMember,
    AlreadyReferred,
    InvalidInput,
    MemberNotFound,
    ReferralCodeUnknown,
    SelfReferral,
)
from domain.handlers.members import finish_merges
from domain.identity import Identifier
from domain.member import Member
from domain.ports import Ports
from domain.referrals import (
    ReferralLink,
    normalise_referral_code,
    referral_code_for,
    referral_key,
)

# Codes tried before giving up on one (8 characters of 31: a clash is rare already).
MAX_ATTEMPTS = 8


async def referrer_for(
    ports: Ports, typed: str | None, identifiers: tuple[Identifier, ...]
) -> Member | None:
    """The live member a friend's code names (None: no code given). Refused: an unknown
    code; an identifier that is the referrer's own (SELF_REFERRAL), another referred
    member's (ALREADY_REFERRED) or any other member's (ALREADY_MEMBER): referrals bring in
    customers new to the program, once each."""
    if typed is None:
        return None
    if ports.program.referrals is None:
        raise InvalidInput("referralCode", f"{ports.program.name} has no referral rewards")
    code = normalise_referral_code(typed)
    owner = await ports.keys.owner_of(referral_key(code))
    try:
        referrer = None if owner is None else await finish_merges(ports, owner)
    except MemberNotFound:  # claimed by an enrollment that never finished
        referrer = None
    if referrer is None:
        raise ReferralCodeUnknown(f"no member has the referral code {code}")
    for identifier in identifiers:
        held = await ports.keys.owner_of(identifier.key)
        try:
            known = None if held is None else await finish_merges(ports, held)
        except MemberNotFound:  # a crashed enrollment's claim: enrolling takes it over
            known = None
        if known is None:
            continue
        what = f"{identifier.kind.value} {identifier.value}"
        if known.id == referrer.id:
            raise SelfReferral(f"{what} is the referrer's own: nobody refers themselves")
        if known.referral is not None:
            raise AlreadyReferred(f"{what} was referred already: a friend is referred once")
        raise AlreadyMember(f"{what} is already a member: referrals are for new customers")
    return referrer


async def with_referral(ports: Ports, member: Member, referrer: Member | None) -> Member:
    """The new member with their own code claimed, and linked to their referrer."""
    code = None
    for attempt in range(MAX_ATTEMPTS):
        candidate = referral_code_for(member.id, attempt)
        if await ports.keys.claim(referral_key(candidate), member.id) == member.id:
            code = candidate
            break
    link = None if referrer is None else ReferralLink(referrer.id, member.id)
    return replace(member, referral_code=code, referral=link)

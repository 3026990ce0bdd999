"""Linking members at partners: a member's link code, the partner's link with it, and either
side's unlink (`domain.partner_links`); and a partner's lookup by its external id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.channel import Channel
from domain.commands import MemberRef
from domain.errors import ExternalIdTaken, LinkCodeInvalid, MemberNotFound, MemberNotLinked
from domain.handlers.enroll_member import STALE_CLAIM
from domain.handlers.members import change_member, current, finish_merges, resolve
from domain.member import Member
from domain.partner_links import (
    external_id_of,
    is_linked,
    link_code_digest,
    link_key,
    link_partner,
    links_at,
    new_link_code,
    unlink_partner,
)
from domain.partners import Partner, PartnerLink
from domain.ports import Ports


@dataclass(frozen=True, slots=True)
class LinkCode:
    code: str
    expires_at: datetime


async def create_link_code(ports: Ports, partner: Partner, ref: MemberRef) -> LinkCode:
    member = await resolve(ports, ref)
    code = new_link_code()
    expires_at = ports.clock.now() + timedelta(minutes=partner.link_code_minutes)
    await ports.partners.save_code(partner.name, member.id, link_code_digest(code), expires_at)
    return LinkCode(code, expires_at)


async def find_linked(ports: Ports, partner: Partner, external_id: str) -> Member:
    """The member linked at `partner` under `external_id`, as of now; MEMBER_NOT_LINKED for
    any other id (another partner's, an email, a link since undone)."""
    external_id = external_id_of(external_id)
    not_linked = MemberNotLinked(f"no member is linked at {partner.name} as {external_id}")
    owner = await ports.keys.owner_of(link_key(partner.name, external_id))
    if owner is None:
        raise not_linked
    try:
        member = await current(ports, MemberRef(id=owner))
    except MemberNotFound:
        raise not_linked from None
    if not is_linked(member, partner.name, external_id):  # a key an unlink left behind
        raise not_linked
    return member


async def link_member(ports: Ports, partner: Partner, code: str, external_id: str) -> Member:
    """Spend the member's code on the partner's external id and link them; a retry with the
    same code and external id links nothing more and answers the same."""
    digest, external_id = link_code_digest(code), external_id_of(external_id)
    member_id = await ports.partners.use_code(partner.name, digest, external_id, ports.clock.now())
    if member_id is None:
        raise LinkCodeInvalid(f"no live link code {code.strip()} for {partner.name}")
    member = await finish_merges(ports, member_id)
    key = link_key(partner.name, external_id)
    await _claim(ports, partner, external_id, member.id)
    before = links_at(member, partner.name)
    try:
        written = await change_member(
            ports,
            member,
            lambda m: link_partner(
                m, partner.name, external_id, Channel.PARTNER, ports.clock.now(), ports.new_id
            ),
        )
    except BaseException:
        if not is_linked(member, partner.name, external_id):
            await ports.keys.release(key, member.id)
        raise
    await _release_unlinked(ports, before, written.member)
    return written.member


async def _claim(ports: Ports, partner: Partner, external_id: str, member_id: str) -> None:
    key = link_key(partner.name, external_id)
    owner = await ports.keys.claim(key, member_id)
    if owner == member_id:
        return
    try:
        holder = await finish_merges(ports, owner)
    except MemberNotFound:
        holder = None
    if holder is not None and holder.id == member_id:
        return  # merged into this member: its key already
    taken = ExternalIdTaken(f"this external id is linked at {partner.name} to another member")
    if holder is not None and is_linked(holder, partner.name, external_id):
        raise taken
    # Left by a link that crashed before its write, or by an unlink before its release:
    # taken over once it is older than a link in flight can be.
    claimed_before = ports.clock.now() - STALE_CLAIM
    if not await ports.keys.take_over(key, owner, member_id, claimed_before):
        raise taken


async def unlink_by_partner(ports: Ports, partner: Partner, external_id: str) -> Member:
    member = await find_linked(ports, partner, external_id)
    external_id = external_id_of(external_id)
    return await _unlink(ports, partner, member, external_id)


async def unlink_by_member(ports: Ports, partner: Partner, ref: MemberRef) -> Member:
    """Every link the member has at the partner; none is no error (already unlinked)."""
    return await _unlink(ports, partner, await resolve(ports, ref), None)


async def _unlink(
    ports: Ports, partner: Partner, member: Member, external_id: str | None
) -> Member:
    before = links_at(member, partner.name)
    written = await change_member(
        ports,
        member,
        lambda m: unlink_partner(
            m, partner.name, external_id, Channel.PARTNER, ports.clock.now(), ports.new_id
        ),
    )
    await _release_unlinked(ports, before, written.member)
    return written.member


async def _release_unlinked(ports: Ports, before: tuple[PartnerLink, ...], after: Member) -> None:
    """Free the keys of links the write removed (after it: a crash in between leaves a key
    that lookups check against the member, and a later link takes over)."""
    for link in before:
        if not is_linked(after, link.partner, link.external_id):
            await ports.keys.release(link_key(link.partner, link.external_id), after.id)

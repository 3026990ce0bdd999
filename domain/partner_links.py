"""A member's accounts at partners, linked with the member's consent.

The member makes a link code in the app (`createPartnerLinkCode`) and hands it to the
partner, which links its own external id with it (`linkPartnerMember`): the code is the
consent. A code is single-use, expires in minutes, and names one partner; a newer code for
the same partner replaces it. The member or the partner can unlink.

A link lives on the member (one per partner: linking again with a new code replaces it;
a merge may leave a survivor with both members' links) and, for lookups, under the key
`PARTNER:<partner>:<external id>` in the key registry: a partner only ever looks up keys
under its own name, so it reaches neither another partner's ids nor an email, phone or card.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import replace
from datetime import datetime

from domain.channel import Channel
from domain.codes import CODE_ALPHABET
from domain.errors import InvalidInput
from domain.events import Change
from domain.ledger import EntryKind, LedgerEntry, NewId
from domain.member import Member
from domain.partners import PartnerLink
from domain.validation import require_id

MAX_EXTERNAL_ID_LENGTH = 128
LINK_CODE_LENGTH = 12  # ~59 bits: unguessable within its minutes, however many are live
_LINK_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{LINK_CODE_LENGTH}}}$")


def link_key(partner: str, external_id: str) -> str:
    """The key registry's key: scoped to the partner (partner names hold no colon)."""
    return f"PARTNER:{partner}:{external_id}"


def external_id_of(raw: str) -> str:
    return require_id("externalId", raw, MAX_EXTERNAL_ID_LENGTH)


def new_link_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(LINK_CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LINK_CODE_LENGTH, 4))


def link_code_digest(typed: str) -> str:
    """What is stored of a code (never the code: a read of the store links no one): the
    digest of the code as typed, spaces, dashes and case ignored."""
    raw = re.sub(r"[\s-]", "", typed).upper()
    if not _LINK_CODE.match(raw):
        raise InvalidInput("linkCode", "a link code is 12 letters or digits, like ABCD-EFGH-JKMN")
    return hashlib.sha256(raw.encode()).hexdigest()


def links_at(member: Member, partner: str) -> tuple[PartnerLink, ...]:
    return tuple(link for link in member.partner_links if link.partner == partner)


def is_linked(member: Member, partner: str, external_id: str) -> bool:
    return any(link.external_id == external_id for link in links_at(member, partner))


def link_partner(
    member: Member,
    partner: str,
    external_id: str,
    channel: Channel | None,
    now: datetime,
    new_id: NewId,
) -> Change | None:
    """The member linked at `partner` under `external_id`, replacing a link it had there
    (the member consented anew); None when it is linked so already."""
    if is_linked(member, partner, external_id):
        return None
    kept = tuple(link for link in member.partner_links if link.partner != partner)
    after = replace(member, partner_links=(*kept, PartnerLink(partner, external_id, now)))
    return _linked_change(member, after, EntryKind.PARTNER_LINKED, partner, channel, now, new_id)


def unlink_partner(
    member: Member,
    partner: str,
    external_id: str | None,
    channel: Channel | None,
    now: datetime,
    new_id: NewId,
) -> Change | None:
    """The member without its link(s) at `partner` (all, or the one for `external_id`);
    None when there is nothing to unlink."""
    kept = tuple(
        link
        for link in member.partner_links
        if link.partner != partner or (external_id is not None and link.external_id != external_id)
    )
    if kept == member.partner_links:
        return None
    after = replace(member, partner_links=kept)
    return _linked_change(member, after, EntryKind.PARTNER_UNLINKED, partner, channel, now, new_id)


def _linked_change(
    before: Member,
    after: Member,
    kind: EntryKind,
    partner: str,
    channel: Channel | None,
    now: datetime,
    new_id: NewId,
) -> Change:
    verb = "linked at" if kind is EntryKind.PARTNER_LINKED else "unlinked from"
    entry = LedgerEntry(
        new_id("ent"),
        before.id,
        kind,
        0,
        now,
        channel=channel,
        reason=f"{verb} partner {partner}",
        partner=partner,
    )
    return Change(after, (entry,), kind, channel, None, entry.id)


def pooled_links(
    survivor: tuple[PartnerLink, ...], duplicate: tuple[PartnerLink, ...]
) -> tuple[PartnerLink, ...]:
    """A merge keeps both members' links: each external id still names the customer (its
    key is repointed to the survivor with the duplicate's other keys)."""
    known = {(link.partner, link.external_id) for link in survivor}
    return (
        *survivor,
        *(link for link in duplicate if (link.partner, link.external_id) not in known),
    )

from __future__ import annotations

from datetime import timedelta

from domain.commands import EnrollMember
from domain.enrollment import enroll_member, identifier_taken, validate_enrollment
from domain.events import Commit, MemberChanged
from domain.handlers.members import finish_merges
from domain.handlers.referral_codes import referrer_for, with_referral
from domain.identity import Identifier
from domain.ledger import EntryKind
from domain.member_profile import with_checked_profile
from domain.ports import Ports
from domain.program_stats import stats_delta

# A claim whose member never got written (a crash mid-enrollment) is reclaimable after this.
STALE_CLAIM = timedelta(seconds=30)


async def handle(cmd: EnrollMember, ports: Ports) -> Commit:
    identifiers = validate_enrollment(cmd, ports.program)
    cmd = with_checked_profile(cmd, ports.clock.now())
    referrer = await referrer_for(ports, cmd.referral_code, identifiers)
    member_id = ports.new_id("mbr")
    claimed: list[Identifier] = []
    try:
        for identifier in identifiers:
            if not await claim_identifier(ports, identifier, member_id):
                raise identifier_taken(identifier)
            claimed.append(identifier)
    except BaseException:
        for identifier in claimed:
            await ports.keys.release(identifier.key, member_id)
        raise
    now = ports.clock.now()
    member, entry = enroll_member(member_id, identifiers, cmd, ports.program, now, ports.new_id)
    member = await with_referral(ports, member, referrer)
    event = MemberChanged(
        member.id,
        member.version,
        EntryKind.ENROLLED,
        cmd.channel,
        None,
        entry.id,
        member.tier.code,
        None,
        stats=stats_delta(None, member, (entry,)),
    )
    commit = Commit(member, 0, (entry,), event, previous=member)
    await ports.members.create(commit)
    await ports.outbox.deliver(commit)
    return commit


async def claim_identifier(ports: Ports, identifier: Identifier, member_id: str) -> bool:
    """Claim an identifier for a member; a claim left by a crashed enrollment is taken over."""
    owner = await ports.keys.claim(identifier.key, member_id)
    if owner == member_id:
        return True
    if await ports.members.get(owner) is not None:
        # Held by a live member, or by one merged into `member_id` (then it is ours already).
        return (await finish_merges(ports, owner)).id == member_id
    claimed_before = ports.clock.now() - STALE_CLAIM
    return await ports.keys.take_over(identifier.key, owner, member_id, claimed_before)

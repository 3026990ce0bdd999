from __future__ import annotations

from domain.commands import fingerprint
from domain.events import Change
from domain.handlers.members import Keyed, change_member, resolve
from domain.member import Member
from domain.member_profile import UpdateMemberProfile, update_profile, validate_profile_update
from domain.ports import Ports


async def handle(cmd: UpdateMemberProfile, ports: Ports) -> Member:
    cmd = validate_profile_update(cmd, ports.clock.now())
    member = await resolve(ports, cmd.member)

    def rule(current: Member) -> Change | None:
        return update_profile(current, cmd, ports.clock.now(), ports.new_id)

    key = cmd.idempotency_key
    request = None if key is None else Keyed(key, fingerprint(cmd))
    return (await change_member(ports, member, rule, request)).member

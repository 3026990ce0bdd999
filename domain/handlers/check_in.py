from __future__ import annotations

from domain.commands import CheckIn
from domain.handlers.members import change_member, resolve
from domain.member import Member
from domain.ports import Ports
from domain.visits import check_in, validate_check_in


async def handle(cmd: CheckIn, ports: Ports) -> Member:
    cmd = validate_check_in(cmd)
    member = await resolve(ports, cmd.member)
    written = await change_member(
        ports, member, lambda current: check_in(current, cmd, ports.clock.now(), ports.new_id)
    )
    return written.member

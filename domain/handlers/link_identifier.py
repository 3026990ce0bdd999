from __future__ import annotations

from domain.commands import LinkIdentifier
from domain.enrollment import identifier_taken, link_identifier
from domain.handlers.enroll_member import claim_identifier
from domain.handlers.members import change_member, resolve
from domain.identity import normalise_identifier
from domain.member import Member
from domain.ports import Ports


async def handle(cmd: LinkIdentifier, ports: Ports) -> Member:
    identifier = normalise_identifier(
        cmd.identifier.kind, cmd.identifier.value, ports.program.default_phone_region
    )
    member = await resolve(ports, cmd.member)
    if not await claim_identifier(ports, identifier, member.id):
        raise identifier_taken(identifier)
    written = await change_member(
        ports,
        member,
        lambda current: link_identifier(
            current, identifier, cmd.channel, ports.clock.now(), ports.new_id
        ),
    )
    return written.member

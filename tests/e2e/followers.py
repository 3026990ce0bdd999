"""Subscribers for test_topology.py: real graphql-transport-ws clients, each with its own
token (connection caps count per caller), reading `memberUpdated` in the background."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from gql.client import AsyncClientSession

from domain.access import Role
from tests.e2e.conftest import subscriber
from tests.e2e.test_member_updated import follow
from tests.e2e.topology import Api, token, until


@dataclass
class Follower:
    """One subscriber's `memberUpdated` stream, read in the background."""

    name: str
    seen: list[dict[str, Any]] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    def start(self, session: AsyncClientSession, member_id: str) -> None:
        async def read() -> None:
            async for update in follow(session, member_id):
                self.seen.append(update["memberUpdated"])

        self.task = asyncio.create_task(read())

    async def reaches(self, member: dict[str, Any]) -> None:
        """Wait for an update showing `member` as it is."""

        async def shown() -> bool:
            if self.task is not None and self.task.done():
                self.task.result()  # the stream ended: say why
                raise AssertionError(f"{self.name}: the stream ended")
            return bool(self.seen) and _view(self.seen[-1]["member"]) == _view(member)

        try:
            await until(shown)
        except TimeoutError:
            raise AssertionError(f"{self.name} never showed {member}: {self.seen}") from None

    def check_order(self) -> None:
        """A member's versions only go up; the same version again only as a SNAPSHOT (a
        resync); another member only by a merge (the survivor's versions from then on)."""
        assert self.seen and self.seen[0]["cause"]["kind"] == "SNAPSHOT", self.seen
        for before, after in zip(self.seen, self.seen[1:], strict=False):
            assert after["version"] == after["member"]["version"], after
            if after["member"]["id"] != before["member"]["id"]:
                assert after["cause"]["kind"] == "MERGED", (self.name, self.seen)
            elif after["cause"]["kind"] == "SNAPSHOT":
                assert after["version"] >= before["version"], (self.name, self.seen)
            else:
                assert after["version"] > before["version"], (self.name, self.seen)


def _view(member: dict[str, Any]) -> tuple[Any, ...]:
    return member["id"], member["version"], member["balance"], member["tier"]["code"]


@dataclass
class Subscribers:
    """Followers over real WebSockets, each with its own token (connection caps count per
    caller)."""

    exits: AsyncExitStack
    followers: list[Follower] = field(default_factory=list)

    async def add(self, api: Api, member_id: str) -> Follower:
        n = len(self.followers) + 1
        name = f"subscriber {n} of {member_id} on :{api.port}"
        session = await self.exits.enter_async_context(
            subscriber(api.address, token(Role.CALLCENTER, f"topology-{n}-{time.time_ns()}"))
        )
        follower = Follower(name)
        follower.start(session, member_id)
        self.followers.append(follower)
        await until(lambda: _has_snapshot(follower))
        return follower

    async def close(self) -> None:
        for follower in self.followers:
            if follower.task is not None:
                follower.task.cancel()
        await self.exits.aclose()


async def _has_snapshot(follower: Follower) -> bool:
    return bool(follower.seen)


async def subscribers() -> Subscribers:
    return Subscribers(AsyncExitStack())

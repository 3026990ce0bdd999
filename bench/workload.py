"""The requests of each scenario, numbered so that both sides send the same sequence."""

from __future__ import annotations

from collections.abc import Sequence

import orjson

from bench.load import Connection, Reply
from bench.queries import MEMBER_VIEW, RECORD_PURCHASE, purchase_input


def amount(number: int) -> str:
    return f"{5 + number % 120}.{number % 100:02d}"


class Workload:
    """Member views rotate over `viewed`; purchases rotate over `buyers` with fresh ids."""

    def __init__(self, viewed: Sequence[str], buyers: Sequence[str], run: str) -> None:
        self.viewed = tuple(viewed)
        self.buyers = tuple(buyers)
        self.run = run
        self._member_bodies = tuple(
            orjson.dumps({"query": MEMBER_VIEW, "variables": {"id": member_id}})
            for member_id in self.viewed
        )

    async def graphql_member(self, connection: Connection, number: int) -> Reply:
        body = self._member_bodies[number % len(self._member_bodies)]
        return await connection.request("POST", "/graphql", body)

    async def bare_member(self, connection: Connection, number: int) -> Reply:
        member_id = self.viewed[number % len(self.viewed)]
        return await connection.request("GET", f"/bare/member/{member_id}")

    def order_id(self, side: str, number: int) -> str:
        return f"{self.run}-{side}-{number}"

    def _purchase(self, side: str, number: int) -> dict[str, object]:
        buyer = self.buyers[number % len(self.buyers)]
        return purchase_input(buyer, self.order_id(side, number), amount(number))

    async def graphql_purchase(self, connection: Connection, number: int) -> Reply:
        variables = {"input": self._purchase("g", number)}
        body = orjson.dumps({"query": RECORD_PURCHASE, "variables": variables})
        return await connection.request("POST", "/graphql", body)

    async def bare_purchase(self, connection: Connection, number: int) -> Reply:
        body = orjson.dumps(self._purchase("b", number))
        return await connection.request("POST", "/bare/purchase", body)

    async def healthz(self, connection: Connection, number: int) -> Reply:
        return await connection.request("GET", "/healthz")

    @staticmethod
    def ok_status(reply: Reply) -> bool:
        return reply.status == 200

    @staticmethod
    def ok_member(reply: Reply) -> bool:
        return reply.status == 200 and b'"errors"' not in reply.body and b'"id"' in reply.body

    @staticmethod
    def ok_purchase(reply: Reply) -> bool:
        return reply.status == 200 and b'"PointsEarned"' in reply.body

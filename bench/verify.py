"""Set-up and the start-of-run check that both sides answer the same JSON."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

import httpx
import orjson

from bench.queries import ENROLL_MEMBER, MEMBER_VIEW, RECORD_PURCHASE, purchase_input


class Mismatch(SystemExit):
    pass


async def graphql(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    response = await client.post(
        "/graphql", content=orjson.dumps({"query": query, "variables": variables})
    )
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise Mismatch(f"GraphQL failed: {response.status_code} {response.text[:500]}")
    return body


async def enroll_members(client: httpx.AsyncClient, count: int) -> list[str]:
    """Fresh members for the purchases, so that no single member document grows huge."""
    tag = int(time.time() * 1000)

    async def enroll(number: int) -> str:
        variables = {
            "input": {
                "identifiers": [{"kind": "EMAIL", "value": f"bench-{tag}-{number}@example.com"}],
                "displayName": f"Bench Buyer {number}",
                "channel": "POS",
            }
        }
        payload = (await graphql(client, ENROLL_MEMBER, variables))["data"]["enrollMember"]
        if payload["__typename"] != "MemberEnrolled":
            raise Mismatch(f"enrolling failed: {payload}")
        return str(payload["member"]["id"])

    return list(await asyncio.gather(*(enroll(n) for n in range(count))))


def first_difference(left: Any, right: Any, path: str = "$") -> str | None:
    if isinstance(left, dict) and isinstance(right, dict):
        if list(left) != list(right):
            return f"{path}: keys {list(left)} != {list(right)}"
        for key in left:
            found = first_difference(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path}: {len(left)} items != {len(right)}"
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            found = first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    return None if left == right and type(left) is type(right) else f"{path}: {left!r} != {right!r}"


def shape(value: Any) -> Any:
    """Keys and types, not values: what two purchases must share."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    return type(value).__name__


async def check_member_views(client: httpx.AsyncClient, member_ids: Sequence[str]) -> None:
    for member_id in member_ids:
        through_graphql = await graphql(client, MEMBER_VIEW, {"id": member_id})
        bare = (await client.get(f"/bare/member/{member_id}")).json()
        if through_graphql["data"]["member"] is None:
            raise Mismatch(f"member {member_id} not found")
        difference = first_difference(through_graphql, bare)
        if difference:
            raise Mismatch(f"member view of {member_id} differs: {difference}")


def held(member: dict[str, Any]) -> int:
    """All the member's points: spendable and pending."""
    return int(member["balance"]) + int(member["pendingBalance"])


async def check_purchases(client: httpx.AsyncClient, member_id: str) -> None:
    """A GraphQL then a bare purchase of the same amount: same shape, consecutive versions."""
    variables = {"input": purchase_input(member_id, f"verify-g-{time.time_ns()}", "42.50")}
    first = await graphql(client, RECORD_PURCHASE, variables)
    body = orjson.dumps(purchase_input(member_id, f"verify-b-{time.time_ns()}", "42.50"))
    second = (await client.post("/bare/purchase", content=body)).json()
    difference = first_difference(shape(first), shape(second))
    a, b = first["data"]["recordPurchase"], second["data"]["recordPurchase"]
    if difference or a["__typename"] != "PointsEarned":
        raise Mismatch(f"purchase payloads differ: {difference or a}")
    same = ("kind", "points", "channel", "storeId", "reason")
    problems = [f"entry.{key}" for key in same if a["entry"][key] != b["entry"][key]]
    if a["member"]["id"] != b["member"]["id"] or a["member"]["tier"] != b["member"]["tier"]:
        problems.append("member id or tier")
    if b["member"]["version"] != a["member"]["version"] + 1:
        problems.append("member.version is not consecutive")
    # Points held (the demo holds them 14 days) are pendingBalance until released.
    if held(b["member"]) != held(a["member"]) + b["entry"]["points"]:
        problems.append("member.balance + pendingBalance did not grow by the entry's points")
    if problems:
        raise Mismatch(f"purchase payloads differ: {', '.join(problems)}: {a} / {b}")

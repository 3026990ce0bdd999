"""What the purchase benchmarks share (`bench.preview`, `bench.campaigns`): a server of the
product app on a store with enrolled members and open connections, and `recordPurchase`
requests of a cart for those members."""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from app.auth import issue_token
from app.settings import Settings
from bench.graphql_overhead import free_port, server, wait_ready
from bench.load import Connection, Reply
from bench.server import HOST
from bench.stores import NAMES, Store
from bench.verify import enroll_members
from domain.access import Role

Buy = Callable[[Connection, int], Awaitable[Reply]]


@contextlib.asynccontextmanager
async def served(
    store: Store,
    tag: str,
    args: argparse.Namespace,
    program: Path | None = None,
    settings: dict[str, str] | None = None,
) -> AsyncIterator[tuple[list[Connection], list[str]]]:
    """A server on `store` (with `program`, else the demo's; `settings`: more TESSERA_*
    variables), `args.members` enrolled members, and 8 connections to it."""
    port = free_port()
    secret = Settings().secret.get_secret_value()
    headers = {
        "authorization": f"Bearer {issue_token(secret, Role.ADMIN)}",
        "content-type": "application/json",
    }
    env = {**store.environment(tag), "TESSERA_SECRET": secret}
    if program is not None:
        env["TESSERA_PROGRAM"] = str(program)
    env.update(settings or {})
    with server(port, env) as process:
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}", headers=headers, timeout=60
        ) as client:
            await wait_ready(client, process)
            members = await enroll_members(client, args.members)
        connections = [await Connection.open(HOST, port, headers) for _ in range(8)]
        try:
            yield connections, members
        finally:
            for connection in connections:
                await connection.close()


def buyer(
    members: list[str], lines: list[dict[str, Any]], tag: str, query: str
) -> Callable[[int], Buy]:
    """For each round, a request of the cart for the nth member under a fresh order id."""

    def for_round(r: int) -> Buy:
        async def buy(c: Connection, n: int) -> Reply:
            order = f"{tag}-{r}-{n}"
            variables = {
                "input": {
                    "member": {"id": members[n % len(members)]},
                    "orderId": order,
                    "currency": "EUR",
                    "channel": "POS",
                    "storeId": "store-001",
                    "idempotencyKey": order,
                    "lines": lines,
                }
            }
            body = orjson.dumps({"query": query, "variables": variables})
            return await c.request("POST", "/graphql", body)

        return buy

    return for_round


def ratio_arguments(
    description: str, rounds: int, requests: int, ferretdb_requests: int
) -> argparse.ArgumentParser:
    """The options of a benchmark of two or three sides in alternating rounds on each store."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--stores", nargs="+", choices=NAMES, default=list(NAMES))
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--requests", type=int, default=requests, help="of each side, per round")
    parser.add_argument(
        "--ferretdb-requests", type=int, default=ferretdb_requests, help="the same, on FerretDB"
    )
    return parser

"""The logs of a real `tessera serve`: JSON lines on stderr, one access line per request
with its request id (echoed in `X-Request-Id`), operation, role, status, duration and
outcome; and never a token."""

from __future__ import annotations

from typing import Any

import httpx

from tests.e2e.served import Served, tessera_serve

LOOK = 'query LookUp { member(ref: {id: "mbr_demo_ben"}) { balance } }'
UNNAMED_PURCHASE = """mutation { recordPurchase(input: {member: {id: "mbr_demo_ben"},
  orderId: "A-1", amount: "1e3", currency: "EUR", channel: POS, idempotencyKey: "A-1"}) {
  __typename ... on Error { code } } }"""


def by_id(served: Served, request_id: str) -> list[dict[str, Any]]:
    return [line for line in served.access() if line["request_id"] == request_id]


async def test_each_request_gets_one_json_access_line_and_its_request_id_back() -> None:
    async with tessera_serve() as served, httpx.AsyncClient(base_url=served.url) as client:
        pos = {"authorization": f"Bearer {served.tokens['pos']}"}
        # given a named query with the caller's request id
        named = await client.post(
            "/graphql", json={"query": LOOK}, headers={**pos, "x-request-id": "till-7/42"}
        )
        # an unnamed mutation answered with a payload error, and no request id of its own
        unnamed = await client.post("/graphql", json={"query": UNNAMED_PURCHASE}, headers=pos)
        # a forged token, and a request id that is not one (spaces, and far too long)
        forged = await client.post(
            "/graphql",
            json={"query": "{ program { name } }"},
            headers={"authorization": "Bearer forged.token.text", "x-request-id": "a b"},
        )
        too_long = await client.get("/healthz", headers={"x-request-id": "x" * 200})
        # and a member following someone else over SSE
        member = {"authorization": f"Bearer {served.tokens['member']}"}
        stream = await client.post(
            "/graphql",
            json={"query": 'subscription { memberUpdated(ref: {id: "mbr_demo_ben"}) { version } }'},
            headers={**member, "accept": "text/event-stream"},
        )
        responses = [named, unnamed, forged, too_long, stream]
        await served.logged(*(response.headers["x-request-id"] for response in responses))
        lines = {
            name: by_id(served, response.headers["x-request-id"])
            for name, response in {
                "named": named,
                "unnamed": unnamed,
                "forged": forged,
                "too_long": too_long,
                "stream": stream,
            }.items()
        }

    assert named.headers["x-request-id"] == "till-7/42"
    assert forged.headers["x-request-id"] not in {"a b", ""}
    assert len(too_long.headers["x-request-id"]) == 32  # a new one, not the caller's
    assert {name: len(found) for name, found in lines.items()} == dict.fromkeys(lines, 1)
    (named_line,) = lines["named"]
    assert named_line["operation"] == "LookUp"
    assert (named_line["role"], named_line["status"], named_line["outcome"]) == ("pos", 200, "ok")
    assert named_line["level"] == "info" and named_line["message"] == "request"
    assert isinstance(named_line["duration_ms"], float) and named_line["duration_ms"] > 0
    assert {"timestamp", "method", "path", "transport"} <= set(named_line)
    (unnamed_line,) = lines["unnamed"]
    assert unnamed_line["operation"] == "recordPurchase"  # the first field
    assert (unnamed_line["outcome"], unnamed_line["error_codes"]) == ("error", ["INVALID_INPUT"])
    (forged_line,) = lines["forged"]
    assert forged_line["role"] is None
    assert forged_line["error_codes"] == ["UNAUTHENTICATED"]
    assert lines["too_long"][0]["path"] == "/healthz"
    (stream_line,) = lines["stream"]
    assert (stream_line["transport"], stream_line["operation"]) == ("sse", "memberUpdated")
    assert (stream_line["role"], stream_line["error_codes"]) == ("member", ["FORBIDDEN"])


async def test_no_token_and_no_uvicorn_access_line_reaches_the_logs() -> None:
    async with tessera_serve() as served, httpx.AsyncClient(base_url=served.url) as client:
        for token in served.tokens.values():
            await client.post(
                "/graphql",
                json={"query": "{ program { name } }"},
                headers={"authorization": f"Bearer {token}"},
            )
        await client.post(
            "/graphql",
            json={"query": "{ program { name } }"},
            headers={"authorization": "Bearer forged.token.text"},
        )
        last = await client.get("/healthz", headers={"authorization": "Bearer forged.token.text"})
        await served.logged(last.headers["x-request-id"])

    text = "\n".join(served.stderr)
    assert served.logs()  # every line parsed as JSON
    for token in [*served.tokens.values(), "forged.token.text"]:
        assert token not in text
    assert "authorization" not in text.lower() and "bearer" not in text.lower()
    assert not [line for line in served.logs() if line.get("logger") == "uvicorn.access"]
    assert not [line for line in served.logs() if '"POST /graphql' in line.get("message", "")]

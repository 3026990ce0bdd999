"""Follow one Tessera member live: the snapshot first, then one line per change.

    export TESSERA_TOKEN=...   # `make run` prints tokens, or `tessera token --role pos ...`
    python subscribe.py mbr_demo_ada
    python subscribe.py --count 2 EMAIL:ada@example.com

Speaks graphql-transport-ws through gql, as the graphql-ws JS client does. After a dropped
connection it reconnects and the server sends the snapshot again, so nothing is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import AsyncGenerator
from contextlib import aclosing
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportError, TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from websockets import ConnectionClosed

DEFAULT_URL = "ws://127.0.0.1:8000/graphql"
HOW_TO_GET_A_TOKEN = (
    "`make run` prints a bearer token for each surface, "
    "or run `tessera token --role pos --store store-001`"
)
IDENTIFIER_KINDS = ("EMAIL", "PHONE", "APP_DEVICE", "WEB_COOKIE", "POS_CARD", "EXTERNAL")
RECONNECTS = 5  # in a row, and only once a connection has worked

MEMBER_UPDATED = """
subscription Follow($ref: MemberRef!) {
  memberUpdated(ref: $ref) {
    version
    cause { kind channel storeId }
    member { id displayName balance tier { code name } countdowns { kind label } }
  }
}
"""


class Refused(Exception):
    """A failure the user has to fix; the message says how."""


def member_ref(text: str) -> dict[str, Any]:
    """`mbr_demo_ada` is an id; `EMAIL:ada@example.com` is an identifier of that kind."""
    kind, colon, value = text.partition(":")
    if not colon:
        return {"id": text}
    if kind.upper() not in IDENTIFIER_KINDS:
        raise argparse.ArgumentTypeError(
            f"unknown identifier kind {kind!r}; use one of {', '.join(IDENTIFIER_KINDS)}"
        )
    return {"identifier": {"kind": kind.upper(), "value": value}}


def positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def line(update: dict[str, Any]) -> str:
    """`v7 EARNED  balance 1203  SILVER  | 3700 points to Gold  @ store-001`"""
    member, cause = update["member"], update["cause"]
    text = f"v{update['version']} {cause['kind']}  balance {member['balance']}"
    text += f"  {member['tier']['code']}"
    if member["countdowns"]:
        text += f"  | {member['countdowns'][0]['label']}"
    where = cause["storeId"] or cause["channel"]
    return f"{text}  @ {where}" if where else text


async def updates(
    url: str, token: str, ref: dict[str, Any]
) -> AsyncGenerator[dict[str, Any], None]:
    transport = WebsocketsTransport(
        url=url,
        init_payload={"authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )
    request = GraphQLRequest(MEMBER_UPDATED, variable_values={"ref": ref})
    try:
        async with Client(transport=transport, fetch_schema_from_transport=False) as session:
            async for result in session.subscribe(request):
                yield result["memberUpdated"]
    except TransportQueryError as exc:
        raise Refused(_messages(exc.errors) or str(exc)) from None
    except TransportError as exc:
        if _close_code(exc) == 4403:
            raise Refused(
                "the server refused the token (close code 4403): it is missing, invalid or "
                f"expired, or it holds too many connections. {HOW_TO_GET_A_TOKEN}"
            ) from None
        raise


async def follow(url: str, token: str, ref: dict[str, Any], count: int | None) -> None:
    printed, failures = 0, 0
    while True:
        try:
            async with aclosing(updates(url, token, ref)) as feed:  # closes the socket
                async for update in feed:
                    # One write per line: other programs may print to the same terminal.
                    sys.stdout.write(f"{line(update)}\n")
                    sys.stdout.flush()
                    printed, failures = printed + 1, 0
                    if count is not None and printed >= count:
                        return
            raise Refused("the server ended the subscription")
        except (TransportError, OSError) as exc:
            if not printed or failures >= RECONNECTS:
                raise Refused(f"cannot follow the member at {url}: {_describe(exc)}") from None
            failures += 1
            print(f"connection lost ({_describe(exc)}); reconnecting", file=sys.stderr)
            await asyncio.sleep(2**failures)


def _messages(errors: list[Any] | None) -> str:
    described = []
    for error in errors or []:
        code = (error.get("extensions") or {}).get("code")
        described.append(f"{error['message']} ({code})" if code else str(error["message"]))
    return "; ".join(described)


def _close_code(exc: BaseException) -> int | None:
    cause = exc.__cause__
    if isinstance(cause, ConnectionClosed) and cause.rcvd is not None:
        return cause.rcvd.code
    return None


def _describe(exc: BaseException) -> str:
    """gql's own messages ("Connect failed") hide the reason, which is in the cause."""
    code = _close_code(exc)
    if code is not None:
        return f"connection closed with code {code}"
    reason = exc.__cause__ if isinstance(exc, TransportError) and exc.__cause__ else exc
    return str(reason) or type(reason).__name__


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Print a Tessera member's live view: a snapshot, then every change.",
        epilog=f"TESSERA_URL (default {DEFAULT_URL}) and TESSERA_TOKEN are read from the "
        "environment.",
    )
    parser.add_argument(
        "member",
        type=member_ref,
        help="a member id (mbr_demo_ada) or KIND:value (EMAIL:ada@example.com)",
    )
    parser.add_argument("--count", type=positive, help="exit after this many updates")
    args = parser.parse_args(argv)
    token = os.environ.get("TESSERA_TOKEN", "").strip()
    if not token:
        parser.exit(2, f"subscribe: set TESSERA_TOKEN. {HOW_TO_GET_A_TOKEN}\n")
    url = os.environ.get("TESSERA_URL") or DEFAULT_URL
    try:
        asyncio.run(follow(url, token, args.member, args.count))
    except Refused as exc:
        print(f"subscribe: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

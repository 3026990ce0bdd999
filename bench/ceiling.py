"""The stack's ceiling: a bare Starlette route that answers the same bytes as Tessera.

Run as `python -m bench.ceiling PORT MEMBER_BODY PURCHASE_BODY` by
`bench.graphql_overhead`, on the same interpreter, uvicorn, uvloop and httptools as
`bench.server`. `POST /graphql` reads the request body and answers, with the same
content type, the bytes Tessera answered to a member view or to a purchase (told apart by
the operation's name in the body): what serving those answers costs with no GraphQL, no
Tessera and no store behind them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.server import HOST, SERVED

PURCHASE_MARK = b"RecordPurchase"


def ceiling_app(member: bytes, purchase: bytes) -> Starlette:
    async def answer(request: Request) -> Response:
        body = member if PURCHASE_MARK not in await request.body() else purchase
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/graphql", answer, methods=["POST"])])


def main(argv: list[str]) -> int:
    port, member, purchase = int(argv[1]), Path(argv[2]), Path(argv[3])
    app = ceiling_app(member.read_bytes(), purchase.read_bytes())
    uvicorn.run(app, host=HOST, port=port, **SERVED)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))

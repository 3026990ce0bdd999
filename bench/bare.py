"""Bare FastAPI endpoints that do the GraphQL operations' work without GraphQL.

Mounted on the product app by the benchmark only. Each endpoint reads the token, calls the
same domain handlers and view function as the resolvers, and answers the same JSON as the
GraphQL response for `bench.queries`, so the difference between the two is the GraphQL
layer (parsing, validation, execution, per-field resolution and its result building).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from fastapi import FastAPI, Request, Response

from app.auth import BadToken, TokenReader
from app.wiring import Tessera
from bench.queries import HISTORY_PAGE
from domain.access import Action, Principal, Role
from domain.channel import Channel
from domain.commands import MemberRef, RecordPurchase
from domain.errors import LoyaltyError, MemberNotFound
from domain.handlers import record_purchase
from domain.handlers.members import current
from domain.ledger import LedgerEntry
from domain.member import Member
from domain.ports import Ports
from domain.program import Tier
from domain.view import member_view

Json = dict[str, Any]


def _json(body: Json, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def tier_json(tier: Tier) -> Json:
    return {
        "code": tier.code,
        "name": tier.name,
        "threshold": tier.threshold,
        "earnMultiplier": str(tier.earn_multiplier),
        "benefits": list(tier.benefits),
    }


def entry_json(entry: LedgerEntry) -> Json:
    return {
        "id": entry.id,
        "kind": entry.kind.name,
        "points": entry.points,
        "channel": entry.channel.name if entry.channel else None,
        "storeId": entry.store_id,
        "orderId": entry.order_id,
        "reason": entry.reason,
        "createdAt": _time(entry.created_at),
    }


async def member_json(ports: Ports, member: Member) -> Json:
    """The `MemberView` selection of `bench.queries`, field for field."""
    program = ports.program
    view = member_view(member, program, ports.clock.now())
    page = await ports.ledger.history(view.all_ids, HISTORY_PAGE, None)
    catalog = {r.id: r for r in program.rewards}
    wanted = {v.reward_id for v in view.rewards if v.reward_id in catalog}
    stock = await ports.stock.available([catalog[r] for r in sorted(wanted)])
    progress = view.tier_progress
    edges = [{"cursor": cursor, "node": entry_json(entry)} for cursor, entry in page.entries]
    rewards = []
    for voucher in view.rewards:
        reward = catalog.get(voucher.reward_id)
        rewards.append(
            {
                "id": voucher.id,
                "code": voucher.code,
                "status": voucher.status.name,
                "issuedAt": _time(voucher.issued_at),
                "expiresAt": _time(voucher.expires_at),
                "usedAt": _time(voucher.used_at),
                "reward": None
                if reward is None
                else {
                    "id": reward.id,
                    "name": reward.name,
                    "cost": reward.cost,
                    "minTier": reward.min_tier,
                    "available": stock.get(reward.id),
                },
            }
        )
    return {
        "id": view.id,
        "version": view.version,
        "displayName": view.display_name,
        "balance": view.balance,
        "identifiers": [{"kind": i.kind.name, "value": i.value} for i in view.identifiers],
        "tier": tier_json(view.tier),
        "tierProgress": {
            "qualifyingPoints": progress.qualifying_points,
            "nextTier": tier_json(progress.next_tier) if progress.next_tier else None,
            "pointsToNextTier": progress.points_to_next_tier,
            "requalifyBy": _time(progress.requalify_by),
        },
        "rewards": rewards,
        "countdowns": [
            {
                "kind": c.kind.name,
                "label": c.label,
                "pointsRemaining": c.points_remaining,
                "deadline": _time(c.deadline),
            }
            for c in view.countdowns
        ],
        "history": {
            "edges": edges,
            "pageInfo": {
                "hasNextPage": page.has_next_page,
                "endCursor": edges[-1]["cursor"] if edges else None,
            },
        },
    }


def _principal(tokens: TokenReader, request: Request, action: Action) -> Principal | Response:
    """The same checks as `TesseraContext.require`, answered as a plain HTTP error."""
    try:
        principal = tokens.read(request.headers.get("authorization"))
    except BadToken as exc:
        return _json({"error": str(exc)}, 401)
    if principal is None:
        return _json({"error": "a bearer token is required"}, 401)
    if not principal.may(action):
        return _json({"error": f"may not {action.value}"}, 403)
    return principal


def mount_bare(app: FastAPI) -> None:
    """Add `/bare/member/{id}` and `/bare/purchase` to `app` (the benchmark's copy only)."""
    tessera: Tessera = app.state.tessera
    ports = tessera.ports
    # The same verified-token cache as /graphql: the same work on both sides.
    tokens = TokenReader(tessera.settings.secret.get_secret_value(), tessera.clock)

    @app.get("/bare/member/{member_id}")
    async def bare_member(member_id: str, request: Request) -> Response:
        principal = _principal(tokens, request, Action.VIEW_MEMBER)
        if isinstance(principal, Response):
            return principal
        try:
            member = await current(ports, MemberRef(id=member_id))
        except MemberNotFound:
            return _json({"data": {"member": None}})
        return _json({"data": {"member": await member_json(ports, member)}})

    @app.post("/bare/purchase")
    async def bare_purchase(request: Request) -> Response:
        principal = _principal(tokens, request, Action.RECORD_PURCHASE)
        if isinstance(principal, Response):
            return principal
        body = orjson.loads(await request.body())
        store_id = principal.store_id if principal.role is Role.POS else body.get("storeId")
        cmd = RecordPurchase(
            member=MemberRef(id=body["member"]["id"]),
            order_id=body["orderId"],
            amount=Decimal(body["amount"]),
            currency=body["currency"],
            channel=Channel[body["channel"]],
            store_id=store_id,
            idempotency_key=body["idempotencyKey"],
        )
        try:
            result = await record_purchase.handle(cmd, ports)
        except LoyaltyError as exc:
            payload: Json = {
                "__typename": type(exc).__name__,
                "code": exc.code.name,
                "message": exc.message,
            }
        else:
            view = member_view(result.member, ports.program, ports.clock.now())
            payload = {
                "__typename": "PointsEarned",
                "member": {
                    "id": view.id,
                    "version": view.version,
                    "balance": view.balance,
                    "pendingBalance": view.pending_balance,
                    "tier": {"code": view.tier.code, "name": view.tier.name},
                },
                "entry": entry_json(result.entry),
            }
        return _json({"data": {"recordPurchase": payload}})

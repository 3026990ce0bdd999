"""Bearer tokens (JWT): Tessera's own (HS256, issued for the demo and the CLI) and the brand's
identity provider's (RS256, ES256; `app.token_keys`), read on every request.

Who may do what once the caller is known is `domain.access`."""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime

import jwt

from app.token_keys import ISSUER, BadToken, TokenKeys
from domain.access import Principal, Role
from domain.clock import Clock

__all__ = ["ISSUER", "BadToken", "TokenKeys", "TokenReader", "issue_token", "verify_token"]


def issue_token(
    secret: str,
    role: Role,
    member_id: str | None = None,
    store_id: str | None = None,
    ttl_seconds: int = 86400,
    subject: str | None = None,
    now: datetime | None = None,
    key_id: str = ISSUER,
    partner: str | None = None,
) -> str:
    """A token valid `ttl_seconds` from `now` (the wall clock unless a test's clock says)."""
    if role is Role.MEMBER and not member_id:
        raise ValueError("a member token needs --member")
    if role is Role.POS and not store_id:
        raise ValueError("a pos token needs --store")
    if role is Role.PARTNER and not partner:
        raise ValueError("a partner token needs --partner")
    issued = int((now or datetime.now(UTC)).timestamp())
    claims: dict[str, object] = {
        "iss": ISSUER,
        # Limits count per (role, subject): give each till or agent a subject of its own.
        "sub": subject or member_id or f"{role.value}:{partner or store_id or 'hq'}",
        "role": role.value,
        "iat": issued,
        "exp": issued + ttl_seconds,
    }
    if member_id:
        claims["member_id"] = member_id
    if store_id:
        claims["store_id"] = store_id
    if partner:
        claims["partner"] = partner
    return jwt.encode(claims, secret, algorithm="HS256", headers={"kid": key_id})


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, however `Bearer` is spelled."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BadToken("use an 'Authorization: Bearer <token>' header")
    return token.strip()


class TokenReader:
    """Verified tokens are kept until they expire: a client sends the same token with every
    request, and checking its HMAC each time cost about a tenth of a member view. Only
    tokens that verified are kept, so a forged one is checked (and refused) every time."""

    def __init__(self, keys: TokenKeys | str, clock: Clock, size: int = 10_000) -> None:
        self._keys = keys if isinstance(keys, TokenKeys) else TokenKeys(keys)
        self._clock = clock
        self._size = size
        self._verified: OrderedDict[str, Principal] = OrderedDict()

    def read(self, authorization: str | None) -> Principal | None:
        token = bearer_token(authorization)
        if token is None:
            return None
        principal = self._verified.get(token)
        if principal is None:
            principal = verify_token(self._keys, token, self._clock.now())
            self._verified[token] = principal
            if len(self._verified) > self._size:
                self._verified.popitem(last=False)
        elif principal.expired(self._clock.now()):
            del self._verified[token]
            raise BadToken("the token has expired")
        return principal

    def knows(self, authorization: str | None) -> bool:
        """True for a token verified before (and not expired): no signature to check."""
        try:
            token = bearer_token(authorization)
        except BadToken:
            return False
        principal = None if token is None else self._verified.get(token)
        return principal is not None and not principal.expired(self._clock.now())


def verify_token(keys: TokenKeys | str, token: str, now: datetime) -> Principal:
    """The token's caller, if its signature holds and it has not expired at `now`."""
    claims = (keys if isinstance(keys, TokenKeys) else TokenKeys(keys)).claims(token)
    try:
        role = Role(claims["role"])
        expires_at = float(claims["exp"])
    except (KeyError, ValueError, TypeError):
        raise BadToken("the token is not valid") from None
    if now.timestamp() >= expires_at:
        raise BadToken("the token has expired")
    member_id = claims.get("member_id")
    if role is Role.MEMBER and (not isinstance(member_id, str) or not member_id):
        raise BadToken("a member token must name its member")
    store_id = claims.get("store_id")
    partner = claims.get("partner")
    if role is Role.PARTNER and (not isinstance(partner, str) or not partner):
        raise BadToken("a partner token must name its partner")
    return Principal(
        role,
        str(claims["sub"]),
        member_id if isinstance(member_id, str) else None,
        store_id if isinstance(store_id, str) else None,
        expires_at,
        partner if isinstance(partner, str) else None,
    )

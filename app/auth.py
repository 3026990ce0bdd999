"""Bearer tokens (JWT, HS256): issued for the demo and the CLI, read on every request.

Who may do what once the caller is known is `domain.access`."""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import UTC, datetime

import jwt

from domain.access import Principal, Role

ISSUER = "tessera"


class BadToken(Exception):
    pass


def issue_token(
    secret: str,
    role: Role,
    member_id: str | None = None,
    store_id: str | None = None,
    ttl_seconds: int = 86400,
    subject: str | None = None,
) -> str:
    if role is Role.MEMBER and not member_id:
        raise ValueError("a member token needs --member")
    if role is Role.POS and not store_id:
        raise ValueError("a pos token needs --store")
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": ISSUER,
        # Limits count per (role, subject): give each till or agent a subject of its own.
        "sub": subject or member_id or f"{role.value}:{store_id or 'hq'}",
        "role": role.value,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    if member_id:
        claims["member_id"] = member_id
    if store_id:
        claims["store_id"] = store_id
    return jwt.encode(claims, secret, algorithm="HS256")


def read_token(secret: str, authorization: str | None) -> Principal | None:
    """None when there is no token; BadToken when there is one that cannot be trusted."""
    token = bearer_token(authorization)
    return None if token is None else verify_token(secret, token)


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

    def __init__(self, secret: str, size: int = 10_000) -> None:
        self._secret = secret
        self._size = size
        self._verified: OrderedDict[str, Principal] = OrderedDict()

    def read(self, authorization: str | None) -> Principal | None:
        token = bearer_token(authorization)
        if token is None:
            return None
        principal = self._verified.get(token)
        if principal is None:
            principal = verify_token(self._secret, token)
            self._verified[token] = principal
            if len(self._verified) > self._size:
                self._verified.popitem(last=False)
        elif principal.expired(datetime.now(UTC)):
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
        return principal is not None and not principal.expired(datetime.now(UTC))


def verify_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["exp", "sub", "role"]},
        )
        role = Role(claims["role"])
    except jwt.ExpiredSignatureError:
        raise BadToken("the token has expired") from None
    except (jwt.InvalidTokenError, ValueError):
        raise BadToken("the token is not valid") from None
    member_id = claims.get("member_id")
    if role is Role.MEMBER and not member_id:
        raise BadToken("a member token must name its member")
    return Principal(
        role, str(claims["sub"]), member_id, claims.get("store_id"), float(claims["exp"])
    )

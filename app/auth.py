"""Bearer tokens (JWT, HS256) and who may do what on which surface."""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

import jwt

ISSUER = "tessera"


class Role(Enum):
    MEMBER = "member"
    POS = "pos"
    CALLCENTER = "callcenter"
    PARTNER = "partner"
    PROVIDER = "provider"  # a messaging provider (email, SMS, push) reporting delivery feedback
    ADMIN = "admin"


class Action(Enum):
    VIEW_PROGRAM = "view program"
    VIEW_MEMBER = "view a member"
    ENROLL = "enroll members"
    RECORD_PURCHASE = "record purchases"
    REDEEM = "redeem rewards"
    USE_REWARD = "use vouchers"
    ADJUST = "adjust points"
    RETURN = "record returns"
    LINK_IDENTIFIER = "link identifiers"
    MERGE = "merge members"
    CHECK_IN = "check members in at a store"
    VIEW_MESSAGES = "view members' messages and churn scores"
    SET_CONSENT = "change messaging consent and preferences"
    RECORD_FEEDBACK = "record message delivery feedback"
    VIEW_OPERATIONS = "view operational state (outbox items set aside)"


# Partners are served by persisted queries (later work); until then they may do nothing.
# Messaging providers are not loyalty partners: they may only report on messages they carried.
PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.MEMBER: frozenset(
        {
            Action.VIEW_PROGRAM,
            Action.VIEW_MEMBER,
            Action.REDEEM,
            Action.CHECK_IN,
            Action.SET_CONSENT,
        }
    ),
    Role.POS: frozenset(
        {
            Action.VIEW_PROGRAM,
            Action.VIEW_MEMBER,
            Action.ENROLL,
            Action.RECORD_PURCHASE,
            Action.REDEEM,
            Action.USE_REWARD,
            Action.RETURN,
            Action.CHECK_IN,
        }
    ),
    Role.CALLCENTER: frozenset(
        {
            Action.VIEW_PROGRAM,
            Action.VIEW_MEMBER,
            Action.ENROLL,
            Action.ADJUST,
            Action.LINK_IDENTIFIER,
            Action.MERGE,
            Action.REDEEM,
            Action.VIEW_MESSAGES,
            Action.SET_CONSENT,
        }
    ),
    Role.PARTNER: frozenset(),
    Role.PROVIDER: frozenset({Action.RECORD_FEEDBACK}),
    Role.ADMIN: frozenset(Action),
}


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    subject: str
    member_id: str | None = None
    store_id: str | None = None
    expires_at: float | None = None  # epoch seconds

    def may(self, action: Action) -> bool:
        return action in PERMISSIONS[self.role]

    @property
    def expired(self) -> bool:
        """Long-lived connections outlive tokens: each new subscription checks again."""
        return self.expires_at is not None and time.time() >= self.expires_at


class BadToken(Exception):
    pass


def issue_token(
    secret: str,
    role: Role,
    member_id: str | None = None,
    store_id: str | None = None,
    ttl_seconds: int = 86400,
) -> str:
    if role is Role.MEMBER and not member_id:
        raise ValueError("a member token needs --member")
    if role is Role.POS and not store_id:
        raise ValueError("a pos token needs --store")
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": member_id or f"{role.value}:{store_id or 'hq'}",
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
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise BadToken("use an 'Authorization: Bearer <token>' header")
    try:
        claims = jwt.decode(
            token.strip(),
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

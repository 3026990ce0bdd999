"""A partner token names its partner: everything a partner may run is looked up by that name."""

from __future__ import annotations

import jwt
import pytest

from app.auth import BadToken, TokenReader, issue_token
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import SECRET


def test_a_partner_token_carries_its_partner(clock: SettableClock) -> None:
    token = issue_token(SECRET, Role.PARTNER, partner="skyways", now=clock.now())

    principal = TokenReader(SECRET, clock).read(f"Bearer {token}")

    assert principal is not None
    assert (principal.role, principal.partner, principal.subject) == (
        Role.PARTNER,
        "skyways",
        "partner:skyways",
    )


def test_a_partner_token_without_its_partner_is_refused(clock: SettableClock) -> None:
    with pytest.raises(ValueError, match="--partner"):
        issue_token(SECRET, Role.PARTNER, now=clock.now())
    claims = {"iss": "tessera", "sub": "p", "role": "partner", "exp": 4_000_000_000}
    anonymous = jwt.encode(claims, SECRET, algorithm="HS256", headers={"kid": "tessera"})

    with pytest.raises(BadToken, match="must name its partner"):
        TokenReader(SECRET, clock).read(f"Bearer {anonymous}")

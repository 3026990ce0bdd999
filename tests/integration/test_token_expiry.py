"""A token expires on Tessera's clock, like every other deadline, even once it is cached."""

from __future__ import annotations

from datetime import timedelta

from app.auth import issue_token
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import SECRET, Api

PROGRAM = "{ program { name } }"


async def test_a_token_is_refused_once_the_clock_passes_its_expiry(
    api: Api, clock: SettableClock
) -> None:
    token = issue_token(SECRET, Role.CALLCENTER, ttl_seconds=60, now=clock.now())

    before = await api.raw(PROGRAM, token=token)  # verified, and now cached
    clock.advance(timedelta(seconds=61))
    after = await api.raw(PROGRAM, token=token)

    assert before == {"data": {"program": {"name": "Tessera Demo Rewards"}}}
    assert after["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert after["errors"][0]["message"] == "the token has expired"


async def test_a_token_that_expired_before_its_first_use_is_refused(
    api: Api, clock: SettableClock
) -> None:
    stale = issue_token(SECRET, Role.ADMIN, ttl_seconds=60, now=clock.now() - timedelta(hours=1))

    answer = await api.raw(PROGRAM, token=stale)

    assert answer["errors"][0]["message"] == "the token has expired"

"""A token expires on Tessera's clock, like every other deadline, even once it is cached; the cache
of verified tokens is keyed on the whole token (its signature too) and bounded."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.auth import BadToken, TokenReader, issue_token
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import SECRET, Api

PROGRAM = "{ program { name } }"
OTHER_SECRET = "another-secret-that-is-long-enough-for-hs256"


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


async def test_a_cached_tokens_claims_signed_with_another_key_are_refused(
    api: Api, clock: SettableClock
) -> None:
    genuine = issue_token(SECRET, Role.ADMIN, now=clock.now())
    forged = issue_token(
        "another-secret-that-is-long-enough-for-hs256", Role.ADMIN, now=clock.now()
    )

    trusted = await api.raw(PROGRAM, token=genuine)  # verified, and now cached
    refused = await api.raw(PROGRAM, token=forged)  # the same claims, another signature

    assert trusted == {"data": {"program": {"name": "Tessera Demo Rewards"}}}
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert refused["errors"][0]["message"] == "the token is not valid"


def test_the_verified_token_cache_is_bounded_and_still_checks_expiry(clock: SettableClock) -> None:
    reader = TokenReader(SECRET, clock, size=3)
    tokens = [
        issue_token(SECRET, Role.POS, store_id=f"s{n}", ttl_seconds=60, now=clock.now())
        for n in range(5)
    ]

    for token in tokens:
        reader.read(f"Bearer {token}")
    kept = [reader.knows(f"Bearer {token}") for token in tokens]
    clock.advance(timedelta(seconds=61))

    assert kept == [False, False, True, True, True]  # the oldest verified are let go
    assert not any(reader.knows(f"Bearer {token}") for token in tokens)
    for token in tokens:  # evicted or kept, an expired token is refused
        with pytest.raises(BadToken, match="expired"):
            reader.read(f"Bearer {token}")

"""The partner example (clients/examples/node/partner.mjs with ../partner.graphql) against a
live server, as a partner runs it: the member makes a link code in the app, the partner's
script links with it, records a flight (and retries it), and reads the member back."""

from __future__ import annotations

import re
import shutil

import pytest

from app.persisted_operations import load_manifest
from domain.persisted_documents import Owner, OwnerKind
from tests.conftest import Api
from tests.e2e.test_client_examples import EXAMPLES, NODE_EXAMPLE, Run, http_api, start, stop
from tests.integration.partners import link_code, partner_token

__all__ = ["http_api"]  # the fixture, shared with the other examples' tests

BEN = "mbr_demo_ben"
SKYWAYS = Owner(OwnerKind.PARTNER, "skyways")


def partner_script() -> Run:
    """The script needs Node 20 and nothing from npm (fetch is built in), so it runs without
    `npm ci`, and never races the other examples' install."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the partner example needs Node 20+")
    return Run([node, "partner.mjs"], NODE_EXAMPLE)


@pytest.fixture(autouse=True)
async def skyways_manifest(api: Api) -> None:
    """The partner's manifest, pushed as `tessera documents push` does: it runs nothing else."""
    assert api.persisted is not None
    manifest = load_manifest((EXAMPLES / "persisted" / "skyways.json").read_bytes())
    await api.persisted.push(SKYWAYS, manifest, api.tessera.clock.now())


async def test_the_partner_example_links_a_member_and_records_a_flight(
    http_api: Api, live: str
) -> None:
    code = await link_code(http_api, BEN, "skyways")  # in the app: the member's consent
    token = partner_token(http_api, "skyways")

    example = await start(partner_script(), live, token, code, "SKY-1001", "bk-1", "123.45")
    try:
        lines = [await example.line() for _ in range(4)]
        exit_code = await example.exit_code()
    finally:
        await stop(example)

    assert lines == [
        "linked SKY-1001 at skyways: tier BRONZE",
        "earned 246 points for bk-1 (PARTNER_EARNED)",
        "retried bk-1: same entry true",
        "member SKY-1001: Ben Okafor BRONZE balance 566",
    ]
    assert exit_code == 0


async def test_a_spent_code_ends_the_partner_example_with_its_error(
    http_api: Api, live: str
) -> None:
    code = await link_code(http_api, BEN, "skyways")
    token = partner_token(http_api, "skyways")
    script = partner_script()
    first = await start(script, live, token, code, "SKY-1", "bk-2", "10")
    await first.exit_code()
    await stop(first)

    second = await start(script, live, token, code, "SKY-2", "bk-3", "10")
    try:
        exit_code = await second.exit_code()
        stderr = await second.stderr()
    finally:
        await stop(second)

    assert exit_code == 1
    assert re.match(r"LinkMember: LinkCodeInvalid LINK_CODE_INVALID: ", stderr), stderr

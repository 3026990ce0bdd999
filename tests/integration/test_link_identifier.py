"""linkIdentifier: one more way to recognise the same member, never someone else's."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.graphql import LINK, MEMBER, by_id


def link(member_id: str, kind: str, value: str) -> dict[str, object]:
    return {"input": {"member": by_id(member_id), "identifier": {"kind": kind, "value": value}}}


async def test_a_linked_identifier_finds_the_member(api: Api) -> None:
    linked = (
        await api.data(LINK, link("mbr_demo_ben", "POS_CARD", "4000-0000-0002"), api.callcenter)
    )["linkIdentifier"]
    again = (
        await api.data(LINK, link("mbr_demo_ben", "POS_CARD", "400000000002"), api.callcenter)
    )["linkIdentifier"]
    found = await api.data(
        MEMBER, {"ref": {"identifier": {"kind": "POS_CARD", "value": "4000 0000 0002"}}}, api.pos
    )

    assert {"kind": "POS_CARD", "value": "400000000002"} in linked["member"]["identifiers"]
    assert again["member"]["version"] == linked["member"]["version"]  # linking twice: no change
    assert found["member"]["id"] == "mbr_demo_ben"


async def test_someone_elses_identifier_is_refused(api: Api) -> None:
    payload = (
        await api.data(LINK, link("mbr_demo_ben", "EMAIL", "ADA@example.com"), api.callcenter)
    )["linkIdentifier"]

    assert payload["code"] == "IDENTIFIER_TAKEN"
    found = await api.data(
        MEMBER, {"ref": {"identifier": {"kind": "EMAIL", "value": "ada@example.com"}}}
    )
    assert found["member"]["id"] == "mbr_demo_ada"


async def test_pos_cannot_link(api: Api) -> None:
    code = await api.error_code(LINK, link("mbr_demo_ben", "EMAIL", "b2@example.com"), api.pos)

    assert code == "FORBIDDEN"

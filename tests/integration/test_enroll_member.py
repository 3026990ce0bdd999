"""enrollMember: one member per identity; a refused enrollment leaves nothing behind."""

from __future__ import annotations

from tests.conftest import Api
from tests.integration.graphql import ENROLL, MEMBER, email


def enrollment(*identifiers: tuple[str, str], name: str | None = "Zoe") -> dict[str, object]:
    return {
        "input": {
            "identifiers": [{"kind": k, "value": v} for k, v in identifiers],
            "displayName": name,
            "channel": "POS",
        }
    }


async def test_enrollment_normalises_identifiers_and_starts_at_version_one(api: Api) -> None:
    data = await api.data(
        ENROLL, enrollment(("EMAIL", " Zoe@Example.COM "), ("PHONE", "+44 20 7946 0958")), api.pos
    )

    member = data["enrollMember"]["member"]
    assert member["version"] == 1
    assert member["balance"] == 0
    assert member["tier"]["code"] == "BRONZE"
    assert member["identifiers"] == [
        {"kind": "EMAIL", "value": "zoe@example.com"},
        {"kind": "PHONE", "value": "+442079460958"},
    ]


async def test_a_taken_identifier_refuses_the_whole_enrollment(api: Api) -> None:
    refused = await api.data(
        ENROLL, enrollment(("EMAIL", "fresh@example.com"), ("EMAIL", "ADA@example.com")), api.pos
    )
    retried = await api.data(ENROLL, enrollment(("EMAIL", "fresh@example.com")), api.pos)

    assert refused["enrollMember"]["code"] == "IDENTIFIER_TAKEN"
    assert retried["enrollMember"]["__typename"] == "MemberEnrolled"  # nothing was kept


async def test_bad_identifiers_are_invalid_input(api: Api) -> None:
    cases = [
        enrollment(),
        enrollment(("EMAIL", "not-an-email")),
        enrollment(("PHONE", "12")),
        enrollment(("EMAIL", "   ")),
        enrollment(("WEB_COOKIE", "x" * 300)),
    ]
    for variables in cases:
        data = await api.data(ENROLL, variables, api.pos)
        assert data["enrollMember"]["__typename"] == "InvalidInput", variables
        assert data["enrollMember"]["code"] == "INVALID_INPUT"


async def test_an_unknown_identifier_kind_is_a_validation_error(api: Api) -> None:
    body = await api.raw(ENROLL, enrollment(("FAX", "123")), api.pos)

    assert body["data"] is None
    assert "FAX" in body["errors"][0]["message"]


async def test_members_cannot_enroll_others(api: Api) -> None:
    token = api.token("member", member="mbr_demo_ada")

    assert await api.error_code(ENROLL, enrollment(("EMAIL", "x@example.com")), token) == (
        "FORBIDDEN"
    )
    assert (await api.data(MEMBER, {"ref": email("x@example.com")}))["member"] is None

"""The prepared-document cache and the plain-leaf executor answer exactly as plain
graphql-core would: cached verdicts stay verdicts, directives still depend on variables."""

from __future__ import annotations

from tests.conftest import Api

VIEW = '{ member(ref: {id: "mbr_demo_ada"}) { id balance tier { code earnMultiplier } } }'
DIRECTIVES = """query($full: Boolean!) { member(ref: {id: "mbr_demo_ada"}) {
  id balance @include(if: $full) tier @skip(if: $full) { code } } }"""


async def test_a_repeated_query_gives_the_same_answer(api: Api) -> None:
    first = await api.data(VIEW)
    second = await api.data(VIEW)

    assert (
        first
        == second
        == {
            "member": {
                "id": "mbr_demo_ada",
                "balance": 1150,
                "tier": {"code": "SILVER", "earnMultiplier": "1.25"},
            }
        }
    )


async def test_limits_are_enforced_on_every_request_not_only_the_first(api: Api) -> None:
    aliases = "{ " + " ".join(f"p{n}: program {{ name }}" for n in range(31)) + " }"
    deep = "{ me { " + "tier { " * 14 + "code" + " }" * 15 + " }"

    for _ in range(2):
        assert (await api.raw(aliases, token=api.admin))["errors"]
        assert (await api.raw(deep, token=api.admin))["errors"]


async def test_skip_and_include_follow_each_requests_variables(api: Api) -> None:
    full = await api.data(DIRECTIVES, {"full": True})
    brief = await api.data(DIRECTIVES, {"full": False})
    full_again = await api.data(DIRECTIVES, {"full": True})

    assert full == full_again == {"member": {"id": "mbr_demo_ada", "balance": 1150}}
    assert brief == {"member": {"id": "mbr_demo_ada", "tier": {"code": "SILVER"}}}


async def test_enum_and_null_leaves_serialise_as_graphql_says(api: Api) -> None:
    data = await api.data(
        '{ member(ref: {id: "mbr_demo_ben"}) { displayName tierProgress { requalifyBy } '
        "rewards { id } countdowns { kind deadline } } }"
    )

    member = data["member"]
    assert member["tierProgress"] == {"requalifyBy": None}
    assert member["rewards"] == []
    assert member["countdowns"] == [
        {"kind": "NEXT_REWARD", "deadline": None},
        {"kind": "NEXT_TIER", "deadline": None},
        # the end of 15 January 2027 in Paris (the demo's zone), to the millisecond
        {"kind": "POINTS_EXPIRY", "deadline": "2027-01-15T22:59:59.999000+00:00"},
    ]

"""The member's birthday and time zone through GraphQL on both stores: set at enrollment, by
updateMemberProfile, or (the zone) by setPreferences, which keeps one zone per member; a bad
date or zone is INVALID_INPUT and changes nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api
from tests.integration.graphql import ERROR, by_id
from tests.integration.steps import enrolled

FIELDS = "id version displayName birthday timeZone messaging { timeZone }"

ENROLL = f"""mutation($input: EnrollMemberInput!) {{ enrollMember(input: $input) {{
  __typename ... on MemberEnrolled {{ member {{ {FIELDS} }} }} {ERROR} }} }}"""

UPDATE = f"""mutation($input: UpdateMemberProfileInput!) {{ updateMemberProfile(input: $input) {{
  __typename ... on MemberProfileUpdated {{ member {{ {FIELDS}
    history(first: 1) {{ edges {{ node {{ kind points channel reason }} }} }} }} }}
  {ERROR} }} }}"""

PREFERENCES = f"""mutation($input: SetPreferencesInput!) {{ setPreferences(input: $input) {{
  __typename ... on PreferencesChanged {{ messaging {{ timeZone }} }} {ERROR} }} }}"""

MEMBER = f"query($ref: MemberRef!) {{ member(ref: $ref) {{ {FIELDS} }} }}"


def enrolling(email: str, **extra: Any) -> dict[str, Any]:
    identifiers = [{"kind": "EMAIL", "value": email}]
    return {"input": {"identifiers": identifiers, "channel": "POS", **extra}}


def updating(member_id: str, **fields: Any) -> dict[str, Any]:
    return {"input": {"member": by_id(member_id), **fields}}


async def test_enrollment_takes_a_birthday_and_a_time_zone(api: Api) -> None:
    given = enrolling("born@example.com", birthday="1990-12-03", timeZone="Europe/Rome")

    member = (await api.data(ENROLL, given, api.pos))["enrollMember"]["member"]

    assert (member["birthday"], member["timeZone"]) == ("1990-12-03", "Europe/Rome")
    assert member["messaging"]["timeZone"] == "Europe/Rome"  # the one zone messages use


async def test_a_bad_birthday_or_zone_refuses_the_enrollment(api: Api) -> None:
    zone = enrolling("zone@example.com", timeZone="Mars/Olympus")
    future = enrolling("zone@example.com", birthday="2999-01-01")

    bad_zone = (await api.data(ENROLL, zone, api.pos))["enrollMember"]
    bad_day = (await api.data(ENROLL, future, api.pos))["enrollMember"]
    fine = (await api.data(ENROLL, enrolling("zone@example.com"), api.pos))["enrollMember"]

    assert (bad_zone["code"], bad_zone["field"]) == ("INVALID_INPUT", "timeZone")
    assert (bad_day["code"], bad_day["field"]) == ("INVALID_INPUT", "birthday")
    assert fine["__typename"] == "MemberEnrolled"  # the refusals claimed nothing


async def test_staff_update_the_profile_and_history_says_what_changed(api: Api) -> None:
    given = await enrolled(api, "profile@example.com", "Ana")
    change = updating(
        given["id"], birthday="1985-06-30", timeZone="Asia/Tokyo", displayName="Ana B"
    )

    first = (await api.data(UPDATE, change, api.callcenter))["updateMemberProfile"]
    again = (await api.data(UPDATE, change, api.callcenter))["updateMemberProfile"]

    member = first["member"]
    assert (member["displayName"], member["birthday"], member["timeZone"]) == (
        "Ana B",
        "1985-06-30",
        "Asia/Tokyo",
    )
    assert member["messaging"]["timeZone"] == "Asia/Tokyo"
    (entry,) = [e["node"] for e in member["history"]["edges"]]
    assert entry == {
        "kind": "PROFILE_CHANGED",
        "points": 0,
        "channel": "CALL_CENTER",
        "reason": "changed name, birthday, time zone Asia/Tokyo",
    }
    assert again["member"]["version"] == member["version"]  # the same values change nothing


async def test_bad_input_changes_nothing(api: Api) -> None:
    given = await enrolled(api, "careful@example.com")
    version = given["version"]

    cases = [
        (updating(given["id"], timeZone="Europe/Atlantis"), "timeZone"),
        (updating(given["id"], timeZone="localtime"), "timeZone"),
        (updating(given["id"], birthday="2999-01-01", timeZone="Europe/Paris"), "birthday"),
        (updating(given["id"], birthday="1850-01-01"), "birthday"),
        (updating(given["id"]), "input"),
    ]
    for variables, field in cases:
        refused = (await api.data(UPDATE, variables, api.callcenter))["updateMemberProfile"]
        assert (refused["code"], refused["field"]) == ("INVALID_INPUT", field), refused

    after = (await api.data(MEMBER, {"ref": by_id(given["id"])}))["member"]
    assert (after["version"], after["birthday"], after["timeZone"]) == (version, None, None)


async def test_a_member_updates_its_own_profile_only(api: Api) -> None:
    own = await enrolled(api, "self@example.com")
    other = await enrolled(api, "other@example.com")
    token = api.token("member", member=own["id"])

    mine = await api.data(UPDATE, updating(own["id"], birthday="2000-02-29"), token)
    theirs = await api.error_code(UPDATE, updating(other["id"], birthday="2000-02-29"), token)
    till = await api.error_code(UPDATE, updating(own["id"], birthday="2000-02-29"), api.pos)

    assert mine["updateMemberProfile"]["member"]["birthday"] == "2000-02-29"
    entry = mine["updateMemberProfile"]["member"]["history"]["edges"][0]["node"]
    assert entry["channel"] == "APP"
    assert (theirs, till) == ("FORBIDDEN", "FORBIDDEN")


async def test_set_preferences_sets_the_members_one_time_zone(api: Api) -> None:
    given = await enrolled(api, "prefs@example.com")
    token = api.token("member", member=given["id"])

    set_zone = {"input": {"member": by_id(given["id"]), "timeZone": "America/Chicago"}}
    changed = (await api.data(PREFERENCES, set_zone, token))["setPreferences"]
    after = (await api.data(MEMBER, {"ref": by_id(given["id"])}))["member"]
    bad = {"input": {"member": by_id(given["id"]), "timeZone": "Nowhere/Else"}}
    refused = (await api.data(PREFERENCES, bad, token))["setPreferences"]
    still = (await api.data(MEMBER, {"ref": by_id(given["id"])}))["member"]

    assert changed["messaging"]["timeZone"] == "America/Chicago"
    assert after["timeZone"] == after["messaging"]["timeZone"] == "America/Chicago"
    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", "timeZone")
    assert still == after

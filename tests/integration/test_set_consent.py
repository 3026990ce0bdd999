"""setConsent: opt in or out per channel, from the app (own member only) or the call center;
an opt-out is obeyed by the next message."""

from __future__ import annotations

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.graphql import by_id, email
from tests.integration.messaging import (
    LATE_EVENING,
    UNTIL_MORNING,
    joined,
    message_for,
    status,
    worker_ran,
)
from tests.integration.messaging_documents import MESSAGING, SET_CONSENT, consent_of


def consent(member: dict[str, object], channel: str, value: str) -> dict[str, object]:
    return {"input": {"member": member, "channel": channel, "consent": value}}


async def test_the_call_center_records_an_opt_out_and_the_member_view_shows_it(
    api: Api,
) -> None:
    # given Ben, reachable by email and the app, never asked about consent
    # when the call center opts him out of SMS and in to email
    sms = (
        await api.data(
            SET_CONSENT, consent(by_id("mbr_demo_ben"), "SMS", "OPTED_OUT"), api.callcenter
        )
    )["setConsent"]
    mail = (
        await api.data(
            SET_CONSENT, consent(email("ben@example.com"), "EMAIL", "OPTED_IN"), api.callcenter
        )
    )["setConsent"]
    # then both answers are stored and shown, the channels never asked stay UNKNOWN
    assert (sms["__typename"], mail["__typename"]) == ("ConsentRecorded", "ConsentRecorded")
    shown = (await api.data(MESSAGING, {"ref": by_id("mbr_demo_ben")}))["member"]["messaging"]
    assert shown == mail["messaging"]
    assert shown["consents"] == [
        {"channel": "EMAIL", "consent": "OPTED_IN"},
        {"channel": "SMS", "consent": "OPTED_OUT"},
        {"channel": "PUSH", "consent": "UNKNOWN"},
        {"channel": "WALLET", "consent": "UNKNOWN"},
    ]
    assert shown["reachableChannels"] == ["EMAIL", "PUSH"]


async def test_a_member_sets_their_own_consent_and_nobody_elses(api: Api) -> None:
    ada = api.token("member", member="mbr_demo_ada")

    own = (await api.data(SET_CONSENT, consent(email("ada@example.com"), "SMS", "OPTED_IN"), ada))[
        "setConsent"
    ]
    other = await api.error_code(
        SET_CONSENT, consent(by_id("mbr_demo_ben"), "SMS", "OPTED_IN"), ada
    )

    me = await api.data("{ me { messaging { consents { channel consent } } } }", token=ada)
    assert consent_of(own["messaging"], "SMS") == "OPTED_IN"
    assert consent_of(me["me"]["messaging"], "SMS") == "OPTED_IN"
    assert other == "FORBIDDEN"
    ben = (await api.data(MESSAGING, {"ref": by_id("mbr_demo_ben")}))["member"]["messaging"]
    assert consent_of(ben, "SMS") == "UNKNOWN"


async def test_unknown_is_not_an_answer_and_changes_nothing(api: Api) -> None:
    # given Chloé opted in to email
    await api.data(SET_CONSENT, consent(by_id("mbr_demo_chloe"), "EMAIL", "OPTED_IN"))
    # when someone tries to set it back to UNKNOWN
    payload = (await api.data(SET_CONSENT, consent(by_id("mbr_demo_chloe"), "EMAIL", "UNKNOWN")))[
        "setConsent"
    ]
    # then it is refused on the consent field, and the opt-in stands
    assert (payload["code"], payload["field"]) == ("INVALID_INPUT", "consent")
    shown = (await api.data(MESSAGING, {"ref": by_id("mbr_demo_chloe")}))["member"]["messaging"]
    assert consent_of(shown, "EMAIL") == "OPTED_IN"


async def test_an_unknown_member_is_typed_for_staff(api: Api) -> None:
    payload = (
        await api.data(SET_CONSENT, consent(email("nobody@example.com"), "SMS", "OPTED_OUT"))
    )["setConsent"]

    assert payload["__typename"] == "MemberNotFound"


async def test_stores_and_providers_cannot_change_consent(api: Api) -> None:
    variables = consent(by_id("mbr_demo_ben"), "SMS", "OPTED_OUT")

    assert await api.error_code(SET_CONSENT, variables, api.pos) == "FORBIDDEN"
    assert await api.error_code(SET_CONSENT, variables, api.token("provider")) == "FORBIDDEN"
    assert await api.error_code(SET_CONSENT, variables) == "UNAUTHENTICATED"


async def test_the_next_message_obeys_an_opt_out_made_in_the_app(
    api: Api, clock: SettableClock
) -> None:
    # given a member who joins with email and the app late in the evening (quiet hours hold
    # the welcome until morning: at once, it could go out before any next request is served)
    clock.advance(LATE_EVENING)
    kai = await joined(api, "Kai", ("EMAIL", "kai@example.com"), ("APP_DEVICE", "device-kai"))
    token = api.token("member", member=kai["id"])
    # when, before the welcome goes out, they opt out of email in the app
    payload = (await api.data(SET_CONSENT, consent(by_id(kai["id"]), "EMAIL", "OPTED_OUT"), token))[
        "setConsent"
    ]
    clock.advance(UNTIL_MORNING)
    await worker_ran(api)
    # then the welcome reaches them by push, not by email
    assert payload["__typename"] == "ConsentRecorded"
    assert status(await message_for(api, kai["id"], "WELCOME")) == ("SENT", "PUSH")

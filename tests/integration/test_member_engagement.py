"""member.engagement: the app's home modules. Onboarding shows the first steps done and left;
"we miss you" shows when the churn score (the win-back journey's own rule) says the member
is slipping away. The score's parts are for staff."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.clock import SettableClock
from tests.conftest import Api
from tests.integration.graphql import LINK, by_id
from tests.integration.messaging import joined
from tests.integration.messaging_documents import SET_CONSENT
from tests.integration.steps import bought

HOME = """query { me { engagement {
  onboarding { complete steps { step done } } weMissYou } } }"""

STAFF = """query($ref: MemberRef!) { member(ref: $ref) { engagement {
  weMissYou
  churnRisk { score recency frequency monetary daysSinceLastOrder ordersCounted spendCounted
    atRisk } } } }"""

CHURN_ONLY = "query { me { engagement { weMissYou churnRisk { score } } } }"


async def home(api: Api, member_id: str) -> dict[str, Any]:
    data = await api.data(HOME, token=api.token("member", member=member_id))
    found: dict[str, Any] = data["me"]["engagement"]
    return found


def steps(modules: dict[str, Any]) -> dict[str, bool]:
    return {s["step"]: s["done"] for s in modules["onboarding"]["steps"]}


async def test_onboarding_follows_the_first_steps(api: Api) -> None:
    # given a member who just joined on the web with an email address
    pat = await joined(api, "Pat", ("EMAIL", "pat@example.com"))
    start = await home(api, pat["id"])
    # when they answer on consent, add the app and buy
    await api.data(
        SET_CONSENT,
        {"input": {"member": by_id(pat["id"]), "channel": "EMAIL", "consent": "OPTED_IN"}},
    )
    await api.data(
        LINK,
        {
            "input": {
                "member": by_id(pat["id"]),
                "identifier": {"kind": "APP_DEVICE", "value": "d-pat"},
            }
        },
    )
    await bought(api, pat["id"], "o-pat-1", "15")
    done = await home(api, pat["id"])
    # then the module went from one step of four to complete
    assert steps(start) == {
        "ADD_CONTACT": True,
        "INSTALL_APP": False,
        "SET_PREFERENCES": False,
        "FIRST_PURCHASE": False,
    }
    assert start["onboarding"]["complete"] is False
    assert set(steps(done).values()) == {True}
    assert done["onboarding"]["complete"] is True


async def test_we_miss_you_shows_once_the_member_goes_quiet(api: Api, clock: SettableClock) -> None:
    # given Ben, who bought for 320.50 EUR when the program started
    before = await home(api, "mbr_demo_ben")
    # when four months pass without an order
    clock.advance(timedelta(days=120))
    after = await home(api, "mbr_demo_ben")
    staff = (await api.data(STAFF, {"ref": by_id("mbr_demo_ben")}, api.callcenter))["member"]
    # then the app shows the module, and staff see why: full recency risk, one order of six
    assert (before["weMissYou"], after["weMissYou"]) == (False, True)
    risk = staff["engagement"]["churnRisk"]
    assert staff["engagement"]["weMissYou"] is True and risk["atRisk"] is True
    assert (risk["recency"], risk["monetary"], risk["ordersCounted"]) == (1.0, 0.0, 1)
    assert risk["daysSinceLastOrder"] == 120.0
    assert risk["score"] == 0.75  # 0.5 x 1 + 0.3 x 5/6 + 0.2 x 0
    assert risk["spendCounted"] == "320.50"


async def test_the_churn_score_is_not_shown_to_the_member(api: Api) -> None:
    body = await api.raw(CHURN_ONLY, token=api.token("member", member="mbr_demo_ben"))

    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["data"]["me"]["engagement"] == {"weMissYou": False, "churnRisk": None}

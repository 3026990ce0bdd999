"""`make run`'s banner opens each console with a demo token of the role it needs, in the
URL's fragment; without the demo it names the consoles without tokens."""

from __future__ import annotations

import re

from pydantic import SecretStr

from app.auth import TokenReader
from app.banner import banner
from app.consoles import names
from app.settings import Settings
from domain.access import Role
from domain.clock import SystemClock

SECRET = "banner-secret-that-is-long-enough-for-hs256-keys"
CONSOLE_LINE = re.compile(r"^  (\w+)\s+(http://127\.0\.0\.1:8000/console/\w+)(?:#token=(\S+))?$")
ROLES = {
    "pos": Role.POS,
    "store": Role.POS,
    "member": Role.MEMBER,
    "callcenter": Role.CALLCENTER,
    "admin": Role.ADMIN,
}


def consoles_in(text: str) -> dict[str, tuple[str, str | None]]:
    lines = [CONSOLE_LINE.match(line) for line in text.splitlines()]
    return {m[1]: (m[2], m[3]) for m in lines if m}


def test_the_demo_banner_opens_each_console_with_a_token_of_its_role() -> None:
    settings = Settings(secret=SecretStr(SECRET), demo=True, host="127.0.0.1", port=8000)
    reader = TokenReader(SECRET, SystemClock())

    shown = consoles_in(banner(settings, "Demo"))

    assert set(shown) == set(names())
    for name, (url, token) in shown.items():
        assert url.endswith(f"/console/{name}")
        assert token is not None, name
        principal = reader.read(f"Bearer {token}")
        assert principal is not None and principal.role is ROLES[name], name
    member_token = shown["member"][1] if "member" in shown else None
    if member_token:
        principal = reader.read(f"Bearer {member_token}")
        assert principal is not None and principal.member_id == "mbr_demo_ada"


def test_without_the_demo_the_banner_names_the_consoles_without_tokens() -> None:
    settings = Settings(secret=SecretStr(SECRET), demo=False, host="127.0.0.1", port=8000)

    shown = consoles_in(banner(settings, "Prod"))

    assert set(shown) == set(names())
    assert all(token is None for _, token in shown.values())

"""The consoles in a real browser: Debian's chromium driven by Playwright (never a browser
Playwright downloads), against one `tessera serve` process for the session, each test in a
fresh browser context (its own sessionStorage, so its own token). Tests enroll members of
their own through the API, so that they do not depend on one another's purchases.

When a test fails, a screenshot of each of its pages is saved under tests/artifacts/ (git
ignores it) and its path printed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from app.auth import issue_token
from domain.access import Role
from tests.e2e.served import SECRET, Served, tessera_serve

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]
HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The browser and the server live for the session, so the tests run on its loop."""
    session = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if HERE in Path(str(item.fspath)).parents and pytest_asyncio.is_async_test(item):
            item.add_marker(session, append=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    setattr(item, f"report_{report.when}", report)  # read by `browser_pages` on teardown
    return report


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def served() -> AsyncIterator[Served]:
    async with tessera_serve() as process:
        yield process


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    assert CHROMIUM.exists(), "chromium is missing: `make chromium` installs Debian's"
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=HEADLESS
        )
        yield launched
        await launched.close()


@dataclass
class Consoles:
    """Opens console pages in fresh browser contexts, and speaks GraphQL for the test's own
    set-up and checks, with the tokens `tessera serve` printed."""

    served: Served
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)

    @property
    def tokens(self) -> dict[str, str]:
        return self.served.tokens

    def member_token(self, member_id: str) -> str:
        return issue_token(SECRET, Role.MEMBER, member_id)

    async def open(self, console: str, token: str | None, *, width: int = 1180) -> Page:
        """A console in a context of its own (a tablet-sized window), its token in the
        fragment; None opens it without one."""
        context = await self.browser.new_context(viewport={"width": width, "height": 900})
        self.contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(5000)
        fragment = f"#token={token}" if token else ""
        await page.goto(f"{self.served.url}/console/{console}{fragment}")
        return page

    async def graphql(
        self, token: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.served.url) as client:
            answer = await client.post(
                "/graphql",
                json={"query": query, "variables": variables or {}},
                headers={"authorization": f"Bearer {token}"},
            )
        body: dict[str, Any] = answer.json()
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    async def enroll(self, name: str, email: str, **extra: Any) -> str:
        """A new member, enrolled at the till; its id."""
        data = await self.graphql(
            self.tokens["pos"],
            """mutation($input: EnrollMemberInput!) { enrollMember(input: $input) {
                __typename ... on MemberEnrolled { member { id } } ... on Error { message } } }""",
            {
                "input": {
                    "identifiers": [{"kind": "EMAIL", "value": email}],
                    "displayName": name,
                    "channel": "POS",
                    **extra,
                }
            },
        )
        assert data["enrollMember"]["__typename"] == "MemberEnrolled", data
        member_id: str = data["enrollMember"]["member"]["id"]
        return member_id


@pytest_asyncio.fixture(loop_scope="session")
async def consoles(
    served: Served, browser: Browser, request: pytest.FixtureRequest
) -> AsyncIterator[Consoles]:
    opened = Consoles(served, browser)
    yield opened
    failed = any(
        getattr(getattr(request.node, f"report_{when}", None), "failed", False)
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        pages = [page for context in opened.contexts for page in context.pages]
        for number, page in enumerate(pages, 1):
            path = ARTIFACTS / f"{name}-{number}.png"
            await page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failed test's page {page.url.split('#')[0]}: {path}")
    for context in opened.contexts:
        await context.close()

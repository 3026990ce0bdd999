"""Rendering a message with Jinja2 from the member view, at the member's current version.

The numbers come from `domain.view.member_view` (balance, tier, progress) and its
`countdowns_for`: the functions that serve the GraphQL member view, so an email and the app
agree. One template per journey in `workers/templates/` (`<journey name>.txt.j2`, its values
from the journey's module), with a `subject` and a `body` block;
a message that carries merged journeys appends each one's `also` block to its body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import (
    BaseLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    Template,
)

from domain.countdowns import CountdownKind
from domain.member import Member
from domain.messaging.journeys import Intent
from domain.messaging.message import Rendered
from domain.program import Program
from domain.view import MemberView, member_view


@dataclass(frozen=True, slots=True)
class Rendering:
    rendered: Rendered
    version: int  # the member version the numbers were read at


class Renderer:
    def __init__(self, program: Program, templates: Path | None = None) -> None:
        """`templates`: a folder of templates; by default the ones shipped in this package."""
        self._program = program
        loader: BaseLoader = (
            FileSystemLoader(templates) if templates else PackageLoader("workers", "templates")
        )
        self._env = Environment(
            loader=loader,
            undefined=StrictUndefined,  # a typo in a template fails loudly, not as ""
            autoescape=False,  # plain text: email text/plain, push and SMS bodies
        )

    def render(
        self,
        member: Member,
        intent: Intent,
        merged: tuple[Intent, ...],
        now: datetime,
        zone: ZoneInfo,
    ) -> Rendering:
        view = member_view(member, self._program, now)
        main = self._template(intent)
        values = self._values(member, view, intent, zone)
        subject = _block(main, "subject", values).strip()
        parts = [_block(main, "body", values).strip()]
        for extra in merged:
            also = self._template(extra)
            parts.append(_block(also, "also", self._values(member, view, extra, zone)).strip())
        return Rendering(Rendered(subject, "\n\n".join(p for p in parts if p)), member.version)

    def _template(self, intent: Intent) -> Template:
        return self._env.get_template(f"{intent.journey.name.lower()}.txt.j2")

    def _values(
        self, member: Member, view: MemberView, intent: Intent, zone: ZoneInfo
    ) -> dict[str, Any]:
        countdowns = {c.kind: c for c in view.countdowns}
        values: dict[str, Any] = {
            "program": self._program,
            "member": view,
            "name": view.display_name or "there",
            "next_reward": countdowns.get(CountdownKind.NEXT_REWARD),
            "next_tier": countdowns.get(CountdownKind.NEXT_TIER),
            "day": lambda at: at.astimezone(zone).strftime("%d %B %Y"),
        }
        # What the journey's own template needs (the order, the voucher...), its module says.
        values.update(intent.journey.kind.values(intent.reason, member, self._program))
        return values


def _block(template: Template, name: str, values: dict[str, Any]) -> str:
    render = template.blocks[name]
    text = "".join(render(template.new_context(values)))
    # An `{% if %}` that renders nothing leaves an empty line: keep one blank between
    # paragraphs and none at either end.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    kept = [line for i, line in enumerate(lines) if line or (i and lines[i - 1])]
    return "\n".join(kept)

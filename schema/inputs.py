"""Inputs shared by queries and mutations."""

from __future__ import annotations

import strawberry

from domain.commands import MemberRef, RawIdentifier
from domain.identity import IdentifierKind
from schema import enums  # noqa: F401  (registers the enums)


@strawberry.input
class IdentifierInput:
    kind: IdentifierKind
    value: str

    def to_domain(self) -> RawIdentifier:
        return RawIdentifier(self.kind, self.value)


@strawberry.input(name="MemberRef", description="Exactly one of `id` and `identifier`.")
class MemberRefInput:
    id: strawberry.ID | None = None
    identifier: IdentifierInput | None = None

    def to_domain(self) -> MemberRef:
        return MemberRef(
            id=str(self.id) if self.id is not None else None,
            identifier=self.identifier.to_domain() if self.identifier else None,
        )

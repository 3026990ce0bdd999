"""Persisted operations, as pure rules: what a request asks for by hash or id, the manifests
that list trusted documents, and which callers may run only those.

Two protocols meet here. Automatic persisted queries (Apollo's APQ) send
`extensions.persistedQuery {version: 1, sha256Hash}`: the hash of a text the server may
have kept, the text itself once the server said it had not. Trusted documents are a
manifest pushed ahead of time (`tessera documents push`): clients send only an id, as
Apollo Router's persisted query lists and GraphQL Code Generator's persisted documents do,
in `extensions.persistedQuery.sha256Hash` or in `documentId` (the GraphQL-over-HTTP
persisted-documents proposal).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from domain.access import Principal, Role

APQ_VERSION = 1
HASH = re.compile(r"[0-9a-f]{64}")
# An id in a manifest: Apollo's are SHA-256 hex, Code Generator's sha1 or sha256 hex, some
# tools prefix them (`sha256:...`); anything printable and short enough to be a key.
DOCUMENT_ID = re.compile(r"[A-Za-z0-9_.:\-]{1,128}")


class PersistedCode(Enum):
    NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    HASH_MISMATCH = "PERSISTED_QUERY_HASH_MISMATCH"
    REQUIRED = "PERSISTED_QUERY_REQUIRED"
    BAD_REQUEST = "BAD_REQUEST"


class PersistedRefusal(Exception):
    """A persisted request answered with an error instead of a result. `status` is the
    HTTP status: Apollo's link reads NOT_FOUND from a 200 answer, as Apollo Server sends it,
    and retries with the text; a hash that does not match its text is a 400 as in Apollo
    Server and Router."""

    def __init__(self, code: PersistedCode, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


# Apollo's link matches the message as well as the code.
NOT_FOUND = PersistedRefusal(PersistedCode.NOT_FOUND, "PersistedQueryNotFound")


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class PersistedAsk:
    """What a request names instead of (or beside) its text."""

    id: str
    apq: bool  # True: `extensions.persistedQuery`; False: `documentId`


def persisted_ask(extensions: object, document_id: object) -> PersistedAsk | None:
    """The hash or id a request sends, or None; a malformed one is refused."""
    if document_id is not None:
        if not isinstance(document_id, str) or not DOCUMENT_ID.fullmatch(document_id):
            raise _bad("`documentId` must be a document id string")
        return PersistedAsk(document_id, apq=False)
    if not isinstance(extensions, Mapping):
        return None
    persisted = extensions.get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, Mapping):
        raise _bad("`extensions.persistedQuery` must be an object {version, sha256Hash}")
    version, sha = persisted.get("version"), persisted.get("sha256Hash")
    if version != APQ_VERSION:
        raise _bad(f"persisted query version {version!r} is not supported; send 1")
    if not isinstance(sha, str) or not DOCUMENT_ID.fullmatch(sha):
        raise _bad("`extensions.persistedQuery.sha256Hash` must be a hash or document id")
    return PersistedAsk(sha, apq=True)


def _bad(message: str) -> PersistedRefusal:
    return PersistedRefusal(PersistedCode.BAD_REQUEST, message, 400)


def check_hash(ask: PersistedAsk, query: str) -> None:
    """A text sent with its APQ hash must hash to it, else it would be stored under a
    name that runs something else."""
    if sha256_hex(query) != ask.id.lower():
        raise PersistedRefusal(
            PersistedCode.HASH_MISMATCH, "provided sha does not match query", 400
        )


# -- who must run trusted documents --------------------------------------------------------


class OwnerKind(Enum):
    PARTNER = "partner"  # a partner's own operations, run by its partner tokens only
    APP = "app"  # the brand's first-party clients: member app, web, POS, call center


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose manifest: each owner's pushes are versions of one list."""

    kind: OwnerKind
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind.value}:{self.name}"

    @classmethod
    def parse(cls, key: str) -> Owner:
        kind, _, name = key.partition(":")
        return cls(OwnerKind(kind), name)


OWNER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")


@dataclass(frozen=True, slots=True)
class TrustedScope:
    """Which manifests a caller that may run trusted documents only may use: its
    partner's (`partner`), or every first-party app's (`partner` None)."""

    partner: str | None

    def allows(self, owner: Owner) -> bool:
        if self.partner is None:
            return owner.kind is OwnerKind.APP
        return owner.kind is OwnerKind.PARTNER and owner.name == self.partner

    def refusal(self, what: str) -> PersistedRefusal:
        whose = (
            f"the trusted documents of partner {self.partner}"
            if self.partner is not None
            else "the apps' trusted documents (TESSERA_TRUSTED_DOCUMENTS_ONLY)"
        )
        return PersistedRefusal(
            PersistedCode.REQUIRED, f"{what}: this caller may run only {whose}, by id"
        )


def trusted_scope(principal: Principal | None, trusted_only: bool) -> TrustedScope | None:
    """None: the caller may send any text (and register APQ hashes). A partner token always
    runs its own manifest only; with safelisting on, every caller but an admin (anonymous
    ones too) runs the apps' manifests only."""
    if principal is not None and principal.role is Role.PARTNER:
        return TrustedScope(principal.partner or "")
    if not trusted_only or (principal is not None and principal.role is Role.ADMIN):
        return None
    return TrustedScope(None)

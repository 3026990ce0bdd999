"""Persisted operations at the edge: a request's hash or id turned into the text to run,
before anything parses it, so a document run by id takes the same prepared (cached,
validated) path as its text (`app.execution.prepared_documents`).

- APQ: `extensions.persistedQuery.sha256Hash` alone runs the text kept under it, or gets
  PERSISTED_QUERY_NOT_FOUND (Apollo's link then sends the text with the hash, which is
  checked and kept).
- Trusted documents: an id from a pushed manifest (`persistedQuery.sha256Hash` as Apollo
  Router reads it, or `documentId`) runs that manifest's document.
- Partner tokens, and with TESSERA_TRUSTED_DOCUMENTS_ONLY every caller but an admin, run
  trusted documents only (`domain.persisted_documents.trusted_scope`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from graphql import GraphQLError, GraphQLSchema, parse
from starlette.responses import Response

from app.access import current_request
from app.execution.prepared_documents import PreparedDocuments
from domain.access import Principal
from domain.manifests import ManifestError, TrustedOperation, described, read_manifest
from domain.persisted_documents import (
    NOT_FOUND,
    OWNER_NAME,
    Owner,
    OwnerKind,
    PersistedCode,
    PersistedRefusal,
    TrustedScope,
    check_hash,
    persisted_ask,
    trusted_scope,
)
from storage.persisted_queries import (
    MemoryPersistedQueries,
    PersistedQueries,
    RedisPersistedQueries,
)
from storage.trusted_documents import MongoTrustedDocuments, Pushed, trusted_documents_collection

log = logging.getLogger(__name__)

REFRESH_SECONDS = 5.0  # a push reaches every instance within this
MISS_REFRESH_SECONDS = 1.0  # an unknown id reads the store again at most this often


class InvalidManifest(ValueError):
    """Refused at push: nothing is stored; the message names each invalid operation."""


def invalid_operations(
    schema: GraphQLSchema, documents: PreparedDocuments, operations: Sequence[TrustedOperation]
) -> list[str]:
    """Each operation that would not run, with why: syntax, the schema, the limits."""
    problems = []
    for operation in operations:
        try:
            document = parse(operation.body, max_tokens=documents.max_tokens)
        except GraphQLError as exc:
            problems.append(f"{described(operation)}: {exc.message}")
            continue
        errors = documents.validate(schema, document).errors
        problems.extend(f"{described(operation)}: {error.message}" for error in errors)
    return problems


@dataclass
class _Live:
    partners: dict[str, dict[str, str]] = field(default_factory=dict)
    apps: dict[str, str] = field(default_factory=dict)  # every app manifest, by id


class TrustedDocuments:
    """The live trusted documents, read from the store and kept in this process; read
    again every few seconds (so a push from the CLI reaches every instance) and, at most
    once a second, when an id is not found."""

    def __init__(
        self,
        store: MongoTrustedDocuments,
        refresh_seconds: float = REFRESH_SECONDS,
        miss_refresh_seconds: float = MISS_REFRESH_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self._refresh = refresh_seconds
        self._miss_refresh = miss_refresh_seconds
        self._monotonic = monotonic
        self._live = _Live()
        self._loaded_at: float | None = None
        self._lock = asyncio.Lock()

    async def find(self, scope: TrustedScope | None, document_id: str) -> str | None:
        """The document `document_id` names in a manifest the scope allows (no scope: the
        apps' manifests, which any caller free to send text may also run by id)."""
        now = self._monotonic()
        if self._loaded_at is None or now - self._loaded_at >= self._refresh:
            await self._reload(self._refresh)
        found = self._lookup(scope, document_id)
        if found is None and now - (self._loaded_at or 0.0) >= self._miss_refresh:
            await self._reload(self._miss_refresh)
            found = self._lookup(scope, document_id)
        return found

    def _lookup(self, scope: TrustedScope | None, document_id: str) -> str | None:
        live = self._live
        if scope is None or scope.partner is None:
            return live.apps.get(document_id)
        return live.partners.get(scope.partner, {}).get(document_id)

    async def _reload(self, older_than: float) -> None:
        async with self._lock:  # one read at a time; those waiting use its result
            loaded_at = self._loaded_at
            if loaded_at is not None and self._monotonic() - loaded_at < older_than:
                return
            try:
                by_owner = await self.store.live()
            except Exception:  # the store is down: keep what is known, try again later
                log.warning("trusted documents: could not read the store", exc_info=True)
                self._loaded_at = self._monotonic()
                return
            live = _Live()
            for owner, documents in sorted(by_owner.items(), key=lambda item: item[0].key):
                if owner.kind is OwnerKind.PARTNER:
                    live.partners[owner.name] = documents
                else:
                    live.apps.update(documents)
            self._live = live
            self._loaded_at = self._monotonic()

    async def push(
        self,
        owner: Owner,
        operations: Sequence[TrustedOperation],
        validate: Callable[[Sequence[TrustedOperation]], list[str]],
        now: datetime,
    ) -> Pushed:
        problems = validate(operations)
        if problems:
            listed = "\n  ".join(problems)
            raise InvalidManifest(
                f"{owner.key}: {len(problems)} invalid operation(s), nothing stored:\n  {listed}"
            )
        pushed = await self.store.push(owner, operations, now)
        self._loaded_at = None  # this instance sees it at once
        return pushed


def load_manifest(raw: bytes) -> tuple[TrustedOperation, ...]:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ManifestError(f"not JSON: {exc}") from None
    return read_manifest(data)


class PersistedOperations:
    """Turns what a request names into the query text to run, or refuses it."""

    def __init__(
        self, trusted: TrustedDocuments, apq: PersistedQueries, trusted_only: bool
    ) -> None:
        self.trusted = trusted
        self.apq = apq
        self.trusted_only = trusted_only

    async def query_for(
        self,
        query: str | None,
        extensions: object,
        document_id: object,
        principal: Principal | None,
    ) -> str | None:
        scope = trusted_scope(principal, self.trusted_only)
        if extensions is None and document_id is None and scope is None:
            return query  # nearly every request: text from a caller free to send it
        ask = persisted_ask(extensions, document_id)
        if ask is None:
            if scope is not None:
                raise scope.refusal("a full query text was sent")
            return query
        if scope is not None:
            body = await self.trusted.find(scope, ask.id)
            if body is None:
                raise scope.refusal(f"document {ask.id} is not one of them")
            if query is not None and query != body:
                raise scope.refusal("a full query text was sent")
            return body
        body = await self.trusted.find(None, ask.id)
        if body is not None and (query is None or query == body):
            return body
        if not ask.apq:
            if body is None:
                raise NOT_FOUND
            raise PersistedRefusal(
                PersistedCode.BAD_REQUEST, "`documentId` names another document than `query`", 400
            )
        if query is None:
            text = await self.apq.get(ask.id.lower())
            if text is None:
                raise NOT_FOUND
            return text
        check_hash(ask, query)
        await self.apq.put(ask.id.lower(), query)
        return query


def refusal_body(refusal: PersistedRefusal) -> dict[str, object]:
    """The error answered, also counted on the request's access line and metrics."""
    record = current_request()
    if record is not None:
        record.saw(refusal.code.value)
    return {"message": refusal.message, "extensions": {"code": refusal.code.value}}


def refusal_response(refusal: PersistedRefusal) -> Response:
    body = orjson.dumps({"errors": [refusal_body(refusal)]})
    return Response(body, refusal.status, media_type="application/json")


def manifest_owner(key: str) -> Owner:
    """`partner:NAME` or `app:NAME`, as TESSERA_TRUSTED_DOCUMENTS and the CLI name them."""
    kind, _, name = key.partition(":")
    kinds = {k.value: k for k in OwnerKind}
    if kind not in kinds or not OWNER_NAME.fullmatch(name):
        raise ValueError(f"{key!r}: name a manifest's owner as partner:NAME or app:NAME")
    return Owner(kinds[kind], name)


@dataclass
class PersistedEdge:
    """What the app holds for persisted operations: the request-time resolution and the
    schema check a push must pass."""

    operations: PersistedOperations
    schema: GraphQLSchema
    documents: PreparedDocuments

    @property
    def trusted(self) -> TrustedDocuments:
        return self.operations.trusted

    def validate(self, operations: Sequence[TrustedOperation]) -> list[str]:
        return invalid_operations(self.schema, self.documents, operations)

    async def push(
        self, owner: Owner, operations: Sequence[TrustedOperation], now: datetime
    ) -> Pushed:
        return await self.trusted.push(owner, operations, self.validate, now)

    async def start(self, manifests: Mapping[str, Path], now: datetime) -> None:
        """Indexes, then the manifests the settings name (a bad one stops the start)."""
        await self.trusted.store.ensure_indexes()
        for key, path in manifests.items():
            try:
                operations = load_manifest(path.read_bytes())
            except ManifestError as exc:
                raise InvalidManifest(f"{path}: {exc}") from None
            pushed = await self.push(manifest_owner(key), operations, now)
            log.info("trusted documents %s: version %d from %s", key, pushed.version, path)

    async def stop(self) -> None:
        await self.operations.apq.close()


def persisted_edge(
    client: Any,
    database: str,
    embedded: bool,
    redis_url: str | None,
    trusted_only: bool,
    schema: GraphQLSchema,
    documents: PreparedDocuments,
) -> PersistedEdge:
    store = MongoTrustedDocuments(trusted_documents_collection(client, database, embedded))
    apq: PersistedQueries = (
        RedisPersistedQueries(redis_url) if redis_url else MemoryPersistedQueries()
    )
    operations = PersistedOperations(TrustedDocuments(store), apq, trusted_only)
    return PersistedEdge(operations, schema, documents)

"""Trusted documents in MongoDB: each push of an owner's manifest is a new version.

One document per version (`{_id: "partner:skyways#000003", owner, version, pushed_at, live,
operations: [{id, body, name}]}`). The two newest versions of an owner are `live`: the
latest, and the one before it, so that during a rolling client deploy the clients still
on the previous manifest keep working (push the new manifest before shipping its
clients); the next push retires it. Older versions stay, marked not live, as history.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.manifests import TrustedOperation
from domain.persisted_documents import Owner
from storage.collection import Collection
from storage.embedded import EmbeddedCollection

COLLECTION = "trusted_documents"
LIVE_VERSIONS = 2
MAX_ATTEMPTS = 16


@dataclass(frozen=True, slots=True)
class Pushed:
    owner: Owner
    version: int
    operations: int
    new: bool  # False: the live version already listed exactly these operations


def trusted_documents_collection(client: Any, database: str, embedded: bool) -> Collection:
    """Its own collection; only inserts and one flag update, so FerretDB's write locks
    (storage.serialized_writes) are not needed."""
    collection = client[database][COLLECTION]
    return EmbeddedCollection(collection) if embedded else collection  # type: ignore[no-any-return]


def _doc_id(owner: Owner, version: int) -> str:
    return f"{owner.key}#{version:06d}"


def _operations(doc: dict[str, Any]) -> tuple[TrustedOperation, ...]:
    return tuple(TrustedOperation(o["id"], o["body"], o.get("name")) for o in doc["operations"])


class MongoTrustedDocuments:
    def __init__(self, collection: Collection) -> None:
        self._documents = collection

    async def ensure_indexes(self) -> None:
        await self._documents.create_index([("owner", 1), ("version", -1)])
        await self._documents.create_index("live")

    async def push(
        self, owner: Owner, operations: Sequence[TrustedOperation], now: datetime
    ) -> Pushed:
        """A new live version, unless the latest already lists the same operations (a
        restart loading the same file adds nothing). Two pushes at once get two versions:
        the version is the document's unique id."""
        for _ in range(MAX_ATTEMPTS):
            latest = await self._latest(owner)
            if latest is not None and set(_operations(latest)) == set(operations):
                return Pushed(owner, int(latest["version"]), len(operations), new=False)
            version = 1 if latest is None else int(latest["version"]) + 1
            try:
                await self._documents.insert_one(
                    {
                        "_id": _doc_id(owner, version),
                        "owner": owner.key,
                        "version": version,
                        "pushed_at": now,
                        "live": True,
                        "operations": [
                            {"id": o.id, "body": o.body, "name": o.name} for o in operations
                        ],
                    }
                )
            except DuplicateKeyError:
                continue  # another push took this version: read again
            await self._documents.update_many(
                {"owner": owner.key, "version": {"$lte": version - LIVE_VERSIONS}, "live": True},
                {"$set": {"live": False}},
            )
            return Pushed(owner, version, len(operations), new=True)
        raise RuntimeError(f"{owner.key}: too many pushes at once; push again")

    async def _latest(self, owner: Owner) -> dict[str, Any] | None:
        found = await (
            self._documents.find({"owner": owner.key}).sort("version", -1).limit(1).to_list(1)
        )
        return found[0] if found else None

    async def live(self) -> dict[Owner, dict[str, str]]:
        """Every owner's runnable documents by id: its two newest versions, the newest
        winning where both give an id."""
        versions: dict[Owner, list[tuple[int, tuple[TrustedOperation, ...]]]] = {}
        async for doc in self._documents.find({"live": True}):
            owner = Owner.parse(doc["owner"])
            versions.setdefault(owner, []).append((int(doc["version"]), _operations(doc)))
        live: dict[Owner, dict[str, str]] = {}
        for owner, pushed in versions.items():
            pushed.sort(key=lambda version: version[0])
            by_id: dict[str, str] = {}
            for _, operations in pushed[-LIVE_VERSIONS:]:
                by_id.update({o.id: o.body for o in operations})
            live[owner] = by_id
        return live

    async def version(self, owner: Owner) -> int | None:
        latest = await self._latest(owner)
        return None if latest is None else int(latest["version"])

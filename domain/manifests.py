"""Manifests of trusted documents: the two formats clients' tools write, read into one list.

- Apollo's persisted query list (`@apollo/generate-persisted-query-manifest`):
  `{"format": "apollo-persisted-query-manifest", "version": 1,
    "operations": [{"id", "name", "type", "body"}]}`
- GraphQL Code Generator's client preset (`persisted-documents.json`):
  `{"<hash>": "<document>"}`
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from domain.persisted_documents import DOCUMENT_ID

APOLLO_FORMAT = "apollo-persisted-query-manifest"
MAX_OPERATIONS = 5000  # a manifest is one stored document: it stays well under 16 MiB
MAX_BODY_CHARS = 64 * 1024  # as a request body may be (TESSERA_MAX_BODY_BYTES' default)
MAX_TOTAL_CHARS = 8 * 1024 * 1024  # one version is one MongoDB document (16 MiB at most)


class ManifestError(ValueError):
    """The file is not a manifest Tessera can read; the message says where."""


@dataclass(frozen=True, slots=True)
class TrustedOperation:
    id: str
    body: str
    name: str | None = None  # Apollo's manifest names each operation; Code Generator's not


def read_manifest(data: object) -> tuple[TrustedOperation, ...]:
    if isinstance(data, Mapping) and "format" in data:
        operations = _apollo(data)
    elif isinstance(data, Mapping):
        operations = _codegen(data)
    else:
        raise ManifestError(
            "a manifest is a JSON object: Apollo's persisted query list or "
            "GraphQL Code Generator's persisted-documents.json"
        )
    if not operations:
        raise ManifestError("the manifest lists no operations")
    if len(operations) > MAX_OPERATIONS:
        raise ManifestError(
            f"the manifest lists {len(operations)} operations; at most {MAX_OPERATIONS}"
        )
    total = sum(len(operation.body) for operation in operations)
    if total > MAX_TOTAL_CHARS:
        raise ManifestError(
            f"the manifest's documents hold {total} characters; at most {MAX_TOTAL_CHARS} "
            "(push a manifest per app or partner)"
        )
    seen: dict[str, TrustedOperation] = {}
    for operation in operations:
        if not DOCUMENT_ID.fullmatch(operation.id):
            raise ManifestError(f"{described(operation)}: id {operation.id!r} is not a document id")
        if len(operation.body) > MAX_BODY_CHARS:
            raise ManifestError(f"{described(operation)}: longer than {MAX_BODY_CHARS} characters")
        earlier = seen.get(operation.id)
        if earlier is not None and earlier.body != operation.body:
            raise ManifestError(f"id {operation.id} is given to two different documents")
        seen[operation.id] = operation
    return tuple(seen.values())


def _apollo(data: Mapping[str, object]) -> list[TrustedOperation]:
    if data.get("format") != APOLLO_FORMAT or data.get("version") != 1:
        raise ManifestError(f'expected "format": "{APOLLO_FORMAT}" and "version": 1')
    listed = data.get("operations")
    if not isinstance(listed, list):
        raise ManifestError('"operations" must be a list')
    operations = []
    for index, entry in enumerate(listed):
        if not isinstance(entry, Mapping):
            raise ManifestError(f"operations[{index}] must be an object")
        id_, body, name = entry.get("id"), entry.get("body"), entry.get("name")
        if not isinstance(id_, str) or not isinstance(body, str):
            raise ManifestError(f"operations[{index}] needs a string id and body")
        if name is not None and not isinstance(name, str):
            raise ManifestError(f"operations[{index}]: name must be a string")
        operations.append(TrustedOperation(id_, body, name))
    return operations


def _codegen(data: Mapping[str, object]) -> list[TrustedOperation]:
    operations = []
    for id_, body in data.items():
        if not isinstance(body, str):
            raise ManifestError(f"{id_}: the document must be a string")
        operations.append(TrustedOperation(str(id_), body))
    return operations


def described(operation: TrustedOperation) -> str:
    return f"operation {operation.name} ({operation.id})" if operation.name else operation.id

"""`tessera documents push FILE --partner NAME | --app NAME`: a manifest of trusted
documents, validated against the schema and stored as the owner's next version in the
MongoDB that TESSERA_MONGODB_URL names (every instance reads it within seconds)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from app.settings import Settings
from domain.clock import SystemClock
from domain.manifests import ManifestError, TrustedOperation
from domain.persisted_documents import Owner

if TYPE_CHECKING:
    from storage.trusted_documents import Pushed

EMBEDDED = (
    "tessera documents push needs TESSERA_MONGODB_URL (the database the servers share). "
    "The embedded store lives inside `tessera serve`: name the manifest in "
    'TESSERA_TRUSTED_DOCUMENTS instead (JSON: {"partner:NAME": "FILE"}), it is pushed at start'
)


def add_documents_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    documents = commands.add_parser("documents", help="trusted documents (persisted operations)")
    actions = documents.add_subparsers(dest="action", required=True)
    push = actions.add_parser(
        "push", help="validate a manifest against the schema and store it as the live version"
    )
    push.add_argument(
        "file", type=Path, help="Apollo persisted query list or Code Generator's JSON"
    )
    owner = push.add_mutually_exclusive_group(required=True)
    owner.add_argument("--partner", help="the partner whose tokens may run these")
    owner.add_argument("--app", help="a first-party app (member app, web, POS, call center)")


def run_documents(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    settings = Settings()
    if not settings.mongodb_url:
        parser.exit(2, f"tessera: {EMBEDDED}\n")
    # The schema and the database drivers only for this command: `tessera token` stays quick.
    from app.persisted_operations import InvalidManifest, load_manifest, manifest_owner

    key = f"partner:{args.partner}" if args.partner is not None else f"app:{args.app}"
    try:
        owner = manifest_owner(key)
        operations = load_manifest(args.file.read_bytes())
        pushed = asyncio.run(_push(settings, owner, operations))
    except (ManifestError, InvalidManifest, ValueError, OSError) as exc:
        parser.exit(1, f"tessera: {args.file}: {exc}\n")
    state = "new live version" if pushed.new else "unchanged: already the live version"
    print(f"{owner.key}: version {pushed.version}, {pushed.operations} operation(s) ({state})")
    return 0


async def _push(settings: Settings, owner: Owner, operations: Sequence[TrustedOperation]) -> Pushed:
    from app.execution.assembly import build_schema
    from app.persisted_operations import persisted_edge
    from storage.mongo import Timeouts, connect

    schema = build_schema(settings.max_query_depth, settings.max_query_cost, settings.production)
    assert schema.documents is not None
    client, _ = connect(
        settings.mongodb_url,
        settings.mongodb_database,
        timeouts=Timeouts(
            settings.mongodb_server_selection_timeout_seconds,
            settings.mongodb_connect_timeout_seconds,
            settings.mongodb_socket_timeout_seconds,
        ),
    )
    try:
        edge = persisted_edge(
            client,
            settings.mongodb_database,
            False,
            None,
            False,
            schema._schema,
            schema.documents,
        )
        await edge.trusted.store.ensure_indexes()
        return await edge.push(owner, operations, SystemClock().now())
    finally:
        client.close()

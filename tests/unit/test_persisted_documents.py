"""The pure rules of persisted operations: what a request names, the two manifest formats,
who is held to trusted documents, and the in-memory APQ store's bounds."""

from __future__ import annotations

import pytest

from domain.access import Principal, Role
from domain.manifests import ManifestError, TrustedOperation, read_manifest
from domain.persisted_documents import (
    Owner,
    OwnerKind,
    PersistedAsk,
    PersistedCode,
    PersistedRefusal,
    check_hash,
    persisted_ask,
    sha256_hex,
    trusted_scope,
)
from storage.persisted_queries import MemoryPersistedQueries

QUERY = "{ program { name } }"


def test_a_request_names_a_hash_or_a_document_id() -> None:
    sha = sha256_hex(QUERY)
    assert persisted_ask({"persistedQuery": {"version": 1, "sha256Hash": sha}}, None) == (
        PersistedAsk(sha, apq=True)
    )
    assert persisted_ask(None, "sha256:abc") == PersistedAsk("sha256:abc", apq=False)
    assert persisted_ask({"other": 1}, None) is None
    assert persisted_ask(None, None) is None


@pytest.mark.parametrize(
    ("extensions", "document_id"),
    [
        ({"persistedQuery": {"version": 2, "sha256Hash": "ab"}}, None),
        ({"persistedQuery": {"version": 1}}, None),
        ({"persistedQuery": []}, None),
        (None, 42),
        (None, "a b"),
    ],
)
def test_a_malformed_ask_is_a_bad_request(extensions: object, document_id: object) -> None:
    with pytest.raises(PersistedRefusal) as refused:
        persisted_ask(extensions, document_id)
    assert (refused.value.code, refused.value.status) == (PersistedCode.BAD_REQUEST, 400)


def test_a_text_must_hash_to_its_hash() -> None:
    check_hash(PersistedAsk(sha256_hex(QUERY).upper(), apq=True), QUERY)
    with pytest.raises(PersistedRefusal) as refused:
        check_hash(PersistedAsk(sha256_hex("{ me { id } }"), apq=True), QUERY)
    assert refused.value.code is PersistedCode.HASH_MISMATCH


def test_both_manifest_formats_read_into_one_list() -> None:
    apollo = {
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{"id": "a1", "name": "Name", "type": "query", "body": QUERY}],
    }
    assert read_manifest(apollo) == (TrustedOperation("a1", QUERY, "Name"),)
    assert read_manifest({"a1": QUERY}) == (TrustedOperation("a1", QUERY),)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ([], "JSON object"),
        ({}, "no operations"),
        ({"format": "other", "version": 1, "operations": []}, "apollo-persisted-query-manifest"),
        ({"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{}]}, "[0]"),
        ({"a1": 3}, "a1"),
        ({"a b": QUERY}, "not a document id"),
    ],
)
def test_what_is_not_a_manifest_is_refused_saying_where(data: object, says: str) -> None:
    with pytest.raises(ManifestError, match=None) as refused:
        read_manifest(data)
    assert says in str(refused.value)


def test_partners_always_and_others_when_safelisted_run_trusted_documents() -> None:
    skyways = Principal(Role.PARTNER, "partner:skyways", partner="skyways")
    member = Principal(Role.MEMBER, "m", member_id="m")
    admin = Principal(Role.ADMIN, "admin")
    assert trusted_scope(skyways, False) == trusted_scope(skyways, True)
    scope = trusted_scope(skyways, False)
    assert scope is not None and scope.allows(Owner(OwnerKind.PARTNER, "skyways"))
    assert not scope.allows(Owner(OwnerKind.PARTNER, "hotels"))
    assert not scope.allows(Owner(OwnerKind.APP, "member-app"))
    assert trusted_scope(member, False) is None and trusted_scope(None, False) is None
    assert trusted_scope(admin, True) is None
    for caller in (member, None):
        held = trusted_scope(caller, True)
        assert held is not None and held.allows(Owner(OwnerKind.APP, "member-app"))
        assert not held.allows(Owner(OwnerKind.PARTNER, "skyways"))


async def test_the_memory_store_keeps_a_bounded_number_and_size_of_texts() -> None:
    store = MemoryPersistedQueries(entries=2, chars=10)
    await store.put("a", "12345")
    await store.put("b", "12345")
    assert await store.get("a") == "12345"  # a is now the most recently used
    await store.put("c", "1")
    assert (await store.get("b"), len(store)) == (None, 2)
    await store.put("d", "123456789")  # over the characters: the oldest go
    assert await store.get("a") is None and await store.get("d") == "123456789"
    await store.put("huge", "x" * 11)
    assert await store.get("huge") is None

"""Which media type a client's Accept asks for, and the status of a request error."""

from __future__ import annotations

import pytest

from app.graphql_response import prefers_graphql_response, request_error_status


@pytest.mark.parametrize(
    ("accept", "preferred"),
    [
        (None, False),  # legacy clients: curl, Apollo Client 3's HttpLink sends */*
        ("*/*", False),
        ("application/json", False),
        ("application/graphql-response+json, application/json;q=0.9", True),  # the spec's
        ("application/graphql-response+json", True),
        ("Application/GraphQL-Response+JSON; charset=utf-8", True),
        ("application/json, application/graphql-response+json", True),  # a tie: ours
        ("application/json, application/graphql-response+json;q=0.5", False),
        ("application/graphql-response+json;q=0", False),
        ("application/graphql-response+json;q=0.8, */*;q=0.9", False),
        ("application/graphql-response+json;q=oops", False),
        ("text/html, application/graphql-response+json;q=0.2", True),
    ],
)
def test_the_media_type_the_client_ranks_first(accept: str | None, preferred: bool) -> None:
    assert prefers_graphql_response(accept) is preferred


def test_a_request_error_has_no_path_and_its_code_may_say_more_than_400() -> None:
    syntax = {"data": None, "errors": [{"message": "Syntax Error", "locations": []}]}
    refused = {
        "data": None,
        "errors": [{"message": "down", "extensions": {"code": "SERVICE_UNAVAILABLE"}}],
    }
    introspection = {
        "data": None,
        "errors": [{"message": "off", "extensions": {"code": "FORBIDDEN"}}],
    }
    failed_field = {"data": None, "errors": [{"message": "x", "path": ["recordPurchase"]}]}
    partial = {"data": {"member": None}, "errors": [{"message": "x", "path": ["member"]}]}

    assert request_error_status(syntax) == 400
    assert request_error_status(refused) == 503
    assert request_error_status(introspection) == 403
    assert request_error_status(failed_field) is None  # executed: 200
    assert request_error_status(partial) is None
    assert request_error_status({"data": {"program": {"name": "x"}}}) is None

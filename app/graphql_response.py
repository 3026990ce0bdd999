"""The media type and status of a GraphQL answer over HTTP (the GraphQL-over-HTTP spec).

A client whose `Accept` prefers `application/graphql-response+json` (as the spec asks
clients to send: `application/graphql-response+json, application/json;q=0.9`) gets it,
with the spec's status codes: a request error, where nothing was executed (the document
does not parse or validate, its variables do not coerce, no operation can be chosen), has
no `data` entry and a 4xx; an operation that was executed is 200, whatever its errors.

Every other client (`application/json` only, `*/*`, no `Accept`: Apollo Client 3, curl,
most existing code) keeps `application/json` and 200 with `"data": null` for request
errors, as the spec's `application/json` section says: such clients take a non-2xx JSON
answer for an intermediary's, not for GraphQL's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.responses import Response

GRAPHQL_RESPONSE = "application/graphql-response+json"
CONTENT_TYPE = f"{GRAPHQL_RESPONSE}; charset=utf-8"
# What a request error's code says about the request; any other request error is a 400.
STATUS_OF_CODE = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,  # introspection in production
    "SERVICE_UNAVAILABLE": 503,  # refused at once during a database outage
}
# Strawberry's refusals it answers with a 400, where the spec gives a status of its own.
STATUS_OF_REFUSAL: dict[str, tuple[int, Mapping[str, str]]] = {
    "mutations are not allowed when using GET": (405, {"allow": "POST"}),
    "Unsupported content type": (415, {}),
}
_LEGACY = frozenset({"application/json", "application/*", "*/*"})


def prefers_graphql_response(accept: str | None) -> bool:
    """`application/graphql-response+json` is acceptable and ranked at least as high as
    `application/json` (or the wildcards that stand for it)."""
    if not accept or GRAPHQL_RESPONSE not in accept.lower():
        return False  # the common case, answered without parsing
    ours = legacy = 0.0
    for entry in accept.lower().split(","):
        media_type, *parameters = entry.split(";")
        media_type = media_type.strip()
        if media_type == GRAPHQL_RESPONSE:
            ours = max(ours, _quality(parameters))
        elif media_type in _LEGACY:
            legacy = max(legacy, _quality(parameters))
    return ours > 0 and ours >= legacy


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        if name.strip() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0
    return 1.0


class Negotiated(Response):
    """The sub-response of a request (strawberry's, which resolvers may add headers to),
    knowing which media type the client prefers."""

    def __init__(self, graphql_response: bool) -> None:
        super().__init__()
        self.status_code = None  # type: ignore[assignment]  # as strawberry's: unset
        del self.headers["content-length"]
        self.graphql_response = graphql_response


def request_error_status(body: Mapping[str, Any]) -> int | None:
    """The 4xx (or 503) of a GraphQL response that is a request error, else None.

    Strawberry answers a request error with `"data": null`, as it does an operation whose
    non-null root field failed; what tells them apart is that errors raised while
    executing have a `path`, and request errors never do."""
    errors = body.get("errors")
    if body.get("data") is not None or not errors:
        return None
    if any(error.get("path") is not None for error in errors):
        return None
    codes = {(error.get("extensions") or {}).get("code") for error in errors}
    statuses = [STATUS_OF_CODE[code] for code in codes if code in STATUS_OF_CODE]
    return max(statuses) if statuses else 400

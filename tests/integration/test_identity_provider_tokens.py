"""Tokens from the brand's identity provider (RS256 and ES256, verified with the keys its
JWKS URL serves over real HTTP, for its issuer and audience), and Tessera's own HS256 secrets
rotating by `kid` without downtime."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from app.auth import issue_token
from app.settings import Settings
from app.token_keys import token_keys
from domain.access import Role
from domain.clock import SettableClock
from tests.conftest import SECRET, Api, running_app

ISSUER = "https://id.example.com/"
AUDIENCE = "tessera-loyalty"
ME = 'query { member(ref: { id: "mbr_demo_ada" }) { id displayName } }'
PROGRAM = "{ program { name } }"
OLD_SECRET = "the-secret-tessera-signed-with-until-the-rotation"

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(key: Any, algorithm: str, kid: str) -> dict[str, Any]:
    if algorithm == "RS256":
        found: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    else:
        found = jwt.algorithms.ECAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**found, "kid": kid, "alg": algorithm, "use": "sig"}


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    """The identity provider's JWKS, served over HTTP on a free port."""
    body = json.dumps(
        {"keys": [jwk(RSA_KEY, "RS256", "rsa-1"), jwk(EC_KEY, "ES256", "ec-1")]}
    ).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


@pytest.fixture
async def idp_api(jwks_url: str, clock: SettableClock) -> AsyncIterator[Api]:
    settings: dict[str, Any] = {
        "jwks_url": jwks_url,
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
        "jwt_member_claim": "loyalty_id",
        "token_key_id": "tessera-2027",
        "previous_secrets": {"tessera-2026": OLD_SECRET},
    }
    async with running_app(clock, **settings) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://tessera.test") as http:
            yield Api(http, app.state.tessera)


def idp_token(key: Any, algorithm: str, kid: str, clock: SettableClock, **claims: Any) -> str:
    now = int(clock.now().timestamp())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "auth0|8f3a",
        "loyalty_id": "mbr_demo_ada",
        "iat": now,
        "exp": now + 600,
        **claims,
    }
    return jwt.encode(payload, key, algorithm=algorithm, headers={"kid": kid})


def hand_signed(secret: bytes, claims: dict[str, Any]) -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "rsa-1"}).encode())
    body = part(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{part(signature)}"


@pytest.mark.parametrize(
    ("key", "algorithm", "kid"), [(RSA_KEY, "RS256", "rsa-1"), (EC_KEY, "ES256", "ec-1")]
)
async def test_a_member_signed_in_at_the_identity_provider_sees_their_own_account(
    idp_api: Api, clock: SettableClock, key: Any, algorithm: str, kid: str
) -> None:
    token = idp_token(key, algorithm, kid, clock)

    mine = await idp_api.raw(ME, token=token)
    other = await idp_api.raw('query { member(ref: { id: "mbr_demo_bob" }) { id } }', token=token)

    assert mine == {"data": {"member": {"id": "mbr_demo_ada", "displayName": "Ada Lovelace"}}}
    assert other["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"aud": "another-app"}, "the token is not valid"),
        ({"iss": "https://evil.example.com/"}, "the token is not valid"),
        ({"loyalty_id": None}, "a member token must name its member"),
        ({"role": "admin"}, None),  # a role claim is not read unless configured: still Ada
    ],
)
async def test_the_identity_providers_issuer_audience_and_claims_are_checked(
    idp_api: Api, clock: SettableClock, change: dict[str, Any], message: str | None
) -> None:
    claims = {k: v for k, v in change.items() if v is not None}
    if change.get("loyalty_id", "") is None:
        token = idp_token(RSA_KEY, "RS256", "rsa-1", clock, loyalty_id="")
    else:
        token = idp_token(RSA_KEY, "RS256", "rsa-1", clock, **claims)

    answer = await idp_api.raw(ME, token=token)
    staff_only = await idp_api.raw(
        'query { member(ref: { id: "mbr_demo_bob" }) { id } }', token=token
    )

    if message is None:
        assert answer["data"]["member"]["id"] == "mbr_demo_ada"
        assert staff_only["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    else:
        assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert answer["errors"][0]["message"] == message


async def test_keys_the_identity_provider_does_not_list_are_refused(
    idp_api: Api, clock: SettableClock
) -> None:
    forged = idp_token(STRANGER, "RS256", "rsa-1", clock)  # its kid, another key
    unknown = idp_token(STRANGER, "RS256", "rsa-9", clock)
    expired = idp_token(RSA_KEY, "RS256", "rsa-1", clock, exp=int(clock.now().timestamp()) - 1)
    # The provider's public key used as an HS256 secret: the algorithm-confusion attack
    # (PyJWT refuses to sign such a token, so it is put together by hand).
    public = jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY.public_key()).encode()
    confused = hand_signed(public, {"iss": ISSUER, "sub": "x", "role": "admin", "exp": 2**40})

    answers = [await idp_api.raw(ME, token=t) for t in (forged, unknown, expired, confused)]

    assert [a["errors"][0]["message"] for a in answers] == [
        "the token is not valid",
        "the token is signed with a key the identity provider does not list",
        "the token has expired",
        "the token is signed with a key Tessera does not know",  # HS256 is Tessera's own
    ]


async def test_tessera_secrets_rotate_by_kid_without_downtime(
    idp_api: Api, clock: SettableClock
) -> None:
    now = clock.now()
    current = issue_token(SECRET, Role.ADMIN, now=now, key_id="tessera-2027")
    previous = issue_token(OLD_SECRET, Role.ADMIN, now=now, key_id="tessera-2026")
    old_key_new_name = issue_token(OLD_SECRET, Role.ADMIN, now=now, key_id="tessera-2027")
    retired = issue_token(OLD_SECRET, Role.ADMIN, now=now, key_id="tessera-2025")
    # Issued before tokens named their key: read with the current secret.
    claims = {"iss": "tessera", "sub": "admin:hq", "role": "admin", "exp": now.timestamp() + 60}
    unnamed = jwt.encode(claims, SECRET, algorithm="HS256")

    ok = [await idp_api.raw(PROGRAM, token=t) for t in (current, previous)]
    refused = [await idp_api.raw(PROGRAM, token=t) for t in (old_key_new_name, retired)]

    assert all(a == {"data": {"program": {"name": "Tessera Demo Rewards"}}} for a in ok)
    assert [a["errors"][0]["message"] for a in refused] == [
        "the token is not valid",
        "the token is signed with a key Tessera does not know",
    ]
    assert "errors" not in await idp_api.raw(PROGRAM, token=unnamed)


def test_a_jwks_url_without_its_issuer_stops_start_up(jwks_url: str) -> None:
    with pytest.raises(ValueError, match="TESSERA_JWT_ISSUER"):
        token_keys(Settings(jwks_url=jwks_url))

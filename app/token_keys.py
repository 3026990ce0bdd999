"""The keys tokens are verified with: Tessera's own HS256 secrets, named by `kid` so that
they rotate without downtime, and the brand's identity provider, whose RS256 and ES256 keys
come from its JWKS URL.

Rotation: give the new secret and a new `token_key_id`, and keep the old one in
`previous_secrets` under its id until the tokens it signed have expired. Tokens name their
key in the JWT header's `kid`; a token without one (issued before kids) is read with the
current secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from app.settings import Settings

ISSUER = "tessera"
IDP_ALGORITHMS = ("RS256", "ES256")


class BadToken(Exception):
    pass


@dataclass(frozen=True, slots=True)
class IdentityProvider:
    """Tokens the brand's identity provider signs, for its members (or, with a role claim,
    its staff): verified with the keys its JWKS URL lists, for its issuer and audience."""

    jwks: jwt.PyJWKClient
    issuer: str
    audience: str | None
    member_claim: str = "sub"  # the claim holding the Tessera member id
    # None: every token it signs is a member's. Named: the claim may give a staff role (pos,
    # callcenter, admin), for a provider that controls that claim.
    role_claim: str | None = None


@dataclass(frozen=True, slots=True)
class TokenKeys:
    secret: str  # signs the tokens Tessera issues
    key_id: str = ISSUER
    previous: Mapping[str, str] = field(default_factory=dict)  # still verify, never sign
    idp: IdentityProvider | None = None

    def claims(self, token: str) -> dict[str, Any]:
        """The token's claims if its signature, issuer (and audience) hold; expiry is the
        caller's to check, on Tessera's clock."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise BadToken("the token is not valid") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm in IDP_ALGORITHMS and self.idp is not None:
            return self._from_idp(token, self.idp)
        return self._own(token, kid)

    def _own(self, token: str, kid: object) -> dict[str, Any]:
        secret = self.secret if kid in (None, self.key_id) else self.previous.get(str(kid))
        if secret is None:
            raise BadToken("the token is signed with a key Tessera does not know")
        return _decode(token, secret, ["HS256"], ISSUER, None)

    def _from_idp(self, token: str, idp: IdentityProvider) -> dict[str, Any]:
        try:
            key = idp.jwks.get_signing_key_from_jwt(token)
        except jwt.PyJWKClientConnectionError:
            raise BadToken("the identity provider's keys cannot be fetched") from None
        except jwt.PyJWKClientError:
            raise BadToken(
                "the token is signed with a key the identity provider does not list"
            ) from None
        claims = _decode(token, key.key, list(IDP_ALGORITHMS), idp.issuer, idp.audience)
        role = claims.get(idp.role_claim, "member") if idp.role_claim else "member"
        found = {**claims, "role": role}
        if role == "member":
            found["member_id"] = claims.get(idp.member_claim)
        return found


def _decode(
    token: str, key: Any, algorithms: list[str], issuer: str, audience: str | None
) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=algorithms,
            issuer=issuer,
            audience=audience,
            # Expiry is checked by the caller on Tessera's clock, as every other deadline is.
            options={
                "require": ["exp", "sub"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_aud": audience is not None,
            },
        )
    except jwt.InvalidTokenError:
        raise BadToken("the token is not valid") from None
    return claims


def token_keys(settings: Settings) -> TokenKeys:
    """The keys the settings give; an identity provider needs its issuer (else any issuer
    holding a key in that JWKS could sign for it)."""
    idp = None
    if settings.jwks_url:
        if not settings.jwt_issuer:
            raise ValueError("TESSERA_JWKS_URL needs TESSERA_JWT_ISSUER, the tokens' `iss`")
        idp = IdentityProvider(
            # Keys are fetched once and kept five minutes; a token naming a kid not in the
            # set fetches it again (an identity provider rotating its keys).
            jwt.PyJWKClient(settings.jwks_url, cache_jwk_set=True, lifespan=300, timeout=5),
            settings.jwt_issuer,
            settings.jwt_audience,
            settings.jwt_member_claim,
            settings.jwt_role_claim,
        )
    previous = {kid: key.get_secret_value() for kid, key in settings.previous_secrets.items()}
    return TokenKeys(settings.secret.get_secret_value(), settings.token_key_id, previous, idp)

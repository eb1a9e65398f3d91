"""OpenID Connect login (authorization code flow with PKCE) against the newsroom's provider:
Keycloak, Google Workspace, Microsoft Entra ID…

The provider says who the person is; the server decides what they may do: the claim named by
`username_claim` (`preferred_username` by default, `email` for Google) must name an existing local
account (`faisceau users add NAME --sso`), whose roles are granted here. The configuration is
`oidc.json` in the server folder (`faisceau server oidc DIR …`), read at each login, so it can be
changed without a restart.

Authlib builds the authorization request and exchanges the code (the client secret sent as HTTP
Basic); joserfc checks the ID token's signature against the provider's published keys and its
issuer, audience, nonce and expiry.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ..exc import UsageError
from ..store import accounts
from .serverdir import Server

CONFIG = "oidc.json"
TIMEOUT = 15.0


class OidcError(UsageError):
    """A single sign-on that could not complete (shown to the user, audited)."""


@dataclass(frozen=True)
class Config:
    """Where the provider is and who this server is to it."""

    issuer: str
    client_id: str
    client_secret: str
    redirect_uri: str                     # https://faisceau.example.org/login/oidc/callback
    username_claim: str = "preferred_username"
    scope: str = "openid profile email"

    @classmethod
    def load(cls, server: Server) -> Config | None:
        """The server's configuration, or None when single sign-on is off."""
        path = server.root / CONFIG
        if not path.is_file():
            return None
        data = json.loads(path.read_text("utf-8"))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})

    def save(self, server: Server) -> None:
        """Write it (readable by the owner only: it holds the client secret)."""
        path: Path = server.root / CONFIG
        tmp = path.with_suffix(".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self.__dict__, f, indent=1)
        os.replace(tmp, path)


_DISCOVERED: dict[str, tuple[float, dict[str, Any]]] = {}


def discover(issuer: str) -> dict[str, Any]:
    """The provider's metadata (cached an hour); its issuer must be the one configured."""
    cached = _DISCOVERED.get(issuer)
    if cached and time.time() - cached[0] < 3600:
        return cached[1]
    try:
        r = httpx.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=TIMEOUT)
        r.raise_for_status()
        meta = r.json()
    except (httpx.HTTPError, ValueError) as e:
        raise OidcError(f"the identity provider did not answer: {str(e)[:200]}") from None
    if meta.get("issuer") != issuer:
        raise OidcError("the identity provider names another issuer than the one configured")
    _DISCOVERED[issuer] = (time.time(), meta)
    return meta


def _client(cfg: Config) -> Any:
    from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]

    return OAuth2Client(cfg.client_id, cfg.client_secret, scope=cfg.scope, redirect_uri=cfg.redirect_uri,
                        code_challenge_method="S256", token_endpoint_auth_method="client_secret_basic",
                        timeout=TIMEOUT)


def start(server: Server, cfg: Config, next_path: str) -> str:
    """The provider's authorization URL for a new login (its state, nonce and verifier remembered)."""
    from authlib.common.security import generate_token  # type: ignore[import-untyped]

    meta = discover(cfg.issuer)
    nonce, verifier = generate_token(32), generate_token(64)
    with _client(cfg) as client:
        url, state = client.create_authorization_url(meta["authorization_endpoint"], nonce=nonce,
                                                     code_verifier=verifier)
    accounts.add_oidc_pending(server.store(), state, nonce, verifier, next_path, time.time())
    return str(url)


def finish(server: Server, cfg: Config, state: str, code: str) -> tuple[str, str]:
    """(local user name, next path) of a callback; raises OidcError when anything does not check out."""
    from joserfc import jwt
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    pending = accounts.take_oidc_pending(server.store(), state) if state else None
    if pending is None or time.time() - pending["created"] > 600:
        raise OidcError("this sign-on expired or was not started here: start again")
    meta = discover(cfg.issuer)
    try:
        with _client(cfg) as client:
            token = client.fetch_token(meta["token_endpoint"], code=code, code_verifier=pending["verifier"],
                                       grant_type="authorization_code")
        keys = KeySet.import_key_set(httpx.get(meta["jwks_uri"], timeout=TIMEOUT).json())
        decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256", "ES256", "PS256"])
        jwt.JWTClaimsRegistry(iss={"essential": True, "value": cfg.issuer},
                              aud={"essential": True, "value": cfg.client_id},
                              nonce={"essential": True, "value": pending["nonce"]},
                              exp={"essential": True}).validate(decoded.claims)
    except (httpx.HTTPError, KeyError, ValueError, JoseError) as e:
        raise OidcError(f"the identity provider's answer did not check out: {type(e).__name__}") from None
    except Exception as e:  # Authlib's OAuth errors (a refused code) have no common base with the above
        raise OidcError(f"the identity provider refused the sign-on: {str(e)[:200]}") from None
    claims = decoded.claims
    if cfg.username_claim == "email" and claims.get("email_verified") is False:
        raise OidcError("the identity provider has not verified this e-mail address")
    name = claims.get(cfg.username_claim)
    if not isinstance(name, str) or accounts.user(server.store(), name) is None:
        raise OidcError("no account here for this identity: ask an administrator to add it")
    return name, str(pending["next"])

"""A real OpenID Connect provider on 127.0.0.1 for the tests: pyop (IdentityPython's OP library,
used by SATOSA) behind a small HTTP server — discovery, authorization, token and JWKS endpoints,
RS256-signed ID tokens, PKCE, client authentication by HTTP Basic.

What pyop leaves to its deployer is how a person logs in at the provider: here the test says who is
logged in there (`IdP.person`), as a person would have by typing their password at the provider.

An issuer must be HTTPS: the provider serves TLS with a certificate for 127.0.0.1 made here, which
`cafile` names (the tests point SSL_CERT_FILE at it, as an operator would at their CA).
"""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import ssl
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from Cryptodome.PublicKey import RSA
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from jwkest.jwk import RSAKey
from pyop.authz_state import AuthorizationState
from pyop.exceptions import OAuthError
from pyop.provider import Provider
from pyop.subject_identifier import HashBasedSubjectIdentifierFactory
from pyop.userinfo import Userinfo


class IdP:
    """The provider, serving from a thread; `stop()` ends it."""

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str,
                 people: dict[str, dict[str, Any]], folder: Path) -> None:
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.cafile = _certificate(folder)
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(folder / "idp.pem", folder / "idp.key")
        self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.issuer = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        key = RSAKey(key=RSA.generate(2048), alg="RS256", kid="test-key")
        config = {
            "issuer": self.issuer,
            "authorization_endpoint": self.issuer + "/authorize",
            "token_endpoint": self.issuer + "/token",
            "jwks_uri": self.issuer + "/jwks",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "subject_types_supported": ["pairwise"],
            "grant_types_supported": ["authorization_code"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "scopes_supported": ["openid", "profile", "email"],
            "code_challenge_methods_supported": ["S256"],
        }
        clients = {client_id: {"client_secret": client_secret, "redirect_uris": [redirect_uri],
                               "response_types": ["code"], "token_endpoint_auth_method": "client_secret_basic"}}
        state = AuthorizationState(HashBasedSubjectIdentifierFactory("test-salt"), {}, {}, {}, {})
        self.people = people
        self.provider = Provider(key, config, state, clients, Userinfo(people))
        self.person: str | None = None
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def claims(self, user: str, client_id: str) -> dict[str, Any]:
        """What the ID token says about a person besides `sub`."""
        return {k: v for k, v in self.people[user].items() if k in ("preferred_username", "email")}

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        idp = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _send(self, status: int, body: str, location: str | None = None) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                url = urlparse(self.path)
                p = idp.provider
                if url.path == "/.well-known/openid-configuration":
                    self._send(200, p.provider_configuration.to_json())
                elif url.path == "/jwks":
                    self._send(200, json.dumps(p.jwks))
                elif url.path == "/authorize":
                    try:
                        req = p.parse_authentication_request(url.query, dict(self.headers))
                    except Exception as e:  # noqa: BLE001 (the provider's answer to a bad request)
                        self._send(400, json.dumps({"error": str(e)}))
                        return
                    who = idp.person
                    assert who is not None, "nobody is logged in at the provider"
                    resp = p.authorize(req, who)
                    self._send(303, "", location=resp.request(req["redirect_uri"], False))
                else:
                    self._send(404, "{}")

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                if urlparse(self.path).path != "/token":
                    self._send(404, "{}")
                    return
                try:
                    # the ID token names the person as Keycloak or Entra ID do (preferred_username, email)
                    resp = idp.provider.handle_token_request(body, dict(self.headers),
                                                             extra_id_token_claims=idp.claims)
                except OAuthError as e:
                    self._send(400, json.dumps({"error": e.oauth_error, "error_description": str(e)}))
                    return
                self._send(200, resp.to_json())

            def log_message(self, *args: object) -> None:
                pass

        return Handler


def _certificate(folder: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (idp.pem, idp.key); returns the certificate's path."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test identity provider")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    (folder / "idp.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    (folder / "idp.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return folder / "idp.pem"

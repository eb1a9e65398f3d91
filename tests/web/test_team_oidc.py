"""OpenID Connect login against a real provider started here (pyop, see oidcprovider.py): the code
flow with PKCE, the ID token checked, the identity mapped to a local account and its roles; a
replayed or forged callback, an unknown identity and a wrong client secret are refused."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from oidcprovider import IdP
from teamkit import Team, client, team  # noqa: F401 (the fixture)

from faisceau.store import audit
from faisceau.team.access import COOKIE
from faisceau.team.oidc import CONFIG, Config


@pytest.fixture(scope="module")
def idp(team: Team, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IdP]:  # noqa: F811
    redirect = team.url + "/login/oidc/callback"
    provider = IdP("faisceau-test", "client-secret-1", redirect, {
        "u-100": {"preferred_username": "sso-reporter", "email": "reporter@newsroom.example"},
        "u-200": {"preferred_username": "stranger", "email": "stranger@elsewhere.example"},
    }, tmp_path_factory.mktemp("idp"))
    # the server (in this process) trusts the provider's certificate as it would a company CA
    patch = pytest.MonkeyPatch()
    patch.setenv("SSL_CERT_FILE", str(provider.cafile))
    Config(provider.issuer, "faisceau-test", "client-secret-1", redirect).save(team.server)
    team.server.add_user("sso-reporter", sso=True)
    team.server.grant("sso-reporter", "alpha", "reader")
    yield provider
    (team.root / CONFIG).unlink()
    patch.undo()
    provider.stop()


def sign_on(c: httpx.Client, idp: IdP, person: str, next_path: str = "/p/alpha/search") -> httpx.Response:
    """Through the login link to the provider and back; returns the server's answer to the callback."""
    idp.person = person
    r = c.get("/login/oidc", params={"next": next_path})
    assert r.status_code == 303 and r.headers["location"].startswith(idp.issuer + "/authorize?")
    query = parse_qs(urlparse(r.headers["location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    back = httpx.get(r.headers["location"], verify=ssl.create_default_context(cafile=str(idp.cafile)))  # the browser at the provider, sent back
    assert back.status_code == 303, back.text
    return c.get(back.headers["location"])


def test_sign_on_maps_the_identity_to_its_account_and_roles(team: Team, idp: IdP) -> None:  # noqa: F811
    with client(team) as c:
        assert 'id="sso"' in c.get("/login").text
        r = sign_on(c, idp, "u-100")
        assert r.status_code == 303 and r.headers["location"] == "/p/alpha/search", r.text[-600:]
        assert COOKIE in r.cookies
        assert c.get("/p/alpha/api/search", params={"q": "Acme"}).json()["total"] == 3
        assert c.get("/p/beta/api/search").status_code == 404  # roles come from here, not the provider
    team.flush()
    logins = [e for e in audit.entries(team.server.store(), user="sso-reporter", action="login")]
    assert logins and logins[0]["detail"]["via"] == "oidc"


def test_an_identity_without_an_account_is_refused(team: Team, idp: IdP) -> None:  # noqa: F811
    with client(team) as c:
        r = sign_on(c, idp, "u-200")
        assert r.status_code == 401 and "no account here" in r.text and COOKIE not in r.cookies


def test_a_callback_cannot_be_replayed_or_forged(team: Team, idp: IdP) -> None:  # noqa: F811
    with client(team) as c:
        idp.person = "u-100"
        start = c.get("/login/oidc")
        back = httpx.get(start.headers["location"], verify=ssl.create_default_context(cafile=str(idp.cafile))).headers["location"]
        assert c.get(back).status_code == 303
    with client(team) as thief:  # the same code and state again
        r = thief.get(back)
        assert r.status_code == 401 and COOKIE not in r.cookies
        r = thief.get("/login/oidc/callback", params={"state": "made-up", "code": "made-up"})
        assert r.status_code == 401 and COOKIE not in r.cookies


def test_a_wrong_client_secret_gets_no_session(team: Team, idp: IdP) -> None:  # noqa: F811
    good = Config.load(team.server)
    assert good is not None
    Config(good.issuer, good.client_id, "not-the-secret", good.redirect_uri).save(team.server)
    try:
        with client(team) as c:
            r = sign_on(c, idp, "u-100")
            assert r.status_code == 401 and COOKIE not in r.cookies
    finally:
        good.save(team.server)

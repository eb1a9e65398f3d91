"""Server mode's authorisation matrix, generated from the app's own route table: every route ×
anonymous, reader, editor, admin of project alpha, and a member of another project (beta)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from teamkit import Persona, Team, client, login, team  # noqa: F401 (the fixture)

from faisceau.team import rules
from faisceau.team.access import RouteTable, UndeclaredRoute
from faisceau.web import api, api_analysis, pages

# a sample value for each path parameter (a document id is filled in from the project)
SAMPLES = {"ident": "Acme", "name": "no-such-search", "tag": "hot", "citation": "999999", "decision": "999999",
           "number": "1", "code": "en", "fmt": "csv", "project": "alpha", "path": "app.css"}


@pytest.fixture(scope="module")
def personas(team: Team) -> Iterator[dict[str, Persona | None]]:  # noqa: F811
    out: dict[str, Persona | None] = {"anonymous": None}
    for name in ("rita", "ed", "ada", "otto"):
        out[name] = login(team, name)
    yield out
    for p in out.values():
        if p is not None:
            p.http.close()


def concrete(template: str, doc_id: str) -> str:
    """A path for a route template, its parameters filled in."""
    path = re.sub(r"\{doc_id\}", doc_id, template)
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: SAMPLES[m.group(1)], path)


def cases() -> list[tuple[str, str, str, rules.Rule]]:
    """(scope, method, template, rule) for every route of the app; scope is "project" or "server"."""
    out = [("project", m, t, r) for (m, t), r in rules.PROJECT.items()]
    out += [("server", m, t, r) for (m, t), r in rules.SERVER.items()]
    return out


def expected(persona: str, scope: str, rule: rules.Rule) -> str:
    """"ok", or the refusal: "login" (401 / the login page), "hidden" (404), "forbidden" (403)."""
    if rule.role == rules.PUBLIC:
        return "ok"
    if persona == "anonymous":
        return "login"
    if rule.role == rules.AUTHENTICATED:
        return "ok"
    role = {"rita": "reader", "ed": "editor", "ada": "admin"}.get(persona)
    if role is None:  # otto: a member of beta only, on alpha's routes
        return "hidden"
    return "ok" if rules.allows(role, rule.role) else "forbidden"


def outcome(r: httpx.Response) -> str:
    """What the access layer decided, from the response."""
    body = r.json() if r.headers.get("content-type", "").startswith("application/json") else None
    if r.status_code == 401 and body == {"error": "log in first"}:
        return "login"
    if r.status_code == 404 and body == {"error": "not found"}:
        return "hidden"
    if r.status_code == 403 and "does not allow this" in r.text:
        return "forbidden"
    return "ok"


def test_the_rule_table_covers_exactly_the_apps_routes(team: Team) -> None:  # noqa: F811
    access = team.bg.server.config.app.app  # type: ignore[union-attr]  # Guard → Access
    table: RouteTable = access.table
    declared = {(m, t) for _, t, ms in table.project for m in ms}
    assert declared == set(rules.PROJECT), declared ^ set(rules.PROJECT)
    assert {(m, t) for _, t, ms in table.server for m in ms} == set(rules.SERVER)


def test_a_route_without_a_rule_stops_server_mode() -> None:
    app = FastAPI()
    app.include_router(api.router)
    app.include_router(api_analysis.router)
    app.include_router(pages.router)

    @app.get("/api/new-thing")
    def new_thing() -> dict[str, str]:
        return {}

    with pytest.raises(UndeclaredRoute, match="GET /api/new-thing"):
        RouteTable([], app.routes, ["alpha"])


@pytest.mark.parametrize(("scope", "method", "template", "rule"), cases(),
                         ids=[f"{m} {t}" for _, m, t, _ in cases()])
def test_authorisation_matrix(team: Team, personas: dict[str, Persona | None], scope: str, method: str,  # noqa: F811
                              template: str, rule: rules.Rule) -> None:
    if (method, template) == ("POST", "/logout"):
        pytest.skip("logging out ends the persona's session: test_team_security covers it")
    doc_id = team.ids["alpha"]["contrat.txt"]
    path = concrete(template, doc_id)
    if scope == "project":
        path = "/p/alpha" + (path if path != "/static" else "/static/app.css")
    elif template == "/static":
        path = "/static/app.css"
    got: dict[str, str] = {}
    for name, persona in personas.items():
        # an invalid body: what is checked is who may call the route, not what it does
        kw: dict[str, object] = {"content": b"{", "headers": {"content-type": "application/json"}} \
            if method not in ("GET", "HEAD") else {}
        if persona is None:
            with client(team) as c:
                r = c.request(method, path, **kw)  # type: ignore[arg-type]
        else:
            r = persona.send(method, path, **kw)
        got[name] = outcome(r)
    want = {name: expected(name, scope, rule) for name in personas}
    assert got == want, f"{method} {path}"

"""The middleware of server mode: authenticate every request, authorise it from the rule table,
check its CSRF token, and record what the audit trail keeps.

Nothing reaches a project's workbench or a server page without passing here. A request is matched
against the routes of the app itself (not a list kept by hand beside it): its route template and
method give its `Rule`; a path no route matches is a 404, a method no rule declares a 405. The
user's role on the project is read from the server database at each request, so a grant or a
revocation is felt on the next one. A user who is not a member of a project gets a 404 for it, as
if it did not exist; a member whose role is too low, a 403.
"""

from __future__ import annotations

import hmac
import re
import time
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, quote

import orjson
from fastapi.routing import iter_route_contexts
from starlette.routing import BaseRoute, Mount

from ..store import accounts
from ..store.values import acting_user
from . import passwords, rules
from .rules import Rule
from .serverdir import TOKEN_PREFIX, Server
from .trail import AuditWriter

Scope = MutableMapping[str, Any]
SAFE = {"GET", "HEAD", "OPTIONS"}
COOKIE = "faisceau_session"
# what a user whose password must change may still reach
WHILE_MUST_CHANGE = {"/account/password", "/logout", "/static", "/favicon.ico", "/login"}
# path parameters that name the object an action touches, most specific first
OBJECT_PARAMS = ("doc_id", "ident", "decision", "citation", "name", "project")


@dataclass(frozen=True)
class Options:
    """Session lifetimes and cookie flags of a server."""

    idle_seconds: float = 3600.0          # a session unused this long ends
    absolute_seconds: float = 12 * 3600.0  # and any session ends this long after login
    secure_cookies: bool = False          # set behind TLS (a reverse proxy): the cookie is never sent in clear


@dataclass(frozen=True)
class Auth:
    """Who sent a request, and how."""

    user: str
    server_role: str
    must_change: bool
    via: str                  # "session" or "token"
    csrf: str = ""
    session_hash: str = ""


@dataclass(frozen=True)
class Match:
    """The route a request is for."""

    template: str
    rules: dict[str, Rule]
    params: dict[str, str]
    project: str | None


class UndeclaredRoute(RuntimeError):
    """A route of the app has no rule: server mode does not start (fail closed)."""


def templates_of(routes: Iterable[BaseRoute]) -> list[tuple[re.Pattern[str], str, set[str]]]:
    """(regex, template, methods) of every route, the routers an app includes flattened (FastAPI keeps
    them as branches); a mount of files is one route at its path."""
    out: list[tuple[re.Pattern[str], str, set[str]]] = []
    for rc in iter_route_contexts(list(routes)):
        r = rc.original_route
        if isinstance(r, Mount):
            out.append((r.path_regex, r.path, {"GET"}))
        else:
            methods = set(rc.methods or {"GET"}) - {"HEAD"}
            out.append((rc.path_regex, str(rc.path), methods))
    return out


def undeclared(routes: list[tuple[re.Pattern[str], str, set[str]]], table: dict[tuple[str, str], Rule]) -> list[str]:
    """`METHOD template` of every route without a rule."""
    return [f"{m} {t}" for _, t, methods in routes for m in sorted(methods) if (m, t) not in table]


class RouteTable:
    """The server's routes and the projects' routes with their rules, checked complete."""

    def __init__(self, server_routes: Iterable[BaseRoute], project_routes: Iterable[BaseRoute],
                 projects: Iterable[str]) -> None:
        self.server = templates_of(r for r in server_routes if not (isinstance(r, Mount) and r.path.startswith("/p/")))
        self.project = templates_of(project_routes)
        missing = undeclared(self.server, rules.SERVER) + undeclared(self.project, rules.PROJECT)
        if missing:
            raise UndeclaredRoute("routes without an access rule (faisceau/team/rules.py): " + ", ".join(missing))
        self.projects = set(projects)

    def match(self, path: str) -> Match | None:
        """The route of a path, or None."""
        for regex, template, _ in self.server:
            m = regex.match(path)
            if m:
                return self._match(template, rules.SERVER, m.groupdict(), None)
        if path.startswith("/p/"):
            name, _, rest = path[3:].partition("/")
            if name not in self.projects:
                return None
            for regex, template, _ in self.project:
                m = regex.match("/" + rest)
                if m:
                    return self._match(template, rules.PROJECT, m.groupdict(), name)
        return None

    @staticmethod
    def _match(template: str, table: dict[tuple[str, str], Rule], params: dict[str, str], project: str | None) -> Match:
        found = {m: r for (m, t), r in table.items() if t == template}
        return Match(template, found, params, project or params.get("project"))


class Access:
    """ASGI middleware: authentication, authorisation, CSRF, audit (see the module's docstring)."""

    def __init__(self, app: Any, server: Server, table: RouteTable, options: Options, writer: AuditWriter) -> None:
        self.app = app
        self.server = server
        self.table = table
        self.options = options
        self.writer = writer

    # -- who -------------------------------------------------------------------------------------

    def authenticate(self, headers: dict[str, str]) -> Auth | None:
        """The user of a request: an API token in `Authorization`, else the session cookie."""
        st = self.server.store()
        now = time.time()
        bearer = headers.get("authorization", "")
        if bearer[:7].lower() == "bearer ":
            secret = bearer[7:].strip()
            row = accounts.token(st, passwords.digest(secret)) if secret.startswith(TOKEN_PREFIX) else None
            if row is None or row["expires"] < now or row["disabled"]:
                return None
            return Auth(row["user"], row["server_role"], bool(row["must_change"]), "token")
        secret = session_cookie(headers.get("cookie", ""))
        if not secret:
            return None
        digest = passwords.digest(secret)
        row = accounts.session(st, digest)
        if row is None:
            return None
        if row["disabled"] or now > row["expires"] or now - row["last_seen"] > self.options.idle_seconds:
            accounts.delete_session(st, digest)
            return None
        # the idle clock to the minute (or a quarter of the idle time): not a write per request
        if now - row["last_seen"] > min(60.0, self.options.idle_seconds / 4):
            accounts.touch_session(st, digest, now)
        return Auth(row["user"], row["server_role"], bool(row["must_change"]), "session", row["csrf"], digest)

    # -- the request -----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":  # no route takes one: refused rather than passed on unchecked
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":  # the lifespan
            await self.app(scope, receive, send)
            return
        method = "GET" if scope["method"] == "HEAD" else scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        auth = self.authenticate(headers)
        path = scope["path"]
        match = self.table.match(path)
        if match is None:
            await self.refuse(send, scope, headers, auth, 404, "not found")
            return
        rule = match.rules.get(method)
        if rule is None:
            await respond(send, 405, "method not allowed")
            return
        role: str | None = None
        if rule.role != rules.PUBLIC:
            if auth is None:
                await self.refuse(send, scope, headers, None, 401, "log in first")
                return
            if auth.must_change and match.template not in WHILE_MUST_CHANGE:
                if auth.via == "session" and wants_html(headers, path):
                    await redirect(send, "/account/password")
                else:
                    await respond(send, 403, "change your one-time password first")
                return
            if rule.role != rules.AUTHENTICATED:
                assert match.project is not None
                role = self.server.role(auth.user, auth.server_role, match.project)
                if role is None:
                    await respond(send, 404, "not found", json_body=not wants_html(headers, path))
                    return
                if not rules.allows(role, rule.role):
                    await respond(send, 403, f"your role on this project ({role}) does not allow this",
                                  json_body=not wants_html(headers, path))
                    return
        if method not in SAFE and auth is not None and auth.via == "session" and not rule.csrf_form:
            sent = headers.get("x-csrf-token", "")
            if not sent or not hmac.compare_digest(sent, auth.csrf):
                await respond(send, 403, "missing or wrong CSRF token", json_body=True)
                return
        if auth is not None:
            scope["faisceau.team"] = {"user": auth.user, "role": role or auth.server_role, "csrf": auth.csrf,
                                      "project": match.project, "via": auth.via, "session": auth.session_hash}
        status = 0

        async def watch(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                if self.options.secure_cookies:
                    message["headers"] = [*message.get("headers", []),
                                          (b"strict-transport-security", b"max-age=31536000")]
            await send(message)

        token = acting_user.set(auth.user if auth else None)
        try:
            await self.app(scope, receive, watch)
        finally:
            acting_user.reset(token)
        if rule.action and auth is not None and status < 400:
            self.audit(auth.user, rule.action, match, scope.get("query_string", b""))

    def audit(self, user: str, action: str, match: Match, query: bytes) -> None:
        """Record an action: the object from the path, the search query (never document text)."""
        obj = next((match.params[k] for k in OBJECT_PARAMS if match.params.get(k)), None)
        detail = {k: v for k, v in match.params.items() if k not in OBJECT_PARAMS}
        if action in ("search", "export-csv", "export-graph", "tag-search"):
            q = parse_qs(query.decode("latin-1")).get("q")
            if q:
                detail["query"] = q[0][:500]
        self.writer.submit(user, action, match.project, obj, detail)

    async def refuse(self, send: Any, scope: Scope, headers: dict[str, str], auth: Auth | None, status: int,
                     text: str) -> None:
        """401 for scripts; the login page (back here afterwards) for a browser's page."""
        path = scope["path"]
        if auth is None and scope["method"] in ("GET", "HEAD") and wants_html(headers, path):
            qs = scope.get("query_string", b"").decode("latin-1")
            back = path + (f"?{qs}" if qs else "")
            await redirect(send, "/login?next=" + quote(back, safe=""))
            return
        await respond(send, 401 if auth is None else status, text if auth else "log in first",
                      json_body=not wants_html(headers, path))


def session_cookie(header: str) -> str:
    """The session id from a Cookie header ("" when there is none)."""
    if COOKIE not in header:
        return ""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return ""
    morsel = jar.get(COOKIE)
    return morsel.value if morsel else ""


def wants_html(headers: dict[str, str], path: str) -> bool:
    """A browser asking for a page (not the API, not a script)."""
    return "/api/" not in path and "text/html" in headers.get("accept", "")


async def redirect(send: Any, location: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode("latin-1")), (b"content-length", b"0"),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": b""})


async def respond(send: Any, status: int, text: str, json_body: bool = True) -> None:
    body = orjson.dumps({"error": text}) if json_body else (text + "\n").encode("utf-8")
    kind = b"application/json" if json_body else b"text/plain; charset=utf-8"
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})

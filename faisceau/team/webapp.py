"""The ASGI app of server mode: each project's workbench under /p/<name>/, and the login, account,
project-list and audit pages, behind the safety guard and the access middleware.

    app = create_server_app(Server.open(Path("server")), ("faisceau.example.org",))
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..exc import UsageError
from ..store import accounts, audit
from ..web.app import STATIC, create_app
from ..web.i18n import COOKIE as LANG_COOKIE
from ..web.i18n import choose, translator
from ..web.safety import Guard
from ..web.workbench import Workbench
from . import oidc, passwords
from .access import COOKIE, Access, Options, RouteTable
from .serverdir import Server
from .trail import AuditWriter

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
WINDOW = 15 * 60          # seconds a failed login counts against an account or an address
ACCOUNT_LIMIT = 5         # failures on one account in the window: locked until the window has passed
ADDRESS_LIMIT = 20        # failures from one address in the window (many accounts tried)
DELAY_STEP, DELAY_MAX = 0.2, 2.0  # each earlier failure slows the next answer by this much (seconds)


def local_path(target: str) -> str:
    """`next` after login: a path on this server only (never an open redirect)."""
    ok = (target.startswith("/") and not target.startswith("//") and "\\" not in target
          and not any(c < " " for c in target))
    return target if ok else "/"


async def form_of(request: Request) -> dict[str, str]:
    """An url-encoded form's fields (first value of each; 16 KiB at most)."""
    body = await request.body()
    if len(body) > 16384:
        raise UsageError("form too large")
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}


class ServerApp:
    """The server's pages; `app()` assembles them with every project's workbench."""

    def __init__(self, server: Server, allowed_hosts: tuple[str, ...], options: Options) -> None:
        self.server = server
        self.allowed_hosts = allowed_hosts
        self.options = options
        self.writer = AuditWriter(server)

    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        lang = choose(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
        ctx = {"t": translator(lang), "lang": lang, "team": request.scope.get("faisceau.team"), "title": "faisceau",
               **context}
        resp = TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)
        resp.headers["Cache-Control"] = "no-store"
        return resp

    def routes(self) -> list[BaseRoute]:
        """The server's own routes (each declared in rules.SERVER)."""
        return [
            Route("/login", self.login_page, methods=["GET"]),
            Route("/login", self.login, methods=["POST"]),
            Route("/login/oidc", self.oidc_start, methods=["GET"]),
            Route("/login/oidc/callback", self.oidc_callback, methods=["GET"]),
            Route("/logout", self.logout, methods=["POST"]),
            Route("/", self.projects, methods=["GET"]),
            Route("/account/password", self.password_page, methods=["GET"]),
            Route("/account/password", self.password, methods=["POST"]),
            Route("/favicon.ico", self.favicon, methods=["GET"]),
            Route("/p/{project}/audit", self.audit_page, methods=["GET"]),
            Route("/p/{project}/api/audit", self.audit_json, methods=["GET"]),
            Route("/p/{project}/members", self.members_page, methods=["GET"]),
            Route("/p/{project}/members", self.members_change, methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]

    def app(self) -> Any:
        """Guard (hosts, origins, headers) → Access (who, may they, CSRF, audit) → the routes."""
        project_routes: list[BaseRoute] = []
        mounts: list[BaseRoute] = []
        for p in self.server.projects():
            sub = create_app(Workbench.open(Path(p["path"]), self.allowed_hosts))
            project_routes = list(sub.routes)
            mounts.append(Mount(f"/p/{p['name']}", app=sub))
        if not project_routes:  # no project yet: the table is still checked against the workbench's routes
            from ..web import api, api_analysis, pages
            project_routes = [*api.router.routes, *api_analysis.router.routes, *pages.router.routes]
        own = self.routes()
        table = RouteTable(own, project_routes, [p["name"] for p in self.server.projects()])
        writer = self.writer

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            yield
            await anyio.to_thread.run_sync(writer.close)  # the last entries reach the disk

        inner = Starlette(routes=[*own, *mounts], lifespan=lifespan)
        return Guard(Access(inner, self.server, table, self.options, writer), allowed_hosts=self.allowed_hosts)

    # -- login and logout ------------------------------------------------------------------------

    async def login_page(self, request: Request) -> Response:
        sso = await anyio.to_thread.run_sync(oidc.Config.load, self.server) is not None
        return self.render(request, "login.html", next=local_path(request.query_params.get("next", "/")), sso=sso)

    def _session_response(self, secret: str, target: str, old: str | None) -> Response:
        if old:  # never keep a session id that existed before the login (fixation)
            accounts.delete_session(self.server.store(), passwords.digest(old))
        resp = RedirectResponse(target, status_code=303)
        resp.set_cookie(COOKIE, secret, httponly=True, samesite="lax", secure=self.options.secure_cookies,
                        path="/", max_age=int(self.options.absolute_seconds))
        return resp

    def _new_session(self, name: str) -> str:
        now = time.time()
        secret, csrf = passwords.new_secret(), passwords.new_secret()
        accounts.add_session(self.server.store(), passwords.digest(secret), name, csrf, now,
                             now + self.options.absolute_seconds)
        return secret

    async def oidc_start(self, request: Request) -> Response:
        target = local_path(request.query_params.get("next", "/"))

        def go() -> str | None:
            cfg = oidc.Config.load(self.server)
            return oidc.start(self.server, cfg, target) if cfg else None

        try:
            url = await anyio.to_thread.run_sync(go)
        except oidc.OidcError as e:
            return self.render(request, "login.html", 502, next=target, error=str(e))
        if url is None:
            return self.render(request, "login.html", 404, next=target, error="single sign-on is not set up here")
        return RedirectResponse(url, status_code=303)

    async def oidc_callback(self, request: Request) -> Response:
        q = request.query_params
        address = request.client.host if request.client else "unknown"

        def back() -> tuple[str, str]:
            cfg = oidc.Config.load(self.server)
            if cfg is None:
                raise oidc.OidcError("single sign-on is not set up here")
            if q.get("error"):
                raise oidc.OidcError(f"the identity provider said: {q.get('error', '')[:100]}")
            name, target = oidc.finish(self.server, cfg, q.get("state", ""), q.get("code", ""))
            row = self.server.need_user(name)
            if row["disabled"]:
                raise oidc.OidcError("this account is disabled")
            secret = self._new_session(name)
            self.server.record(name, "login", address=address, via="oidc")
            return secret, target

        try:
            secret, target = await anyio.to_thread.run_sync(back)
        except oidc.OidcError as e:
            why = str(e)
            await anyio.to_thread.run_sync(lambda: self.server.record(None, "login-failed", address=address,
                                                                      via="oidc", reason=why[:200]))
            return self.render(request, "login.html", 401, next="/", error=why)
        old = request.cookies.get(COOKIE)
        return await anyio.to_thread.run_sync(self._session_response, secret, local_path(target), old)

    async def login(self, request: Request) -> Response:
        form = await form_of(request)
        name, password = form.get("name", "")[:64], form.get("password", "")[:1024]
        target = local_path(form.get("next", "/"))
        address = request.client.host if request.client else "unknown"
        verdict, delay, csrf_secret = await anyio.to_thread.run_sync(self._login, name, password, address,
                                                                     form.get("code", "")[:12])
        if verdict == "ok":
            secret, _ = csrf_secret
            old = request.cookies.get(COOKIE)
            if old:  # never keep a session id that existed before the login (fixation)
                await anyio.to_thread.run_sync(lambda: accounts.delete_session(self.server.store(),
                                                                               passwords.digest(old)))
            resp = RedirectResponse(target, status_code=303)
            resp.set_cookie(COOKIE, secret, httponly=True, samesite="lax", secure=self.options.secure_cookies,
                            path="/", max_age=int(self.options.absolute_seconds))
            return resp
        await asyncio.sleep(delay)
        if verdict == "throttled":
            refused = self.render(request, "login.html", 429, next=target,
                               error="too many failed logins: try again later")
            refused.headers["Retry-After"] = str(WINDOW)
            return refused
        return self.render(request, "login.html", 401, next=target, error="wrong user name or password")

    def _login(self, name: str, password: str, address: str, code: str = "") -> tuple[str, float, tuple[str, str]]:
        """("ok" | "throttled" | "failed", delay before answering, (session id, csrf token)).

        An account with a second factor needs the current TOTP code too, each code accepted once;
        a wrong or replayed code is a failed login like a wrong password (same answer, same count)."""
        st = self.server.store()
        now = time.time()
        by_account, last = accounts.failures(st, "account", name, now - WINDOW)
        by_address, _ = accounts.failures(st, "address", address, now - WINDOW)
        if by_account >= ACCOUNT_LIMIT or by_address >= ADDRESS_LIMIT:
            self.server.record(None, "login-throttled", obj=name, address=address,
                               account_failures=by_account, address_failures=by_address)
            return "throttled", DELAY_MAX, ("", "")
        row = accounts.user(st, name)
        ok = passwords.check_password(row["password"] if row else None, password) and row is not None \
            and not row["disabled"]
        why = None if ok else "password"
        if ok and row is not None and row["totp_secret"]:
            step = passwords.totp_step(row["totp_secret"], code, now)
            ok = step is not None and accounts.use_totp_step(st, name, step)
            why = None if ok else "code"
        accounts.record_attempt(st, name, address, now, ok)
        if not ok:
            self.server.record(None, "login-failed", obj=name, address=address, reason=why)
            return "failed", min(DELAY_STEP * (by_account + 1), DELAY_MAX), ("", "")
        secret, csrf = passwords.new_secret(), passwords.new_secret()
        accounts.add_session(st, passwords.digest(secret), name, csrf, now, now + self.options.absolute_seconds)
        self.server.record(name, "login", address=address)
        return "ok", 0.0, (secret, csrf)

    def _form_csrf_ok(self, request: Request, form: dict[str, str]) -> bool:
        team = request.scope.get("faisceau.team") or {}
        sent = form.get("csrf", "")
        return bool(team.get("csrf")) and bool(sent) and hmac.compare_digest(sent, team["csrf"])

    async def logout(self, request: Request) -> Response:
        form = await form_of(request)
        if not self._form_csrf_ok(request, form):
            return JSONResponse({"error": "missing or wrong CSRF token"}, status_code=403)
        team = request.scope["faisceau.team"]

        def end() -> None:
            accounts.delete_session(self.server.store(), team["session"])
            self.server.record(team["user"], "logout")

        await anyio.to_thread.run_sync(end)
        resp = RedirectResponse("/login", status_code=303)
        resp.delete_cookie(COOKIE, path="/")
        return resp

    # -- account ---------------------------------------------------------------------------------

    async def password_page(self, request: Request) -> Response:
        row = await anyio.to_thread.run_sync(self.server.need_user, request.scope["faisceau.team"]["user"])
        return self.render(request, "password.html", must_change=bool(row["must_change"]))

    async def password(self, request: Request) -> Response:
        form = await form_of(request)
        if not self._form_csrf_ok(request, form):
            return JSONResponse({"error": "missing or wrong CSRF token"}, status_code=403)
        user = request.scope["faisceau.team"]["user"]

        def change() -> tuple[str, str]:
            # every session of the user ends, this one too; a new one replaces it
            self.server.change_password(user, form.get("old", ""), form.get("new", ""))
            secret, csrf = passwords.new_secret(), passwords.new_secret()
            now = time.time()
            accounts.add_session(self.server.store(), passwords.digest(secret), user, csrf, now,
                                 now + self.options.absolute_seconds)
            return secret, csrf

        try:
            secret, _ = await anyio.to_thread.run_sync(change)
        except UsageError as e:
            return self.render(request, "password.html", 400, must_change=True, error=str(e))
        resp = RedirectResponse("/", status_code=303)
        resp.set_cookie(COOKIE, secret, httponly=True, samesite="lax", secure=self.options.secure_cookies,
                        path="/", max_age=int(self.options.absolute_seconds))
        return resp

    async def projects(self, request: Request) -> Response:
        team = request.scope["faisceau.team"]

        def mine() -> list[dict[str, Any]]:
            names = [p["name"] for p in self.server.projects()]
            roles = {n: self.server.role(team["user"], team["role"], n) for n in names}
            return [{"name": n, "role": r} for n, r in roles.items() if r]

        return self.render(request, "projects.html", projects=await anyio.to_thread.run_sync(mine))

    async def favicon(self, request: Request) -> Response:
        return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")

    # -- members ---------------------------------------------------------------------------------

    async def members_page(self, request: Request, error: str | None = None, status: int = 200) -> Response:
        project = request.path_params["project"]
        members = await anyio.to_thread.run_sync(lambda: accounts.members_of(self.server.store(), project))
        return self.render(request, "members.html", status, project=project, members=members, error=error)

    async def members_change(self, request: Request) -> Response:
        """A project admin grants or revokes a role on this project (only)."""
        form = await form_of(request)
        if not self._form_csrf_ok(request, form):
            return JSONResponse({"error": "missing or wrong CSRF token"}, status_code=403)
        project, by = request.path_params["project"], request.scope["faisceau.team"]["user"]
        name = form.get("name", "")[:64]

        def change() -> None:
            if form.get("action") == "revoke":
                self.server.revoke(name, project, by=by)
            else:
                self.server.grant(name, project, form.get("role", ""), by=by)

        try:
            await anyio.to_thread.run_sync(change)
        except UsageError as e:
            return await self.members_page(request, str(e), 400)
        return RedirectResponse(f"/p/{project}/members", status_code=303)

    # -- audit -----------------------------------------------------------------------------------

    def _audit(self, request: Request) -> dict[str, Any]:
        self.writer.flush()  # everything done until now, this request's own reading excepted
        q = request.query_params
        f = {"user": q.get("user") or None, "action": q.get("action") or None, "since": q.get("since") or None}
        project = request.path_params["project"]
        st = self.server.store()
        checked, problem = audit.verify(st)
        rows = audit.entries(st, f["user"], project, f["action"], f["since"], limit=int(q.get("limit") or 500))
        return {"project": project, "f": f, "entries": rows, "intact": problem is None, "problem": problem,
                "checked": checked}

    async def audit_page(self, request: Request) -> Response:
        found = await anyio.to_thread.run_sync(self._audit, request)
        return self.render(request, "audit.html", **found)

    async def audit_json(self, request: Request) -> Response:
        found = await anyio.to_thread.run_sync(self._audit, request)
        return JSONResponse({k: found[k] for k in ("entries", "intact", "problem", "checked")})


def create_server_app(server: Server, allowed_hosts: tuple[str, ...], options: Options | None = None) -> Any:
    """The ASGI app of a server folder (raises UndeclaredRoute when a route has no access rule)."""
    return ServerApp(server, allowed_hosts, options or Options()).app()

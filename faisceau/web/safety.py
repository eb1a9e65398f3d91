"""Safety of the local server: Host allow-list, Origin check, security headers on every response.

A server on 127.0.0.1 is reachable from any web page the user opens: a hostile page can point
a name it controls at 127.0.0.1 (DNS rebinding; the request then carries that name in `Host`)
or post a form to it (CSRF; the request then carries the page's `Origin`). So every request
must name an allowed host, and every state-changing request must come from the app's own origin
(or from a non-browser client, which sends neither `Origin` nor `Sec-Fetch-Site`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

# pages: scripts and styles only from the app's own files, no inline script at all
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
            " frame-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# a document's own HTML, shown in a sandboxed frame: no script, nothing remote, inline styles only
FRAME_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox; frame-ancestors 'self'"

COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
)


def host_name(host: str) -> str:
    """`example:8000` → `example`, `[::1]:8000` → `::1` (lower case)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    """ASGI middleware: refuse unknown hosts and foreign origins, add the security headers."""

    def __init__(self, app: ASGIApp, allowed_hosts: tuple[str, ...]) -> None:
        self.app = app
        self.allowed = {h.lower() for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        host = headers.get("host", "")
        if "*" not in self.allowed and host_name(host) not in self.allowed:
            await _refuse(send, 400, "unknown host: this server answers only to " + ", ".join(sorted(self.allowed)))
            return
        if scope.get("method", "GET") not in SAFE_METHODS:
            problem = origin_problem(headers, host)
            if problem:
                await _refuse(send, 403, problem)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                hs = list(message.get("headers", []))
                present = {k.lower() for k, _ in hs}
                for k, v in COMMON_HEADERS:
                    if k not in present:
                        hs.append((k, v))
                if b"content-security-policy" not in present:
                    hs.append((b"content-security-policy", PAGE_CSP.encode()))
                if b"x-frame-options" not in present:
                    hs.append((b"x-frame-options", b"DENY"))
                message["headers"] = hs
            await send(message)

        await self.app(scope, receive, send_with_headers)


def origin_problem(headers: dict[str, str], host: str) -> str | None:
    """Why a state-changing request is refused, or None when it comes from the app itself."""
    origin = headers.get("origin")
    if origin is None:
        # browsers send Origin on every cross-site POST; a request with neither header is a
        # script or the CLI, which a web page cannot forge
        fetch_site = headers.get("sec-fetch-site")
        if fetch_site in (None, "same-origin", "none"):
            return None
        return "cross-site request refused"
    if origin in (f"http://{host}", f"https://{host}"):
        return None
    if origin == "null" and headers.get("sec-fetch-site") == "same-origin":
        # a form posted by one of our own pages: under `Referrer-Policy: no-referrer` the browser
        # sends `Origin: null`, and Sec-Fetch-Site (which no page can set) says where it came from
        return None
    return f"request from another origin refused ({origin[:100]})"


async def _refuse(send: Send, status: int, text: str) -> None:
    body = (text + "\n").encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        *COMMON_HEADERS, (b"content-security-policy", b"default-src 'none'"), (b"x-frame-options", b"DENY")]})
    await send({"type": "http.response.body", "body": body})

"""The web app: FastAPI with the JSON API, the pages, the static files and the safety guard.

    from faisceau.web import Workbench, create_app
    app = create_app(Workbench.open(Path("project")))

No asset comes from anywhere but this package (no CDN): FastAPI's own documentation pages,
which load theirs from a CDN, are turned off; the API is described at /openapi.json.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from .. import __version__
from ..exc import FaisceauError, UsageError
from ..index import IndexOutdated
from . import api, api_analysis, pages, redaction
from .safety import Guard
from .workbench import Workbench

STATIC = Path(__file__).parent / "static"


def create_app(wb: Workbench) -> FastAPI:
    """The ASGI app serving one project."""
    app = FastAPI(title="faisceau", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json", swagger_ui_oauth2_redirect_url=None,
                  description="The JSON API of the faisceau workbench: every page is built from these calls.")
    app.state.wb = wb
    app.include_router(api.router)
    app.include_router(api_analysis.router)
    app.include_router(pages.router)
    app.include_router(redaction.router)  # its routes: redaction.ROUTES
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(Guard, allowed_hosts=wb.allowed_hosts)

    def failure(request: Request, status: int, message: str) -> Response:
        # the path inside this app (on a server, the app is mounted under /p/<name>)
        path = request.url.path.removeprefix(str(request.scope.get("root_path", "")).rstrip("/"))
        if path.startswith("/api/") or path == "/openapi.json":
            return JSONResponse({"error": message}, status_code=status)
        title = "not_found" if status == 404 else "bad_request"
        return pages.page(request, "error.html", status, title=title, message=message)

    @app.exception_handler(UsageError)
    async def usage(request: Request, exc: UsageError) -> Response:
        return failure(request, 400, str(exc))

    @app.exception_handler(IndexOutdated)
    async def outdated(request: Request, exc: IndexOutdated) -> Response:
        return failure(request, 503, str(exc))

    @app.exception_handler(FaisceauError)
    async def other(request: Request, exc: FaisceauError) -> Response:
        return failure(request, 500, str(exc))

    @app.exception_handler(HTTPException)
    async def http(request: Request, exc: HTTPException) -> Response:
        return failure(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(f"{'.'.join(str(x) for x in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors())
        return failure(request, 422, problems[:500] or "invalid request")

    return app

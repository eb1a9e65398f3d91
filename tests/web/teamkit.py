"""Shared by the server-mode tests: a server folder with two small projects, its users, and a client
per persona talking to the real server (uvicorn in a thread) over HTTP.

Projects `alpha` and `beta` are ingested from text files written here. Users: `ada` (admin of
alpha), `ed` (editor of alpha), `rita` (reader of alpha), `otto` (reader of beta only). Their
one-time passwords are changed through the server's own service before the tests log in.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from faisceau import settings as settings_mod
from faisceau.pipeline.orchestrator import Ingest
from faisceau.store import accounts
from faisceau.store.db import Store
from faisceau.store.project import Project
from faisceau.team.access import Options
from faisceau.team.serverdir import Server
from faisceau.team.webapp import create_server_app
from faisceau.web.server import Background

PASSWORD = "correct-horse-battery"  # noqa: S105 (a test account's password)
ALPHA_TEXTS = {
    "contrat.txt": "Le contrat entre Jean Dupont et Acme Industries a été signé le 3 mars 2024 à Lyon.\n",
    "budget.txt": "Budget confidentiel 2023 : Acme Industries verse 40 000 euros à la société Orion.\n",
    "memo.txt": "Memo: the pipeline audit of Acme Industries is due on 12 April 2024.\n",
}
BETA_TEXTS = {"beta-only.txt": "Beta project: the Kestrel shipment left Rotterdam on 4 May 2024.\n"}
PERSONAS = {"ada": ("alpha", "admin"), "ed": ("alpha", "editor"), "rita": ("alpha", "reader"),
            "otto": ("beta", "reader")}


@dataclass
class Team:
    """The server folder, its projects' document ids and the server in a thread."""

    root: Path
    server: Server
    ids: dict[str, dict[str, str]] = field(default_factory=dict)  # project -> file name -> id
    bg: Background | None = None

    @property
    def url(self) -> str:
        assert self.bg is not None
        return self.bg.url

    def flush(self) -> None:
        """Wait until the server has written every audit entry of the requests made so far."""
        assert self.bg is not None
        self.bg.server.config.app.app.writer.flush()  # Guard → Access → its AuditWriter


def _project(base: Path, name: str, texts: dict[str, str]) -> tuple[Path, dict[str, str]]:
    src = base / f"{name}-files"
    src.mkdir()
    for fname, text in texts.items():
        (src / fname).write_text(text, "utf-8")
    proj = Project.open(base / name, create=True)
    Ingest(proj, settings_mod.load(proj.root, environ={}), workers=1).run([src])
    store = Store(proj.store_path)
    ids = {Path(r["path"]).name: r["id"] for r in store.db.execute("SELECT id, path FROM documents")}
    store.close()
    return proj.root, ids


def build_team(base: Path, options: Options | None = None) -> Team:
    """A server folder with alpha, beta and the four personas, served from a thread."""
    alpha, alpha_ids = _project(base, "alpha", ALPHA_TEXTS)
    beta, beta_ids = _project(base, "beta", BETA_TEXTS)
    server = Server.init(base / "server")
    server.add_project(alpha)
    server.add_project(beta)
    for name, (project, role) in PERSONAS.items():
        once = server.add_user(name)
        server.change_password(name, once, PASSWORD)
        server.grant(name, project, role)
    team = Team(base / "server", server, {"alpha": alpha_ids, "beta": beta_ids})
    team.bg = Background(None, app=create_server_app(server, ("127.0.0.1",), options))
    return team


@pytest.fixture(scope="session")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    """One server for every server-mode test of the session (tests that change accounts make
    accounts of their own: the four personas stay as built)."""
    t = build_team(tmp_path_factory.mktemp("team"))
    yield t
    assert t.bg is not None
    t.bg.stop()


def new_user(team: Team, name: str, project: str = "alpha", role: str = "reader") -> str:
    """An account of a test's own, ready to log in with PASSWORD."""
    once = team.server.add_user(name)
    team.server.change_password(name, once, PASSWORD)
    team.server.grant(name, project, role)
    return name


def raw_bytes(paths: list[Path]) -> bytes:
    """The bytes of the server's database files, read by another process. Opening and closing them here,
    in the process that serves them, would drop its connections' POSIX locks (they belong to the process,
    and any close of the file releases them all): another process opening the database afterwards takes
    itself for its last user, checkpoints and resets the WAL, and this process's connections go on reading
    a stale snapshot (a session just made is not found)."""
    code = "import sys\nfor p in sys.argv[1:]:\n    sys.stdout.buffer.write(open(p, 'rb').read())"
    return subprocess.run([sys.executable, "-c", code, *map(str, paths)], capture_output=True, check=True).stdout


def copy_server(team: Team, dest: Path) -> Path:
    """A copy of the server folder, its database through SQLite's backup (not a file copy: see raw_bytes)."""
    shutil.copytree(team.root, dest, ignore=shutil.ignore_patterns("server.sqlite*"))
    source, target = sqlite3.connect(team.root / "server.sqlite"), sqlite3.connect(dest / "server.sqlite")
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return dest


def client(team: Team, address: str = "127.0.0.1") -> httpx.Client:
    """A client of the server whose connections come from `address` (any 127.x address: the
    throttle counts per client address)."""
    return httpx.Client(base_url=team.url, transport=httpx.HTTPTransport(local_address=address), timeout=30)


@dataclass
class Persona:
    """A logged-in user: their client (holding the session cookie) and CSRF token."""

    name: str
    http: httpx.Client
    csrf: str = ""

    def send(self, method: str, path: str, **kw: object) -> httpx.Response:
        """A request with the CSRF header on anything that changes state."""
        headers = dict(kw.pop("headers", {}) or {})  # type: ignore[call-overload]
        if method not in ("GET", "HEAD") and self.csrf:
            headers.setdefault("x-csrf-token", self.csrf)
        return self.http.request(method, path, headers=headers, **kw)  # type: ignore[arg-type]


def login(team: Team, name: str, password: str = PASSWORD, address: str = "127.0.0.1") -> Persona:
    """Log in through the login form; the CSRF token is read from the page, as the browser does."""
    c = client(team, address)
    r = c.post("/login", data={"name": name, "password": password, "next": "/"})
    assert r.status_code == 303, (r.status_code, r.text[:300])
    page = c.get("/")
    # (what a rare failure here needs to be understood: the cookie sent, the user's sessions)
    assert page.status_code == 200, (page.text[:300], dict(c.cookies), accounts.sessions_of(team.server.store(), name))
    m = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert m, "no CSRF token in the page"
    return Persona(name, c, m.group(1))

"""The server-mode commands: server init/add-project/projects, users add/grant/revoke/list/passwd/
token, audit; and `serve --server` refusing to start on a route without a rule."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from teamkit import Team, team  # noqa: F401 (the fixture)

from faisceau.cli import main
from faisceau.store import accounts
from faisceau.team import passwords
from faisceau.team.serverdir import Server


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(main, list(args))
    return r.exit_code, r.stdout, r.stderr


def test_a_server_folder_from_the_command_line(team: Team, tmp_path: Path) -> None:  # noqa: F811
    srv = str(tmp_path / "srv")
    alpha = str(team.root.parent / "alpha")
    assert run("server", "init", srv)[0] == 0
    code, _, err = run("server", "init", srv)
    assert code == 2 and "already a faisceau server folder" in err
    assert run("server", "add-project", srv, alpha, "--name", "gsoc")[0] == 0
    code, _, err = run("server", "add-project", srv, alpha, "--name", "gsoc")
    assert code == 2 and "already served" in err
    assert json.loads(run("server", "projects", srv, "--json")[1])["name"] == "gsoc"
    code, out, _ = run("users", "add", "desk-lead", "--role", "admin", "--server", srv)
    once = out.strip().splitlines()[-1]
    assert code == 0 and len(once) >= 20
    stored = accounts.user(Server.open(Path(srv)).store(), "desk-lead")
    assert stored is not None and stored["must_change"] and passwords.check_password(stored["password"], once)
    assert run("users", "add", "reporter-1", "--server", srv)[0] == 0
    assert run("users", "grant", "reporter-1", "gsoc", "reader", "--server", srv)[0] == 0
    code, _, err = run("users", "grant", "reporter-1", "nope", "reader", "--server", srv)
    assert code == 2 and "no project nope" in err
    code, _, err = run("users", "grant", "ghost", "gsoc", "reader", "--server", srv)
    assert code == 2 and "no user ghost" in err
    assert run("users", "grant", "reporter-1", "gsoc", "owner", "--server", srv)[0] == 2
    rows = {r["name"]: r for r in map(json.loads, run("users", "list", "--server", srv, "--json")[1].splitlines())}
    assert rows["reporter-1"]["projects"] == {"gsoc": "reader"} and rows["desk-lead"]["server_role"] == "admin"
    assert "password" not in rows["reporter-1"]
    assert run("users", "revoke", "reporter-1", "gsoc", "--server", srv)[0] == 0
    assert run("users", "revoke", "reporter-1", "gsoc", "--server", srv)[0] == 2
    code, out, _ = run("users", "passwd", "reporter-1", "--server", srv)
    assert code == 0 and out.strip().splitlines()[-1] != once
    code, token, _ = run("users", "token", "add", "reporter-1", "--label", "nightly", "--days", "7", "--server", srv)
    assert code == 0 and token.strip().startswith("fsc_")
    [listed] = [json.loads(line) for line in run("users", "token", "list", "reporter-1", "--server", srv, "--json")[1].splitlines()]
    assert listed["name"] == "nightly" and "token_hash" not in listed
    assert run("users", "token", "revoke", "reporter-1", str(listed["id"]), "--server", srv)[0] == 0
    assert run("users", "token", "add", "reporter-1", "--days", "999", "--server", srv)[0] == 2
    code, out, _ = run("audit", "--server", srv, "--verify")
    assert code == 0 and "intact" in out
    actions = [json.loads(line)["action"] for line in run("audit", "--server", srv, "--json")[1].splitlines()]
    for want in ("project-add", "user-add", "member-grant", "member-revoke", "password-reset", "token-add",
                 "token-revoke"):
        assert want in actions, want


def test_commands_refuse_a_folder_that_is_not_a_server(tmp_path: Path) -> None:
    code, _, err = run("users", "list", "--server", str(tmp_path))
    assert code == 2 and "not a faisceau server folder" in err
    (tmp_path / "x").write_text("x")
    code, _, err = run("server", "init", str(tmp_path))
    assert code == 2 and "not empty" in err


def test_serve_needs_one_of_project_and_server(tmp_path: Path) -> None:
    code, _, err = run("serve")
    assert code == 2 and "--project DIR" in err
    code, _, err = run("serve", "--project", str(tmp_path), "--server", str(tmp_path))
    assert code == 2


def test_serve_server_starts_and_answers(team: Team) -> None:  # noqa: F811
    # the real command in its own process, on a free port; it prints where it listens
    proc = subprocess.Popen([sys.executable, "-m", "faisceau", "serve", "--server", str(team.root), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert "serving the server folder" in line, line
        import re

        import httpx
        port = re.search(r":(\d+)/", line)[1]  # type: ignore[index]
        r = httpx.get(f"http://127.0.0.1:{port}/p/alpha/api/search")
        assert r.status_code == 401
        r = httpx.get(f"http://127.0.0.1:{port}/login")
        assert r.status_code == 200 and 'name="password"' in r.text
    finally:
        proc.terminate()
        proc.communicate(timeout=30)

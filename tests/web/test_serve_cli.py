"""`faisceau serve` as a user runs it: a real process, loopback by default, a warning elsewhere."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from webproject import WebProject, web_project


@pytest.fixture(scope="module")
def wp(tmp_path_factory: pytest.TempPathFactory) -> WebProject:
    return web_project(tmp_path_factory)


def start(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "faisceau", "serve", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line


def get(url: str, host: str | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_serves_on_loopback_and_refuses_other_hosts(wp: WebProject) -> None:
    proc, line = start("--project", str(wp.root), "--port", "0")
    try:
        m = re.search(r"at (http://127\.0\.0\.1:\d+)/", line)
        assert m, line
        assert get(m[1] + "/api/health") == (200, "ok")
        status, text = get(m[1] + "/api/health", host="attacker.example")
        assert status == 400 and "unknown host" in text
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_warns_when_not_on_loopback(wp: WebProject) -> None:
    proc, line = start("--project", str(wp.root), "--port", "0", "--host", "0.0.0.0", "--allow-host", "desk.lan")
    try:
        assert "serving" in line
        port = re.search(r":(\d+)/", line)[1]  # type: ignore[index]
        assert get(f"http://127.0.0.1:{port}/api/health", host=f"desk.lan:{port}")[0] == 200
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert "warning: listening on 0.0.0.0" in err and "no authentication" in err


def test_errors_are_one_line(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "faisceau", "serve", "--project", str(tmp_path / "none")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "no faisceau project" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "faisceau", "serve", "--project", str(tmp_path), "--port", "70000"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "--port" in proc.stderr

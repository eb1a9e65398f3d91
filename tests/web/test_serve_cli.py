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


@pytest.mark.slow
def test_demo_ends_serving_the_workbench_on_the_next_free_port(tmp_path: Path) -> None:
    import socket
    import time

    holder = socket.socket()
    try:
        holder.bind(("127.0.0.1", 8000))  # 8000 taken: the demo must move on and say where it went
        holder.listen(1)
    except OSError:
        pass  # taken by someone else already: the same situation
    proc = subprocess.Popen([sys.executable, "-m", "faisceau", "demo", "--dir", str(tmp_path / "demo"), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 600
        line = ""
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line or "serving the demo" in line:
                break
        m = re.search(r"at (http://127\.0\.0\.1:(\d+))/", line)
        assert m, line
        assert int(m[2]) != 8000
        status, page = get(m[1] + "/entities")
        assert status == 200 and "Thomas Berger" in page
        status, page = get(m[1] + "/timeline")
        assert status == 200 and 'id="timeline-bars"' in page
    finally:
        holder.close()
        proc.terminate()
        proc.wait(timeout=30)

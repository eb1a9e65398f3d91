"""Running the system Chromium in tests: a fresh profile, a network log, the rendered DOM."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import IN_CI

from faisceau import settings as settings_mod
from faisceau.export.pdf import chromium_command, find_chromium


def chromium() -> str:
    """The configured Chromium, or skip (fail under CI=true)."""
    found = find_chromium(str(settings_mod.load().chromium))
    if found is None:
        if IN_CI:
            pytest.fail("chromium missing (required under CI=true)")
        pytest.skip("chromium not installed")
    return found


def load(page: Path, work: Path) -> tuple[str, list[str]]:
    """Open `page` over file:// headless; return (the DOM after load, URLs the page asked the network for).

    Chromium's net log records every URL request; those the page made carry its file:// network
    isolation key (Chromium's own service requests do not).
    """
    profile, netlog = work / "profile", work / "net.json"
    cmd = chromium_command(chromium(), profile, [f"--log-net-log={netlog}", "--dump-dom", page.resolve().as_uri()])
    # the production flags map every host to nothing; keep names resolvable here so that a request,
    # if the page made one, would get as far as the log
    cmd = [c for c in cmd if not c.startswith("--host-resolver-rules")]
    proc = subprocess.run(cmd, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr[-2000:]
    log = json.loads(netlog.read_text("utf-8"))
    names = {v: k for k, v in log["constants"]["logEventTypes"].items()}
    asked = []
    for e in log["events"]:
        p = e.get("params") or {}
        if names.get(e["type"]) == "URL_REQUEST_START_JOB" and "file://" in str(p.get("network_isolation_key", "")):
            asked.append(str(p.get("url")))
    return proc.stdout.decode("utf-8", "replace"), asked

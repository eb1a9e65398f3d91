"""The PDF rendering of a pack's index.html, printed by headless Chromium (the system one).

Chromium runs with a fresh profile, no sandbox (we are often root in a container), no GPU, no
background networking, and every host name resolving to nothing: the report loads no resource,
and this makes sure Chromium's own services do not phone home either. Missing Chromium is not an
error: the pack is complete without its PDF, and the reason is reported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")
TIMEOUT = 300.0
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
         "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps",
         "--host-resolver-rules=MAP * ~NOTFOUND")


def find_chromium(configured: str | None = None) -> str | None:
    """The Chromium to use: the one the `chromium` setting names (None when it does not exist),
    or with no setting the first on PATH."""
    if configured:
        return shutil.which(configured) or (configured if os.access(configured, os.X_OK) and Path(configured).is_file()
                                            else None)
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def chromium_command(chromium: str, profile: Path, extra: Sequence[str] = ()) -> list[str]:
    """The command line of one headless run with a fresh profile (tests add their own flags)."""
    return [chromium, *FLAGS, f"--user-data-dir={profile}", *extra]


def print_pdf(page: Path, pdf: Path, configured: str | None = None, timeout: float = TIMEOUT) -> str | None:
    """Print `page` to `pdf` with the configured Chromium; None on success, else why it was not made."""
    chromium = find_chromium(configured)
    if chromium is None:
        return "chromium not installed"
    with tempfile.TemporaryDirectory(prefix="faisceau-chromium-") as tmp:
        out = Path(tmp) / "out.pdf"
        cmd = chromium_command(chromium, Path(tmp) / "profile",
                               ["--no-pdf-header-footer", f"--print-to-pdf={out}", page.resolve().as_uri()])
        try:
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout, cwd=tmp)
        except subprocess.TimeoutExpired:
            return f"chromium did not finish printing within {timeout:.0f} s"
        except OSError as e:
            return f"chromium could not start: {e.strerror or e}"
        if not out.is_file() or out.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            return f"chromium printed no PDF ({tail[0][:200]})"
        shutil.move(str(out), pdf)
    return None

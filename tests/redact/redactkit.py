"""What the redaction tests share: the real CLI in a subprocess, and its JSON lines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def cli(*args: str | Path, ok: bool = True) -> subprocess.CompletedProcess[str]:
    r = subprocess.run([sys.executable, "-m", "faisceau", *map(str, args)], capture_output=True, text=True,
                       timeout=900)
    if ok and r.returncode != 0:
        raise AssertionError(f"faisceau {' '.join(map(str, args))} exited {r.returncode}:\n{r.stderr[-3000:]}")
    return r


def jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]

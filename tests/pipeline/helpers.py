"""Run the real `faisceau` command in a subprocess, and read a project's canonical dump."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from faisceau.store.db import Store
from faisceau.store.project import Project


def faisceau(*args: str | Path, env: dict[str, str] | None = None, check: bool = True,
             timeout: float = 600) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "faisceau", *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"faisceau {args} exited {proc.returncode}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return proc


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def dump(project: Path) -> list[str]:
    store = Store(Project.open(project).store_path)
    try:
        return list(store.canonical_dump())
    finally:
        store.close()

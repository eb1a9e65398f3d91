"""The two frontiers of a project, for `faisceau status`, the web status page and search results.

*Searchable*: documents in the full-text index (their `index` stage ok). *Analysed*: documents on
which every analysis stage (the item stages after those the index needs: entities, identifiers,
dates, unless `skip_stages` names them) has run, whatever its outcome. Both counts come from the
store's stage counts; while a run is going, rates and ETAs come from the progress events of its run
log (logs/<time>-<run>.jsonl), which every run writes at least every 10 seconds while it works.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any, TypedDict

from ..settings import Settings
from ..store import documents as docs
from ..store import runs
from ..store.db import Store
from ..store.runs import LastRun
from .corpus import skipped
from .stages import item_stages, searchable_stages

WINDOW = 60.0      # seconds of progress events a rate is measured over
TAIL = 256 << 10   # bytes read from the end of a run log


class Frontiers(TypedDict):
    """Both frontiers: counts of documents, and while a run is going, rates per second and ETAs."""

    total: int
    searchable: int
    analysed: int | None            # None: no analysis stage is run (all skipped)
    analysis_stages: list[str]
    running: bool
    analysis_running: bool          # a run is going and documents are not analysed yet
    searchable_rate: float | None   # documents indexed per second, over the last minute of the run
    searchable_eta: float | None    # seconds
    analysed_rate: float | None     # contents analysed per second, over the last minute of the run
    analysed_eta: float | None      # seconds


def analysis_stages(settings: Settings) -> list[str]:
    """The item stages that make the analysis frontier: those after the ones the index needs."""

    front = {s.name for s in searchable_stages(item_stages())}
    skip = skipped(settings)
    return [s.name for s in item_stages() if s.name not in front and s.name not in skip]


def frontiers(summary: dict[str, Any], settings: Settings, last: LastRun | None, logs: Path,
              running: bool) -> Frontiers:
    """The frontiers from a store summary (`Store.summary`), the last run and its log.

    Rows of a stage are written for a document in one transaction, so the least-counted analysis
    stage is the number of documents on which all of them ran."""
    by_stage: dict[str, dict[str, int]] = summary["by_stage"]
    names = analysis_stages(settings)
    analysed = min((sum(by_stage.get(n, {}).values()) for n in names), default=None) if names else None
    total = int(summary["total"])
    searchable = int(by_stage.get("index", {}).get("ok", 0))
    out: Frontiers = {"total": total, "searchable": searchable, "analysed": analysed, "analysis_stages": names,
                      "running": running, "analysis_running": running and analysed is not None and analysed < total,
                      "searchable_rate": None, "searchable_eta": None, "analysed_rate": None, "analysed_eta": None}
    if running and last is not None and not last["finished"]:
        events = progress_events(logs, last["id"])
        rate = _rate(events, "indexed")
        if rate:
            out["searchable_rate"] = round(rate, 1)
            out["searchable_eta"] = round(max(0, total - searchable) / rate, 1)
        rate = _rate(events, "analysed")
        if rate and events:
            out["analysed_rate"] = round(rate, 1)
            left = int(events[-1].get("to_analyse") or 0) - int(events[-1].get("analysed") or 0)
            out["analysed_eta"] = round(max(0, left) / rate, 1)
    return out


def progress_events(logs: Path, run_id: str) -> list[dict[str, Any]]:
    """The progress events at the end of a run's log, oldest first."""
    found = sorted(logs.glob(f"*-{run_id}.jsonl"))
    if not found:
        return []
    with open(found[-1], "rb") as f:
        start = max(0, f.seek(0, os.SEEK_END) - TAIL)
        f.seek(start)
        lines = f.read().splitlines()
    if start:
        lines = lines[1:]  # cut by the tail
    out = []
    for line in lines:
        try:
            rec = json.loads(line)
        except ValueError:  # a line being written, or cut by the tail
            continue
        if rec.get("event") == "progress":
            out.append(rec)
    return out


def _rate(events: list[dict[str, Any]], key: str) -> float | None:
    """How fast `key` grew over the last WINDOW seconds of events (None when it did not)."""
    if len(events) < 2:
        return None
    last = events[-1]
    first = next((e for e in events if float(last["seconds"]) - float(e["seconds"]) <= WINDOW), events[0])
    if first is last:
        first = events[-2]
    dt = float(last["seconds"]) - float(first["seconds"])
    grown = int(last.get(key) or 0) - int(first.get(key) or 0)
    return grown / dt if dt > 0 and grown > 0 else None


def lock_held(root: Path) -> bool:
    """Whether a run holds the project's lock (`faisceau ingest`, `analyse`…).

    The lock is looked up in /proc/locks rather than probed: taking it, even for a moment,
    could make a run starting at that instant refuse to run."""
    try:
        st = os.stat(root / ".lock")
        with open("/proc/locks", encoding="ascii", errors="replace") as f:
            table = f.read()
    except OSError:
        return False
    suffix = f":{st.st_ino}"
    for line in table.splitlines():
        parts = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 08:01:123456 0 EOF"
        if len(parts) >= 6 and parts[1] == "FLOCK" and parts[5].endswith(suffix):
            dev = parts[5][: -len(suffix)].split(":")
            if len(dev) == 2 and os.major(st.st_dev) == int(dev[0], 16) and os.minor(st.st_dev) == int(dev[1], 16):
                return True
    return False


def analysis_note(store: Store, settings: Settings, root: Path) -> str | None:
    """A note for search results while a run is still analysing the project's documents, else None.

    The counts scan the stage rows: while a run goes on, they are read at most every NOTE_SECONDS
    per project (the web server answers many searches). The project's last run is looked at first: a
    finished one needs no look at the lock table (a read of /proc/locks, milliseconds on a busy machine,
    which a CLI search should not pay)."""
    names = analysis_stages(settings)
    if not names:
        return None
    last = runs.last_run(store)
    if last is None or last["finished"] is not None or not lock_held(root):
        return None
    now = time.monotonic()
    cached = _notes.get(str(root))
    if cached is not None and now - cached[0] < NOTE_SECONDS:
        return cached[1]
    total, counts = docs.stage_rows(store, names)
    analysed = min(counts.values())
    note = None if analysed >= total else (
        f"analysis still running: {analysed:,} of {total:,} documents analysed; entity searches"
        " (person:, org:, place:) are not complete yet")
    _notes[str(root)] = (now, note)
    return note


NOTE_SECONDS = 5.0
_notes: dict[str, tuple[float, str | None]] = {}


def describe(f: Frontiers) -> str:
    """The frontiers in one line: "searchable 22,850 of 22,850 · analysed 6,120 · 410/s, ETA 41 s"."""
    out = f"searchable {f['searchable']:,} of {f['total']:,}"
    if f["searchable_rate"] and f["searchable"] < f["total"]:
        out += f" ({f['searchable_rate']:,}/s, ETA {_duration(f['searchable_eta'])})"
    if f["analysed"] is None:
        return out + " · analysis off (skip_stages)"
    out += f" · analysed {f['analysed']:,}"
    if f["analysed_rate"]:
        out += f" ({f['analysed_rate']:,} contents/s, ETA {_duration(f['analysed_eta'])})"
    elif f["analysis_running"]:
        out += " (running)"
    return out


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    s = int(round(seconds))
    return f"{s} s" if s < 120 else f"{s // 60} min" if s < 7200 else f"{s // 3600} h {s % 3600 // 60:02d} min"

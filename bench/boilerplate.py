"""Main content against site furniture: jusText and trafilatura on the Assemblée nationale pages.

    .venv/bin/python bench/boilerplate.py [--limit N]

The reference is the site itself: every page is rendered to lines by faisceau's own HTML
extractor (`parse_html`), and a line that recurs on at least half of the pages is the site's
furniture (menus, header, footer); the other lines are the page's own body. For each library,
over the same pages:

- body kept: the share of the body's characters (lines of 20+ characters) found in its main text;
- menu kept: the share of the furniture's characters (lines of 20+ characters) found in it;
- menu phrase: the share of pages whose main text still holds the menu's "lois de finances"
  line ("Loi organique relative aux lois de finances"), the phrase that made `loi de finances`
  match every page (issue 22);
- time: milliseconds per page, as a ratio to faisceau's own rendering of the same pages
  (the baseline, measured in the same run).
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import justext  # noqa: E402
import trafilatura  # noqa: E402

from faisceau.extract.documents.charset import decode_report  # noqa: E402
from faisceau.extract.documents.html import declared_charset, parse_html  # noqa: E402

CORPUS = Path(os.environ.get("FAISCEAU_CORPORA", Path(__file__).resolve().parents[2] / "shared" / "corpora"))
PAGES = CORPUS / "fr-assemblee-nationale-dossiers" / "archive"
MIN_LINE = 20
MENU_LINE = "loi organique relative aux lois de finances"
_WS = re.compile(r"\s+")


def norm(s: str) -> str:
    return _WS.sub(" ", s).strip().lower()


def with_justext(markup: str) -> str:
    paras = justext.justext(markup, justext.get_stoplist("French"))
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


def with_trafilatura(markup: str) -> str:
    return trafilatura.extract(markup, include_comments=False, include_tables=True) or ""


def with_faisceau_main(markup: str) -> str:
    """What faisceau keeps as main content (its HTML extractor, with the chosen library)."""
    from faisceau.extract.documents.mainbody import main_text
    return "\n".join(main_text(markup, parse_html(markup).text)[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limit", type=int, default=0, help="pages read (0: all)")
    args = ap.parse_args()
    files = sorted(glob.glob(str(PAGES / "**" / "*.asp"), recursive=True))
    if not files:
        sys.exit(f"no pages under {PAGES.name}: set FAISCEAU_CORPORA to the shared corpora folder")
    if args.limit:
        files = files[: args.limit]
    pages = []
    for f in files:
        raw = Path(f).read_bytes()
        pages.append(decode_report(raw, declared_charset(raw)).text)

    t0 = time.perf_counter()
    lines_of = [[norm(x) for x in parse_html(p).text.splitlines() if norm(x)] for p in pages]
    base = (time.perf_counter() - t0) / len(pages)
    df = Counter(line for lines in lines_of for line in set(lines))
    furniture = {line for line, n in df.items() if n * 2 >= len(pages)}

    candidates: dict[str, Callable[[str], str]] = {"jusText": with_justext, "trafilatura": with_trafilatura}
    try:
        from faisceau.extract.documents import mainbody  # noqa: F401
        candidates["faisceau (chosen)"] = with_faisceau_main
    except ImportError:
        pass
    print(f"{len(pages)} pages; {len(furniture)} furniture lines (on half the pages or more); "
          f"baseline faisceau render {base * 1000:.1f} ms/page")
    print(f"{'library':<20}{'body kept':>10}{'menu kept':>10}{'menu phrase':>12}{'ms/page':>9}{'x render':>9}")
    for name, fn in candidates.items():
        body_kept = body_all = menu_kept = menu_all = phrase = 0
        times = []
        for markup, lines in zip(pages, lines_of, strict=True):
            t = time.perf_counter()
            out = norm(fn(markup))
            times.append(time.perf_counter() - t)
            phrase += MENU_LINE in out
            for line in set(lines):
                if len(line) < MIN_LINE:
                    continue
                if line in furniture:
                    menu_all += len(line)
                    menu_kept += len(line) * (line in out)
                else:
                    body_all += len(line)
                    body_kept += len(line) * (line in out)
        ms = statistics.mean(times) * 1000
        print(f"{name:<20}{body_kept / max(body_all, 1):>10.1%}{menu_kept / max(menu_all, 1):>10.1%}"
              f"{phrase / len(pages):>12.1%}{ms:>9.1f}{ms / (base * 1000):>9.1f}")


if __name__ == "__main__":
    main()

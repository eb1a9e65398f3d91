"""Take the real-size screenshots of docs/screenshots from an ingested project (not a test; run by hand):

    .venv/bin/python tests/web/screenshots_realsize.py PROJECT_DIR

PROJECT_DIR is a project of 20,000+ documents, e.g. the one `bench/realsize.py` builds into its
cache. It serves the project on a free loopback port and photographs the timeline, the busiest
correspondent's page, the whole graph and that person's circle in headless Chromium.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote

from playwright.sync_api import sync_playwright

from faisceau.web import Workbench
from faisceau.web.server import Background

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main(root: Path) -> None:
    srv = Background(Workbench.open(root))
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="en-GB")
            page.goto(srv.url + "/api/graph")
            nodes = json.loads(page.evaluate("() => document.body.innerText"))["nodes"]
            busiest = max(nodes, key=lambda n: n["degree"])["id"]
            shots = [("realsize-timeline", "/timeline"), ("realsize-person", f"/people/{quote(busiest)}"),
                     ("realsize-graph", "/graph"), ("realsize-ego", f"/graph?ego={quote(busiest)}")]
            for name, path in shots:
                page.goto(srv.url + path)
                page.wait_for_selector("body[data-ready=true]")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(OUT / f"{name}.png"))
                print(OUT / f"{name}.png")
            browser.close()
    finally:
        srv.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]))

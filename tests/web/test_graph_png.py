"""The graph as PNG: the API export, `faisceau graph --format png`, and hostile names, on mail built here."""

from __future__ import annotations

import io
import json
import mailbox
import re
import time
import warnings
from collections.abc import Iterator
from email.header import Header
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from helpers import faisceau

from faisceau import settings as settings_mod
from faisceau.pipeline.orchestrator import Ingest
from faisceau.store.db import Store
from faisceau.store.project import Project
from faisceau.web import Workbench, create_app, graphpng

BASE = "http://127.0.0.1:8000"
SCRIPT_NAME = "<script>alert(1)</script>"
# control characters, a bidi override, emoji, Arabic, stacked combining marks, and 10,000 letters
LONG_NAME = "\u202eevil\x07\x1b[31m\x00 😀🔐 مرحبا" + "a\u0301\u0301\u0301\u0301\u0301\u0301" + "W" * 10_000
NODE = (0x2C, 0x6E, 0x9B)
EDGE = (0x88, 0xAA, 0xAA)


def message(sender: str, to: str, n: int, day: str) -> bytes:
    """One message as raw bytes; display names go through RFC 2047, which lets them carry anything."""
    name, addr = sender.rsplit(" ", 1)
    head = [f"From: {Header(name, 'utf-8').encode()} {addr}", f"To: {to}", f"Subject: Message {n}",
            f"Date: {day} +0100", f"Message-ID: <m{n}@png.example>", "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8"]
    return ("\n".join(head) + f"\n\nBody of message {n}.\n").encode()


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    t0 = time.monotonic()
    base = tmp_path_factory.mktemp("graphpng")
    (base / "leak").mkdir()
    people = ["Alice Martin <alice@corp.example>", "Bob Stone <bob@corp.example>",
              "Claire Petit <claire@corp.example>", "Daniel Roux <daniel@corp.example>",
              f"{SCRIPT_NAME} <evil@hostile.example>", f"{LONG_NAME} <long@hostile.example>"]
    pairs = [(0, 1), (0, 1), (0, 1), (1, 0), (0, 2), (2, 3), (3, 0), (1, 2), (4, 0), (5, 1), (4, 5)]
    box = mailbox.mbox(str(base / "leak" / "png.mbox"), create=True)
    for n, (s, t) in enumerate(pairs):
        # March for the first half, April for the rest: the date filters change the picture
        day = f"{'Mon, 02 Mar' if n < 6 else 'Thu, 02 Apr'} 2020 {9 + n:02d}:00:00"
        box.add(message(people[s], people[t].rsplit(" ", 1)[1], n, day))
    box.flush()
    box.close()
    proj = Project.open(base / "p", create=True)
    Ingest(proj, settings_mod.load(proj.root, environ={}), workers=1).run([base / "leak"])
    print(f"\n[phase] graph png project: {time.monotonic() - t0:.1f} s")
    return proj.root


@pytest.fixture(scope="module")
def client(root: Path) -> Iterator[TestClient]:
    with TestClient(create_app(Workbench.open(root)), base_url=BASE) as c:
        yield c


def picture(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG"
    img.load()
    return img.convert("RGB")


def near(px: object, colour: tuple[int, int, int], tol: int = 40) -> bool:
    assert isinstance(px, tuple)
    return all(abs(a - b) <= tol for a, b in zip(px, colour))


def darkest(img: Image.Image) -> int:
    low, _high = img.convert("L").getextrema()
    assert isinstance(low, (int, float))
    return int(low)


def last_action(root: Path) -> tuple[str, str]:
    store = Store(Project.open(root).store_path)
    try:
        return tuple(store.db.execute("SELECT action, detail FROM actions ORDER BY id DESC LIMIT 1").fetchone())
    finally:
        store.close()


def test_png_export_draws_the_layout(client: TestClient, root: Path) -> None:
    drawn: dict[str, Any] = client.get("/api/graph").json()
    assert len(drawn["nodes"]) == 6 and drawn["edges"]
    r = client.get("/api/graph/export.png", params={"size": 800})
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    assert r.headers["content-disposition"].startswith('attachment; filename="faisceau-graph.png"')
    action, detail = last_action(root)
    logged = json.loads(detail)
    assert action == "export" and logged["what"] == "graph-png" and logged["size"] == 800
    img = picture(r.content)
    assert img.size == (800, 800)
    k = 800 / 1000
    assert img.getpixel((2, 2)) == (255, 255, 255)
    # every node is a disc of the node colour at the layout's place, scaled
    for n in drawn["nodes"]:
        assert near(img.getpixel((round(n["x"] * k), round(n["y"] * k))), NODE), n["id"]
    # sizes as in the SVG: the busiest node is drawn with its radius (left of it: labels go right)
    svg = client.get("/api/graph/export.svg").text
    radii = {float(m) for m in re.findall(r'<circle [^>]* r="([\d.]+)"', svg)}
    top = max(n["degree"] for n in drawn["nodes"])
    assert {round(graphpng.radius(n["degree"], top), 1) for n in drawn["nodes"]} == radii
    busiest = max(drawn["nodes"], key=lambda n: n["degree"])
    r_px = graphpng.radius(busiest["degree"], top) * k
    x, y = busiest["x"] * k, busiest["y"] * k
    assert near(img.getpixel((round(x - 0.7 * r_px), round(y))), NODE)
    # edges: some point along the heaviest one, away from its ends, has the edge colour
    at = {n["id"]: n for n in drawn["nodes"]}
    heavy = max(drawn["edges"], key=lambda e: e["weight"])
    a, b = at[heavy["source"]], at[heavy["target"]]
    along = [img.getpixel((round((a["x"] + (b["x"] - a["x"]) * f) * k), round((a["y"] + (b["y"] - a["y"]) * f) * k)))
             for f in (0.35, 0.45, 0.55, 0.65)]
    assert any(near(p, EDGE, 25) for p in along), along


def test_hostile_names_are_drawn_cleaned_and_short(client: TestClient) -> None:
    drawn = client.get("/api/graph").json()
    labels = {n["id"]: n["label"] for n in drawn["nodes"]}
    assert labels["evil@hostile.example"] == SCRIPT_NAME
    assert len(labels["long@hostile.example"]) > 5000  # the store keeps the name whole
    cleaned = graphpng.clean_label(labels["long@hostile.example"])
    assert len(cleaned) <= graphpng.MAX_LABEL and cleaned.endswith("…")
    assert not re.search(r"[\x00-\x1f\x7f\u202e]", cleaned) and "😀" in cleaned and "مرحبا" in cleaned
    assert "\u0301" * 4 not in cleaned and "\u0301" * 3 in cleaned
    img = picture(client.get("/api/graph/export.png", params={"size": 1000}).content)
    # the labels are there as dark pixels right of their node, on the baseline
    for node_id in ("evil@hostile.example", "long@hostile.example"):
        n = next(n for n in drawn["nodes"] if n["id"] == node_id)
        r = graphpng.radius(n["degree"], max(m["degree"] for m in drawn["nodes"]))
        box = img.crop((round(n["x"] + r + 3), round(n["y"] - 10), round(n["x"] + r + 150), round(n["y"] + 5)))
        assert darkest(box) < 100, node_id


def test_the_cli_draws_the_same_picture_with_the_same_filters(client: TestClient, root: Path, tmp_path: Path) -> None:
    out = tmp_path / "g.png"
    faisceau("graph", "--project", root, "--format", "png", "--size", "600", "-o", out)
    action, detail = last_action(root)
    assert action == "export" and '"graph-png"' in detail and str(out) in detail
    cli = picture(out.read_bytes())
    assert cli.size == (600, 600)
    api = picture(client.get("/api/graph/export.png", params={"size": 600}).content)
    assert cli.tobytes() == api.tobytes()
    march = tmp_path / "march.png"
    faisceau("graph", "--project", root, "--format", "png", "--size", "600", "--from", "2020-03", "--to", "2020-03",
             "-o", march)
    api_march = client.get("/api/graph/export.png", params={"size": 600, "from": "2020-03", "to": "2020-03"})
    assert picture(march.read_bytes()).tobytes() == picture(api_march.content).tobytes() != cli.tobytes()
    # the default size
    faisceau("graph", "--project", root, "--format", "png", "-o", out)
    assert picture(out.read_bytes()).size == (graphpng.DEFAULT_SIZE, graphpng.DEFAULT_SIZE)


def test_png_usage_errors(client: TestClient, root: Path, tmp_path: Path) -> None:
    for args in (["--format", "png"], ["--format", "png", "-o", "-"],
                 ["--format", "png", "--size", "10", "-o", tmp_path / "x.png"],
                 ["--format", "gexf", "--size", "800"]):
        p = faisceau("graph", "--project", root, *args, check=False)
        assert p.returncode == 2 and p.stdout == "", (args, p.stdout[:200])
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert not (tmp_path / "x.png").exists() and not Path("-").exists()
    assert client.get("/api/graph/export.png", params={"size": 99_999}).status_code == 400
    assert client.get("/api/graph/export.svg", params={"size": 800}).status_code == 400
    assert client.get("/api/graph/export.png", params={"size": "big"}).status_code == 422


def test_graph_page_links_the_png_with_its_filters(client: TestClient) -> None:
    page = client.get("/graph", params={"from": "2020-03", "q": "message"}).text
    assert 'href="/api/graph/export.png?from=2020-03&amp;q=message"' in page


def test_empty_graph_and_missing_font(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blank = picture(graphpng.png({"nodes": [], "edges": []}, 300))
    assert blank.size == (300, 300) and blank.getextrema() == ((255, 255), (255, 255), (255, 255))
    # without Debian's fonts-dejavu-core the labels still get drawn, in Pillow's own font
    monkeypatch.setattr(graphpng, "FONT", tmp_path / "absent.ttf")
    graphpng._font.cache_clear()
    try:
        drawn = {"nodes": [{"id": "a", "label": "Alice\nMartin\x00", "degree": 1, "x": 100.0, "y": 500.0}],
                 "edges": []}
        img = picture(graphpng.png(drawn, 500))
    finally:
        graphpng._font.cache_clear()
    label = img.crop((65, 240, 200, 252))
    assert darkest(label) < 100

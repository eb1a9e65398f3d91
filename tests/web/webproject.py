"""The project the web tests share: the demo leak plus hostile mail, ingested once per session.

The hostile part carries XSS payloads in a file name, a subject, a display name (a graph label)
and an attachment name, and an HTML e-mail whose every remote reference points at a canary HTTP
server on 127.0.0.2 that counts the requests it gets.
"""

from __future__ import annotations

import http.server
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

import pytest

from faisceau import settings as settings_mod
from faisceau.fixtures import build_demo, demo_password
from faisceau.pipeline.orchestrator import Ingest
from faisceau.store.project import Project

XSS = '<img src=x onerror="window.__xss=1">'
XSS_NAME = "<svg onload=window.__xss=1>"
# a display name that the analysis keeps as a person (every word capitalised): an entity whose
# name carries an img tag with an error handler (an empty src fires the error event)
XSS_ENTITY = "Jean Dupont<img/src/onerror=window.__xss=1>"
# text with characters outside the BMP before a passage (JS counts them twice, in UTF-16 units; the
# store once, in code points), CR LF line ends, and a valid and an invalid IBAN
ASTRAL_TEXT = ("Note 🔐 scellée 𝒜\r\n— « Le passage cité commence ici et finit là. » 🙂 Fin.\r\n"
               "Virement sur IBAN FR76 3000 6000 0112 3456 7890 189 puis sur IBAN FR76 3000 6000 0112 3456 7890 188"
               " le 3 avril 2024.\r\n")
ASTRAL_PASSAGE = "Le passage cité commence ici et finit là."
CANARY_SUBJECT = "Canary newsletter"


class Canary:
    """An HTTP server on 127.0.0.2 that records every request it receives."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        canary = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                canary.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"canary")

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.url = f"http://127.0.0.2:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def canary_html(url: str) -> str:
    """An HTML body whose every way of loading or running something points at the canary."""
    return f"""<html><head>
<meta http-equiv="refresh" content="0;url={url}/meta-refresh">
<link rel="stylesheet" href="{url}/link.css">
<style>@import url("{url}/import.css"); @font-face {{ font-family: x; src: url("{url}/font.woff"); }}
body {{ background-image: url("{url}/bg.png"); font-family: x; }}</style>
<script src="{url}/script.js"></script>
</head><body onload="fetch('{url}/onload')">
<h1>Canary newsletter</h1>
<img src="{url}/pixel.gif" width="1" height="1">
<img srcset="{url}/srcset-1x.png 1x, {url}/srcset-2x.png 2x" alt="candidates">
<img src="data:," onerror="window.__ran=1;fetch('{url}/onerror')">
<picture><source srcset="{url}/source.webp"><img src="{url}/picture.png"></picture>
<div style="background: url('{url}/style-attr.png')">styled</div>
<video poster="{url}/poster.png" src="{url}/video.mp4"></video>
<iframe src="{url}/iframe.html"></iframe>
<object data="{url}/object.swf"></object>
<form action="{url}/form"><input name="q" value="x"><button>go</button></form>
<a href="{url}/link">a link</a>
<script>window.__ran = 1; fetch("{url}/inline-script");</script>
</body></html>"""


def _mail(subject: str, sender: str, html: str | None = None, attachment: str | None = None,
          body: str = "Plain part. Canary newsletter body text.\n") -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "Hélène Marchetti <helene.marchetti@meridian.example.fr>"
    m["Subject"] = subject
    m["Date"] = "Mon, 04 Mar 2024 10:00:00 +0100"
    m["Message-ID"] = f"<{abs(hash(subject)) % 10**9}@hostile.example>"
    m.set_content(body)
    if html is not None:
        m.add_alternative(html, subtype="html")
    if attachment is not None:
        m.add_attachment(b"attached bytes\n", maintype="text", subtype="plain", filename=attachment)
    return bytes(m)


@dataclass
class WebProject:
    root: Path
    canary: Canary
    ids: dict[str, str] = field(default_factory=dict)


_BUILT: dict[str, WebProject] = {}


def web_project(tmp_path_factory: pytest.TempPathFactory) -> WebProject:
    """Build (once per session) and return the shared web project."""
    if "p" in _BUILT:
        return _BUILT["p"]
    t0 = time.monotonic()
    base = tmp_path_factory.mktemp("web")
    leak = base / "leak"
    build_demo(leak / "demo")
    canary = Canary()
    hostile = leak / "hostile"
    hostile.mkdir()
    (hostile / "canary.eml").write_bytes(_mail(CANARY_SUBJECT, "News <news@canary.example>", canary_html(canary.url)))
    (hostile / "subject.eml").write_bytes(_mail(f"Subject {XSS}", f'"{XSS_NAME}" <evil@hostile.example>',
                                                attachment=f"att{XSS_NAME}.txt"))
    (hostile / f"file{XSS_NAME}.txt").write_text("A file whose name is an XSS payload.\n", "utf-8")
    (hostile / "entity.eml").write_bytes(_mail("Rendez-vous", f'"{XSS_ENTITY}" <jd@hostile.example>',
                                               body=f"Bonjour,\n\nRendez-vous le 12 mars 2024.\n\n{XSS_ENTITY}\n"))
    (hostile / "astral.txt").write_text(ASTRAL_TEXT, "utf-8")
    root = base / "project"
    proj = Project.open(root, create=True)
    Ingest(proj, settings_mod.load(proj.root, environ={}), workers=2, passwords=[demo_password()]).run([leak / "demo", hostile])
    wp = WebProject(root, canary)
    from faisceau.store.db import Store

    store = Store(proj.store_path)
    for r in store.db.execute("SELECT id, path FROM documents"):
        wp.ids[r["path"]] = r["id"]
    store.close()
    print(f"\n[phase] web project: {time.monotonic() - t0:.1f} s")
    _BUILT["p"] = wp
    return wp

"""Safety: headers on every response, Host allow-list, Origin check, escaping, sanitised HTML."""

from __future__ import annotations

import re

from clientkit import BASE, TestClient, client, wp  # noqa: F401 (fixtures)
from webproject import XSS, XSS_NAME, WebProject, canary_html

from faisceau.web.sanitize import BLOCKED_IMAGE, sanitize

XSS_TAG = "<svg/onload=window.__xss=1>"  # a tag has no spaces


def urls(wp: WebProject) -> list[str]:
    some = next(iter(wp.ids.values()))
    return ["/search?q=x", f"/documents/{some}", "/graph", "/status", "/api/search", f"/api/documents/{some}",
            "/openapi.json", "/static/app.js", "/documents/missing", "/api/nothing"]


def test_security_headers_on_every_response(client: TestClient, wp: WebProject) -> None:
    for url in urls(wp):
        r = client.get(url)
        h = r.headers
        assert h["x-content-type-options"] == "nosniff", url
        assert h["referrer-policy"] == "no-referrer", url
        csp = h["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "default-src 'none'" in csp, url
        assert h["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in csp, url


def test_pages_have_no_inline_script_and_no_remote_asset(client: TestClient, wp: WebProject) -> None:
    for url in urls(wp)[:4]:
        html = client.get(url).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert re.search(r'src="/static/[a-z]+\.js"', tag), (url, tag)
        assert not re.findall(r"<script\b[^>]*>[^<]+</script>", html), url
        assert not re.search(r'(src|href)="(https?:)?//', html), url


def test_unknown_host_is_refused(client: TestClient) -> None:
    # DNS rebinding: a hostile name pointed at 127.0.0.1 arrives with that name in Host
    r = client.get("/api/search", headers={"Host": "rebind.attacker.example"})
    assert r.status_code == 400 and "unknown host" in r.text
    assert client.get("/api/search", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/api/search", headers={"Host": "[::1]:8000"}).status_code == 200


def test_state_changes_need_our_origin(client: TestClient, wp: WebProject) -> None:
    doc = wp.ids["office/rota.xlsx"]
    url = f"/api/documents/{doc}/tags"
    # CSRF from another site: refused, nothing written
    for origin in ("http://evil.example", "null", "http://127.0.0.1:9999"):
        r = client.post(url, json={"tag": "csrf"}, headers={"Origin": origin})
        assert r.status_code == 403, origin
    r = client.post(url, json={"tag": "csrf"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    assert client.get("/api/search", params={"q": "tag:csrf"}).json()["total"] == 0
    # a form post (no JSON) cannot go through either
    r = client.post(url, data={"tag": "csrf"}, headers={"Origin": BASE})
    assert r.status_code == 422
    # the app itself, and a script without browser headers, can
    assert client.post(url, json={"tag": "ok"}, headers={"Origin": BASE}).status_code == 200
    assert client.delete(f"{url}/ok").status_code == 200


def test_hostile_names_are_escaped_everywhere(client: TestClient, wp: WebProject) -> None:
    named = wp.ids[f"file{XSS_NAME}.txt"]
    subject = wp.ids["subject.eml"]
    attachment = wp.ids[f"subject.eml!/attachments/att{XSS_NAME}.txt"]
    assert client.post(f"/api/documents/{named}/tags", json={"tag": XSS_TAG}, headers={"Origin": BASE}).status_code == 200
    assert client.post(f"/api/documents/{named}/notes", json={"text": XSS}, headers={"Origin": BASE}).status_code == 200
    client.post("/api/saved-searches", json={"name": XSS, "q": XSS_NAME}, headers={"Origin": BASE})
    pages = [f"/documents/{named}", f"/documents/{subject}", f"/documents/{attachment}", "/graph",
             "/search?q=hostile+OR+payload+OR+xss", f"/search?q={XSS}", "/search?q=tag:*", "/status"]
    for url in pages:
        html = client.get(url).text
        assert "<svg onload" not in html and "<img src=x" not in html and "<svg/onload" not in html, url
    assert "&lt;svg onload=window.__xss=1&gt;" in client.get(f"/documents/{named}").text
    assert "&lt;svg/onload=window.__xss=1&gt;" in client.get(f"/documents/{named}").text
    assert "Subject &lt;img src=x onerror=&#34;window.__xss=1&#34;&gt;" in client.get(f"/documents/{subject}").text
    graph = client.get("/graph").text  # the display name is a node label
    assert "&lt;svg onload=window.__xss=1&gt;" in graph
    svg = client.get("/api/graph/export.svg").text
    assert "<svg onload" not in svg and "&lt;svg onload" in svg
    client.delete(f"/api/saved-searches/{XSS}", headers={"Origin": BASE})


def test_html_mail_is_served_sanitised_in_a_locked_frame(client: TestClient, wp: WebProject) -> None:
    doc = wp.ids["canary.eml"]
    page = client.get(f"/documents/{doc}").text
    assert re.search(r'<iframe[^>]*sandbox=""[^>]*src="/api/documents/' + doc + '/html"', page)
    r = client.get(f"/api/documents/{doc}/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "img-src data:" in csp and "sandbox" in csp
    assert r.headers["x-frame-options"] == "SAMEORIGIN"
    body = r.text.split("<body>", 1)[1]
    assert wp.canary.url not in body.replace(f'title="{wp.canary.url}/link"', "")
    for bad in ("<script", "onerror", "onload", "<meta", "<link", "<form", "<iframe", "<object", "srcset", "@import",
                "url("):
        assert bad not in body.lower(), bad
    assert "remote content blocked" in body and BLOCKED_IMAGE in body


def test_sanitizer_blocks_each_remote_or_active_construct() -> None:
    url = "http://127.0.0.2:1"
    clean = sanitize(canary_html(url))
    assert url not in clean.html.replace(f'title="{url}/link"', "")
    assert clean.blocked >= 12
    assert "Canary newsletter" in clean.html
    kept = sanitize('<p style="color:red;background-image:url(http://x/y)">t</p><img src="data:image/png;base64,iVBO">')
    assert 'style="color:red"' in kept.html and 'src="data:image/png;base64,iVBO"' in kept.html
    # an SVG data image could carry script when opened on its own: only bitmap data images are kept
    assert "data:image/svg+xml;base64,PHN" not in sanitize('<img src="data:image/svg+xml;base64,PHN2Zz4=">').html.replace(
        BLOCKED_IMAGE, "")

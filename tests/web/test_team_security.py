"""Server mode against attacks: brute force, session fixation, CSRF, open redirect, IDOR, a stolen
cookie after logout, a role removed, expired sessions and tokens, the one-time password."""

from __future__ import annotations

import sqlite3
import time

import pytest
from teamkit import PASSWORD, Team, client, login, new_user, raw_bytes, team  # noqa: F401 (the fixture)

from faisceau.store import accounts, audit
from faisceau.store.db import Store
from faisceau.store.project import Project
from faisceau.team import passwords
from faisceau.team.access import COOKIE, Options
from faisceau.team.webapp import ACCOUNT_LIMIT, ADDRESS_LIMIT, create_server_app
from faisceau.web.server import Background


def actions(team: Team, action: str) -> list[dict[str, object]]:
    team.flush()
    return audit.entries(team.server.store(), action=action)


def test_brute_force_on_an_account_is_slowed_then_locked(team: Team) -> None:  # noqa: F811
    new_user(team, "victim")
    with client(team, "127.0.0.9") as c:
        times = []
        for i in range(ACCOUNT_LIMIT):
            t0 = time.monotonic()
            r = c.post("/login", data={"name": "victim", "password": f"guess-{i}-wrong"})
            times.append(time.monotonic() - t0)
            assert r.status_code == 401
        # each failure slows the next answer more
        assert times[-1] > times[0] + 0.5, times
        # the right password no longer opens the account during the window
        r = c.post("/login", data={"name": "victim", "password": PASSWORD})
        assert r.status_code == 429 and COOKIE not in r.cookies
    # from another address too: the lock is on the account
    with client(team, "127.0.0.12") as c:
        assert c.post("/login", data={"name": "victim", "password": PASSWORD}).status_code == 429
    assert any(e["object"] == "victim" for e in actions(team, "login-throttled"))
    assert sum(e["object"] == "victim" for e in actions(team, "login-failed")) == ACCOUNT_LIMIT


def test_many_accounts_tried_from_one_address_lock_that_address(team: Team) -> None:  # noqa: F811
    with client(team, "127.0.0.10") as c:
        for i in range(ADDRESS_LIMIT):
            assert c.post("/login", data={"name": f"nobody{i}", "password": "x" * 12}).status_code == 401
        assert c.post("/login", data={"name": "rita", "password": PASSWORD}).status_code == 429
    with client(team, "127.0.0.11") as c:  # rita herself, elsewhere, is not locked out
        assert c.post("/login", data={"name": "rita", "password": PASSWORD}).status_code == 303


def test_a_planted_session_id_is_never_adopted(team: Team) -> None:  # noqa: F811
    with client(team) as c:
        c.cookies.set(COOKIE, "attacker-chosen-session-id")
        r = c.post("/login", data={"name": "rita", "password": PASSWORD})
        assert r.status_code == 303
        issued = r.cookies[COOKIE]
        assert issued != "attacker-chosen-session-id" and len(issued) >= 40
    with client(team) as attacker:
        attacker.cookies.set(COOKIE, "attacker-chosen-session-id")
        assert attacker.get("/p/alpha/api/search").status_code == 401
    # and two logins get two sessions
    assert login(team, "rita").http.cookies[COOKIE] != login(team, "rita").http.cookies[COOKIE]


def test_a_state_change_needs_the_sessions_csrf_token(team: Team) -> None:  # noqa: F811
    ed = login(team, "ed")
    doc = team.ids["alpha"]["memo.txt"]
    url = f"/p/alpha/api/documents/{doc}/tags"
    assert ed.http.post(url, json={"tag": "csrf"}).status_code == 403
    assert ed.http.post(url, json={"tag": "csrf"}, headers={"x-csrf-token": "forged"}).status_code == 403
    other = login(team, "ada")  # another session's token is not this one's
    assert ed.http.post(url, json={"tag": "csrf"}, headers={"x-csrf-token": other.csrf}).status_code == 403
    # a cross-site page cannot post even with the token (the Origin check comes first)
    assert ed.send("POST", url, json={"tag": "csrf"}, headers={"origin": "https://evil.example"}).status_code == 403
    # a logout form without the token does not end the session
    assert ed.http.post("/logout", data={}).status_code == 403
    assert ed.http.get("/p/alpha/api/tags").status_code == 200
    r = ed.send("POST", url, json={"tag": "csrf-ok"})
    assert r.status_code == 200 and "csrf-ok" in r.json()["tags"] and "csrf" not in r.json()["tags"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example",
                                    "javascript:alert(1)", "/\tevil", "evil.example"])
def test_login_never_redirects_off_site(team: Team, target: str) -> None:  # noqa: F811
    with client(team) as c:
        page = c.get("/login", params={"next": target})
        assert 'name="next" value="/"' in page.text
        r = c.post("/login", data={"name": "rita", "password": PASSWORD, "next": target})
        assert r.status_code == 303 and r.headers["location"] == "/"


def test_login_comes_back_to_the_page_asked_for(team: Team) -> None:  # noqa: F811
    with client(team) as c:
        r = c.get("/p/alpha/search?q=Acme", headers={"accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
        back = "/p/alpha/search?q=Acme"
        r = c.post("/login", data={"name": "rita", "password": PASSWORD, "next": back})
        assert r.headers["location"] == back
        assert c.get(back).status_code == 200


def test_no_document_of_one_project_through_another_projects_url(team: Team) -> None:  # noqa: F811
    alpha_doc, beta_doc = team.ids["alpha"]["contrat.txt"], team.ids["beta"]["beta-only.txt"]
    otto, rita = login(team, "otto"), login(team, "rita")
    assert otto.http.get(f"/p/beta/api/documents/{beta_doc}").status_code == 200
    # alpha's document through beta's address: beta's store does not have it
    r = otto.http.get(f"/p/beta/api/documents/{alpha_doc}")
    assert r.status_code == 404 and "no document" in r.json()["error"]
    assert otto.http.get(f"/p/beta/api/documents/{alpha_doc}/original").status_code == 404
    # and alpha's own address is closed to a non-member
    assert otto.http.get(f"/p/alpha/api/documents/{alpha_doc}").status_code == 404
    assert otto.http.get(f"/p/alpha/documents/{alpha_doc}").status_code == 404
    # the other way round
    assert rita.http.get(f"/p/alpha/api/documents/{beta_doc}").status_code == 404
    assert rita.http.get(f"/p/beta/api/documents/{beta_doc}").status_code == 404
    # a search never crosses projects
    hits = rita.http.get("/p/alpha/api/search", params={"q": "Rotterdam"}).json()
    assert hits["total"] == 0
    assert otto.http.get("/p/beta/api/search", params={"q": "Rotterdam"}).json()["total"] == 1


def test_a_stolen_cookie_dies_at_logout(team: Team) -> None:  # noqa: F811
    rita = login(team, "rita")
    with client(team) as thief:
        thief.cookies.set(COOKIE, rita.http.cookies[COOKIE])
        assert thief.get("/p/alpha/api/tags").status_code == 200
        r = rita.http.post("/logout", data={"csrf": rita.csrf})
        assert r.status_code == 303 and r.headers["location"] == "/login"
        assert thief.get("/p/alpha/api/tags").status_code == 401
    assert rita.http.get("/p/alpha/api/tags").status_code == 401
    # the session is gone from the database, not only from the browser
    digest = passwords.digest(thief.cookies.get(COOKIE) or "")
    assert accounts.session(team.server.store(), digest) is None


def test_a_role_change_takes_effect_on_the_next_request(team: Team) -> None:  # noqa: F811
    new_user(team, "moved", role="editor")
    token = team.server.add_token("moved", "script", 1)
    doc = team.ids["alpha"]["budget.txt"]
    auth = {"authorization": f"Bearer {token}"}
    with client(team) as c:
        assert c.post(f"/p/alpha/api/documents/{doc}/tags", json={"tag": "t1"}, headers=auth).status_code == 200
        team.server.grant("moved", "alpha", "reader")
        r = c.post(f"/p/alpha/api/documents/{doc}/tags", json={"tag": "t2"}, headers=auth)
        assert r.status_code == 403
        assert c.get("/p/alpha/api/tags", headers=auth).status_code == 200
        team.server.revoke("moved", "alpha")
        assert c.get("/p/alpha/api/tags", headers=auth).status_code == 404
    # a session of that user ended with the change
    new_user(team, "moved2", role="editor")
    s = login(team, "moved2")
    team.server.grant("moved2", "alpha", "reader")
    assert s.http.get("/p/alpha/api/tags").status_code == 401


def test_api_tokens_are_hashed_expire_and_are_revoked(team: Team) -> None:  # noqa: F811
    new_user(team, "scripter")
    token = team.server.add_token("scripter", "nightly", 30)
    auth = {"authorization": f"Bearer {token}"}
    with client(team) as c:
        assert c.get("/p/alpha/api/search", params={"q": "Acme"}, headers=auth).json()["total"] == 3
    raw = raw_bytes(sorted(team.root.glob("server.sqlite*")))
    assert token.encode() not in raw and passwords.digest(token).encode() in raw
    [row] = team.server.tokens("scripter")
    team.server.revoke_token("scripter", row["id"])
    with client(team) as c:
        assert c.get("/p/alpha/api/search", headers=auth).status_code == 401
    old = passwords.new_secret("fsc_")
    accounts.add_token(team.server.store(), passwords.digest(old), "scripter", "old", "then", time.time() - 1)
    with client(team) as c:
        assert c.get("/p/alpha/api/tags", headers={"authorization": f"Bearer {old}"}).status_code == 401


def test_idle_and_absolute_session_expiry(team: Team) -> None:  # noqa: F811
    import httpx

    # idle: unused for 3 s; absolute: 8 s after login however busy (requests every 2 s keep it from
    # idling); the cookie is sent again after the end, as a thief would. Generous margins: a busy
    # machine answers slowly.
    for options, pause in ((Options(idle_seconds=3.0), 0.0), (Options(absolute_seconds=8.0, idle_seconds=3.0), 2.0)):
        bg = Background(None, app=create_server_app(team.server, ("127.0.0.1",), options))
        try:
            with httpx.Client(base_url=bg.url) as c:
                t0 = time.monotonic()
                assert c.post("/login", data={"name": "rita", "password": PASSWORD}).status_code == 303
                cookie = c.cookies[COOKIE]
                assert c.get("/p/alpha/api/tags").status_code == 200
                if pause:
                    for _ in range(2):
                        time.sleep(pause)
                        assert c.get("/p/alpha/api/tags").status_code == 200
                    time.sleep(max(0.0, 8.5 - (time.monotonic() - t0)))
                else:
                    time.sleep(3.5)
                c.cookies.set(COOKIE, cookie)
                assert c.get("/p/alpha/api/tags").status_code == 401
            assert accounts.session(team.server.store(), passwords.digest(cookie)) is None
        finally:
            bg.stop()


def test_a_one_time_password_must_be_changed_first(team: Team) -> None:  # noqa: F811
    once = team.server.add_user("newcomer")
    team.server.grant("newcomer", "alpha", "reader")
    with client(team) as c:
        assert c.post("/login", data={"name": "newcomer", "password": once}).status_code == 303
        r = c.get("/p/alpha/search", headers={"accept": "text/html"})
        assert r.status_code == 303 and r.headers["location"] == "/account/password"
        assert c.get("/p/alpha/api/search").status_code == 403
        page = c.get("/account/password")
        csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        first = c.cookies[COOKIE]
        bad = c.post("/account/password", data={"csrf": csrf, "old": once, "new": "short"})
        assert bad.status_code == 400 and "12 characters" in bad.text
        r = c.post("/account/password", data={"csrf": csrf, "old": once, "new": "a new and long password"})
        assert r.status_code == 303 and c.cookies[COOKIE] != first
        assert c.get("/p/alpha/api/search").status_code == 200
    with client(team) as stale:  # the session from before the change ended
        stale.cookies.set(COOKIE, first)
        assert stale.get("/p/alpha/api/tags").status_code == 401
    stored = accounts.user(team.server.store(), "newcomer")
    assert stored is not None and stored["password"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_tags_and_notes_carry_the_logged_in_user(team: Team) -> None:  # noqa: F811
    ed = login(team, "ed")
    doc = team.ids["alpha"]["contrat.txt"]
    assert ed.send("POST", f"/p/alpha/api/documents/{doc}/tags", json={"tag": "by-ed"}).status_code == 200
    assert ed.send("POST", f"/p/alpha/api/documents/{doc}/notes", json={"text": "ed's note"}).status_code == 200
    store = Store(Project.open(team.root.parent / "alpha").store_path)
    try:
        tag_user = store.db.execute("SELECT user FROM tags WHERE tag = 'by-ed'").fetchone()[0]
        note_user = store.db.execute("SELECT user FROM notes WHERE text = ?", ("ed's note",)).fetchone()[0]
    finally:
        store.close()
    assert (tag_user, note_user) == ("ed", "ed")


def test_the_audit_trail_refuses_updates_and_deletes(team: Team) -> None:  # noqa: F811
    db = sqlite3.connect(team.root / "server.sqlite")
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("UPDATE audit SET entry = '{}' WHERE seq = 1")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute("DELETE FROM audit WHERE seq = 1")
    finally:
        db.close()


def test_a_null_origin_passes_only_from_the_same_origin(team: Team) -> None:  # noqa: F811
    # a sandboxed or cross-site page also sends `Origin: null`: only Sec-Fetch-Site tells them apart
    with client(team, "127.0.0.13") as c:
        form = {"name": "rita", "password": PASSWORD}
        r = c.post("/login", data=form, headers={"origin": "null", "sec-fetch-site": "cross-site"})
        assert r.status_code == 403 and COOKIE not in r.cookies
        r = c.post("/login", data=form, headers={"origin": "null"})
        assert r.status_code == 403
        r = c.post("/login", data=form, headers={"origin": "null", "sec-fetch-site": "same-origin"})
        assert r.status_code == 303 and COOKIE in r.cookies


def test_stars_are_private_per_user(team: Team) -> None:  # noqa: F811
    new_user(team, "star-a", role="editor")
    new_user(team, "star-b", role="editor")
    a, b = login(team, "star-a"), login(team, "star-b")
    doc = team.ids["alpha"]["memo.txt"]
    assert a.send("PUT", f"/p/alpha/api/documents/{doc}/star", json={"starred": True}).status_code == 200
    assert a.http.get(f"/p/alpha/api/documents/{doc}").json()["starred"] is True
    assert b.http.get(f"/p/alpha/api/documents/{doc}").json()["starred"] is False
    found = a.http.get("/p/alpha/api/search", params={"q": "star:yes"}).json()
    assert [h["id"] for h in found["hits"]] == [doc]
    assert b.http.get("/p/alpha/api/search", params={"q": "star:yes"}).json()["total"] == 0
    # b unstarring does not touch a's star
    assert b.send("PUT", f"/p/alpha/api/documents/{doc}/star", json={"starred": False}).status_code == 200
    assert a.http.get(f"/p/alpha/api/documents/{doc}").json()["starred"] is True


def test_a_second_factor_is_required_and_each_code_works_once(team: Team) -> None:  # noqa: F811
    import pyotp

    new_user(team, "two-step")
    secret, uri = team.server.enable_totp("two-step")
    assert uri.startswith("otpauth://totp/") and secret in uri
    with client(team, "127.0.0.14") as c:
        form = {"name": "two-step", "password": PASSWORD}
        assert c.post("/login", data=form).status_code == 401
        code = pyotp.TOTP(secret).now()
        wrong = f"{(int(code) + 500_000) % 1_000_000:06d}"
        assert c.post("/login", data={**form, "code": wrong}).status_code == 401
        r = c.post("/login", data={**form, "code": code})
        assert r.status_code == 303 and COOKIE in r.cookies
    with client(team, "127.0.0.15") as c:  # the same code again, even from elsewhere: refused
        assert c.post("/login", data={"name": "two-step", "password": PASSWORD, "code": code}).status_code == 401
    reasons = [e["detail"].get("reason") for e in actions(team, "login-failed") if e["object"] == "two-step"]
    assert reasons.count("code") >= 2
    team.server.disable_totp("two-step")
    with client(team, "127.0.0.16") as c:
        assert c.post("/login", data={"name": "two-step", "password": PASSWORD}).status_code == 303


def test_a_projects_admin_manages_its_members_and_only_its_own(team: Team) -> None:  # noqa: F811
    new_user(team, "joiner", project="beta")
    ada, rita = login(team, "ada"), login(team, "rita")
    page = ada.http.get("/p/alpha/members")
    assert page.status_code == 200 and ">rita<" in page.text and ">otto<" not in page.text
    r = ada.http.post("/p/alpha/members", data={"csrf": ada.csrf, "action": "grant", "name": "joiner", "role": "editor"})
    assert r.status_code == 303
    assert team.server.role("joiner", "user", "alpha") == "editor"
    assert ada.http.post("/p/alpha/members", data={"action": "grant", "name": "joiner", "role": "admin"}).status_code == 403
    assert team.server.role("joiner", "user", "alpha") == "editor"  # no CSRF token, no change
    r = ada.http.post("/p/alpha/members", data={"csrf": ada.csrf, "action": "revoke", "name": "joiner"})
    assert r.status_code == 303 and team.server.role("joiner", "user", "alpha") is None
    assert team.server.role("joiner", "user", "beta") == "reader"
    # not on a project where ada is no admin, and never by a reader
    assert ada.http.post("/p/beta/members", data={"csrf": ada.csrf, "action": "revoke", "name": "joiner"}).status_code == 404
    assert rita.http.post("/p/alpha/members", data={"csrf": rita.csrf, "action": "grant", "name": "rita",
                                                    "role": "admin"}).status_code == 403
    assert team.server.role("rita", "user", "alpha") == "reader"
    grants = [e for e in actions(team, "member-grant") if e["object"] == "joiner" and e["project"] == "alpha"]
    assert grants and grants[0]["user"] == "ada"

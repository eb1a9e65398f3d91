"""Implausible dates kept off the timeline (a toggle shows them), date filters that survive drilling,
exact dates before vaguer ones on a day, and one labelled time zone on every page — on a project
ingested from e-mails and a text the test writes."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import warnings
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from faisceau.analysis.plausible import Plausibility
from faisceau.web import Workbench, create_app
from faisceau.web.when import shown

NEXT_YEAR = dt.date.today().year + 1


def test_plausibility_flags_placeholders_far_years_and_the_future() -> None:
    judge = Plausibility.of({1999: 40, 2000: 300, 2001: 900, 2002: 200, 1980: 60, 1148: 1, 6731: 1},
                            today=dt.date(2026, 12, 7))
    assert judge.first_year <= 1995 and 2005 <= judge.last_year <= 2027, judge
    at = lambda s: int(dt.datetime.fromisoformat(s).timestamp())  # noqa: E731
    assert judge.reason(at("1980-01-01T00:00:00+00:00"), 1980, metadata=True) == "placeholder date"
    assert judge.reason(at("1979-12-31T16:00:00-08:00"), 1980, metadata=True) == "placeholder date"
    assert judge.reason(at("1970-01-01T00:00:00+00:00"), 1970, metadata=True) == "placeholder date"
    assert judge.reason(at("2001-05-03T10:00:00+00:00"), 2001, metadata=True) is None
    assert judge.reason(at("1148-06-01T00:00:00+00:00"), 1148, metadata=False) == "far from the corpus's dates"
    assert judge.reason(at("2200-01-01T00:00:00+00:00"), 2200, metadata=False) == "in the future"
    assert judge.reason(at("1998-03-01T00:00:00+00:00"), 1998, metadata=False) is None


def test_times_are_shown_in_one_labelled_zone() -> None:
    assert shown("2001-05-03T17:15:00-07:00", "UTC") == "2001-05-04 00:15 UTC"
    assert shown("2001-05-04T00:15:00+00:00", "Europe/Paris") == "2001-05-04 02:15 Europe/Paris"
    assert shown("2001-05", "Europe/Paris") == "2001-05"                 # a date alone: as written
    assert shown("2001-05-04T00:15:00", "Europe/Paris") == "2001-05-04 00:15"   # floating: no zone claimed


def _mail(path: Path, subject: str, date: str, body: str, reply_to: str = "") -> None:
    m = EmailMessage()
    if reply_to:
        m["In-Reply-To"] = m["References"] = reply_to
    m["From"], m["To"], m["Subject"], m["Date"] = "Jane Roe <jane@example.org>", "bob@example.org", subject, date
    m["Message-ID"] = f"<{path.stem}@example.org>"
    m.set_content(body)
    path.write_bytes(bytes(m))


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("dates")
    leak = root / "leak"
    leak.mkdir()
    _mail(leak / "a.eml", "Quarterly figures", "Thu, 3 May 2001 17:15:00 -0700",
          "The board met on 3 May 2001 about the figures for 2001.\nIn 2001 the volumes grew.\n"
          "Another review took place on 12 August 2001.\n")
    _mail(leak / "d.eml", "Re: Quarterly figures", "Fri, 4 May 2001 08:00:00 +0000", "Thanks.\n", "<a@example.org>")
    _mail(leak / "b.eml", "Placeholder", "Tue, 1 Jan 1980 00:00:00 -0800", "Volumes reviewed in March 2001.\n")
    _mail(leak / "c.eml", "Forecast", "Mon, 2 Apr 2001 09:00:00 +0000",
          f"A target was set for 14 March {NEXT_YEAR + 4}.\nIn 2000 and in 2002 the same.\n")
    r = subprocess.run([sys.executable, "-m", "faisceau", "ingest", str(leak), "--project", str(root / "p")],
                       capture_output=True, text=True, timeout=1200)
    # the zone is read when pages are served (buckets, ranges, the times printed), not when ingesting
    (root / "p" / "faisceau.toml").write_text('timezone = "Europe/Paris"\n', "utf-8")
    assert r.returncode == 0, r.stderr[-3000:]
    with TestClient(create_app(Workbench.open(root / "p")), base_url="http://127.0.0.1:8000") as c:
        yield c


def _events(client: TestClient, **params: str) -> list[dict[str, object]]:
    r = client.get("/api/timeline", params=params | {"limit": "1000"})
    assert r.status_code == 200, r.text
    return list(r.json()["events"])


def test_implausible_dates_are_off_the_timeline_unless_asked(client: TestClient) -> None:
    shown_ = _events(client)
    assert shown_, "no event at all"
    years = {str(e["date"])[:4] for e in shown_}
    assert "1980" not in years and str(NEXT_YEAR + 4) not in years and "1979" not in years, years
    everything = _events(client, implausible="true")
    flagged = {str(e["date"])[:4]: e["implausible"] for e in everything if e["implausible"]}
    assert flagged.get("1980") == "placeholder date", flagged
    assert flagged.get(str(NEXT_YEAR + 4)) == "in the future", flagged
    assert len(everything) == len(shown_) + len(flagged)
    page = client.get("/timeline", params={"implausible": "1"}).text
    assert 'name="implausible"' in page and "placeholder date" in page
    assert 'placeholder="2024' not in page and 'placeholder="2024' not in client.get("/graph").text


def test_date_range_survives_drilling_into_a_year(client: TestClient) -> None:
    drilled = _events(client, at="2001", **{"from": "2001-05", "to": "2001-06"})
    exact = [e for e in drilled if e["precision"] in ("day", "second")]
    assert exact and all("2001-05" <= str(e["date"])[:7] <= "2001-06" for e in exact), drilled
    assert not any(str(e["date"]).startswith("2001-08") for e in drilled)
    link = client.get("/timeline", params={"from": "2001-05", "to": "2001-06"}).text
    assert re.search(r'href="/timeline\?[^"]*from=2001-05[^"]*at=2001"', link.replace("&amp;", "&")), link[-3000:]


def test_exact_dates_come_before_vaguer_ones_on_a_day(client: TestClient) -> None:
    day = _events(client, at="2001-05-03")
    ranks = {"second": 0, "day": 1, "month": 2, "year": 3}
    order = [ranks[str(e["precision"])] for e in day]
    assert len(set(order)) >= 2 and order == sorted(order), [(e["date"], e["precision"]) for e in day]


def test_every_page_prints_times_in_the_project_zone_with_its_label(client: TestClient) -> None:
    # the message sent "Thu, 3 May 2001 17:15 -0700" is 2001-05-04 02:15 in Paris, everywhere
    search = client.get("/search", params={"q": "figures"}).text
    assert "2001-05-04 02:15 Europe/Paris" in search, search[-3000:]
    timeline = client.get("/timeline", params={"at": "2001-05-04", "kind": "metadata"}).text
    assert "2001-05-04 02:15 Europe/Paris" in timeline
    doc = re.search(r'href="/documents/([\w-]+)\?', search)
    assert doc
    page = client.get(f"/documents/{doc.group(1)}").text
    assert 'id="thread"' in page and "2001-05-04 02:15 Europe/Paris" in page   # the conversation panel
    assert "2001-05-03 17:15" not in page and "2001-05-04 00:15" not in page


def test_favicon_is_served(client: TestClient) -> None:
    r = client.get("/favicon.ico")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert r.content.startswith(b"<svg")


def test_french_interface_translates_facet_headings(client: TestClient) -> None:
    fr = client.get("/search", params={"q": "figures"}, headers={"Accept-Language": "fr-FR,fr;q=0.9"}).text
    headings = re.findall(r'<section class="facet" data-facet="(\w+)">\s*<h3>([^<]*)</h3>', fr)
    assert dict(headings).get("year") == "Année" and dict(headings).get("kind") == "Type", headings
    assert all(name != heading for name, heading in headings), headings

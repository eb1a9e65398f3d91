"""A web page's main content told apart from its site's menu, header and footer (issue 22)."""

from __future__ import annotations

from pathlib import Path

from conftest import run_extractor
from sitepages import MENU, MENU_LINE, PAGES, write_site

from faisceau.extract.base import Context
from faisceau.extract.documents.html import HtmlExtractor
from faisceau.extract.documents.mainbody import main_text


def _main(doc_text: str, segments: list) -> str:
    return "\n".join(doc_text[s.start:s.end] for s in segments if s.part == "main")


def test_main_segments_hold_the_page_and_not_the_menu(tmp_path: Path, ctx: Context) -> None:
    for name, path in write_site(tmp_path / "site").items():
        doc, _ = run_extractor(HtmlExtractor, path, ctx)
        main = _main(doc.text, doc.segments)
        title, paras = PAGES[name]
        for p in paras:
            assert p in main, (name, p)
        assert MENU_LINE not in main and "Mentions légales" not in main, name
        # the stored text is whole: the menu is still there to read and to search with full:
        assert MENU_LINE in doc.text and "Mentions légales" in doc.text
        assert title in doc.text and "Assemblée" in doc.text   # read with the declared ISO-8859-1
        body = next(s for s in doc.segments if s.part == "body")
        assert all(body.start <= s.start < s.end <= body.end for s in doc.segments if s.part == "main")
        assert doc.extractor_version.startswith("2+trafilatura-")


def test_a_page_that_is_all_list_loses_nothing() -> None:
    # nothing but a list of links: it is the page's content, every line of it kept
    markup = "<html><body><ul>" + "".join(f'<li><a href="/{i}">{m}</a></li>' for i, m in enumerate(MENU)) + "</ul></body></html>"
    text = "\n".join(MENU)
    assert main_text(markup, text) == ([(0, len(text))], MENU)
    assert main_text("<html><body></body></html>", "") == ([], [])

"""A course, not a chapter: the lecturer's own index, pages in no toctree, figures."""

from __future__ import annotations

from bs4 import BeautifulSoup
from conftest import copy_root


def test_every_page_gets_its_text_deck_and_programs(make_app, tmp_path):
    srcdir = copy_root(tmp_path, "course")
    text = make_app("html", srcdir=srcdir)
    text.build()
    assert text.warning.getvalue() == ""  # the summary page is in no toctree: no warning
    text.cleanup()
    deck = make_app("revealjs", srcdir=srcdir)
    deck.build()
    assert deck.warning.getvalue() == ""
    for page in ("index", "chap1_tenseurs", "tp1_tenseurs", "resume_chap1"):
        assert (text.outdir / f"{page}.html").exists(), page
    # Only pages with markers have a deck; the text links decks that exist only.
    assert sorted(p.stem for p in deck.outdir.glob("*.html")) == ["chap1_tenseurs", "tp1_tenseurs"]
    chapter = BeautifulSoup((text.outdir / "chap1_tenseurs.html").read_text(), "html.parser")
    assert "taille : 3" in chapter.select_one("div.coursekit-output").get_text()
    assert len(chapter.select("a.coursekit-slide-link")) == 2
    summary = BeautifulSoup((text.outdir / "resume_chap1.html").read_text(), "html.parser")
    assert summary.select("a.coursekit-slide-link") == []
    # The text before the first marker belongs to no slide.
    slides = BeautifulSoup((deck.outdir / "chap1_tenseurs.html").read_text(), "html.parser")
    assert len(slides.select("div.slides > section")) == 2
    assert "introduction" not in slides.select_one("div.slides").get_text()
    assert "introduction" in chapter.get_text()
    # The image the page shows was drawn by its script; the helper was left alone.
    assert (srcdir / "images" / "courbe.png").read_bytes().startswith(b"\x89PNG")
    assert not (srcdir / "images" / "donnees.csv").exists()
    assert not list(srcdir.rglob("donnees.csv"))


def test_a_failing_figure_script_names_the_script_and_the_page(make_app, tmp_path):
    srcdir = copy_root(tmp_path, "figure-error")
    app = make_app("html", srcdir=srcdir)
    app.build()
    warnings = app.warning.getvalue()
    assert "index.rst:12: ERROR: the figure script images/cassee.py" in warnings
    assert "ValueError: la courbe n'existe pas" in warnings
    # The build went on: the other page was read and written.
    assert "lue malgré la figure cassée" in (app.outdir / "autre.html").read_text()

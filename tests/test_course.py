"""A course, not a chapter: the lecturer's own index, pages in no toctree, figures."""

from __future__ import annotations

from pathlib import Path

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


def test_pages_are_read_while_their_figures_are_drawn(make_app, tmp_path):
    # images/attend.py, shown by the first page, ends only once the second page
    # is read: a build whose reading waited for each figure would fail here.
    srcdir = copy_root(tmp_path, "figures")
    text = make_app("html", srcdir=srcdir)
    text.build()
    assert text.warning.getvalue() == ""
    assert "drew images/attend.png" in text.status.getvalue()
    for page, png, alt in (
        ("premier", "attend", "une courbe qui attend"),
        ("second", "simple", "une droite"),
    ):
        html = BeautifulSoup((text.outdir / f"{page}.html").read_text(), "html.parser")
        (image,) = html.select("article img") or html.select("img[alt]")
        assert image["src"] == f"_images/{png}.png"
        assert image["alt"] == alt
        assert (text.outdir / "_images" / f"{png}.png").read_bytes().startswith(b"\x89PNG")
    premier = BeautifulSoup((text.outdir / "premier.html").read_text(), "html.parser")
    assert "width: 50%" in premier.select_one("img[alt]")["style"]
    second = BeautifulSoup((text.outdir / "second.html").read_text(), "html.parser")
    assert "La droite de la seconde page." in second.select_one("figcaption").get_text()
    # An image in a title is drawn before the title is copied (page title, toctree).
    titre = BeautifulSoup((text.outdir / "titre.html").read_text(), "html.parser")
    assert titre.select_one("h1 img")["src"] == "_images/icone.png"
    assert "Une icône dans le titre" in titre.select_one("title").get_text()
    text.cleanup()
    # The figures drawn after their pages were read do not make a page stale.
    again = make_app("html", srcdir=srcdir)
    again.build()
    assert "0 added, 0 changed, 0 removed" in again.status.getvalue()
    again.cleanup()
    # The deck shows the same images; it finds them drawn.
    deck = make_app("revealjs", srcdir=srcdir)
    deck.build()
    assert deck.warning.getvalue() == ""
    assert "drew" not in deck.status.getvalue()
    slide = BeautifulSoup((deck.outdir / "premier.html").read_text(), "html.parser")
    assert slide.select_one("div.slides img")["src"] == "_images/attend.png"
    assert (deck.outdir / "_images" / "attend.png").exists()


def figures_built_once(make_app, tmp_path) -> Path:
    """A copy of the root ``figures``, built once: every figure is drawn."""
    srcdir = copy_root(tmp_path, "figures")
    app = make_app("html", srcdir=srcdir)
    app.build()
    app.cleanup()
    return srcdir


def test_a_figure_redrawn_after_an_edit_of_its_script(make_app, tmp_path):
    script = figures_built_once(make_app, tmp_path) / "images" / "simple.py"
    script.write_text(script.read_text().replace("[0, 1], [0, 1]", "[0, 1], [1, 0]"))
    second = make_app("html", srcdir=script.parents[1])
    second.build()
    assert second.warning.getvalue() == ""
    status = second.status.getvalue()
    assert "drew images/simple.png" in status and "drew images/attend.png" not in status
    assert "0 added, 1 changed, 0 removed" in status
    assert (second.outdir / "_images" / "simple.png").exists()


def test_a_failing_figure_script_leaves_the_figure_drawn_before(make_app, tmp_path):
    script = figures_built_once(make_app, tmp_path) / "images" / "simple.py"
    for broken, error in (
        ('raise ValueError("plus de droite")', "ValueError: plus de droite"),
        ('open(sys.argv[1], "w").write("pas une image")', "UnidentifiedImageError"),
    ):
        script.write_text(f"import sys\n{broken}\n")
        app = make_app("html", srcdir=script.parents[1])
        app.build()
        warnings = app.warning.getvalue()
        assert "second.rst:5: ERROR: the figure script images/simple.py" in warnings, warnings
        assert error in warnings and warnings.count("ERROR") == 1
        # The page shows the figure its script drew last, as an image collector would.
        page = BeautifulSoup((app.outdir / "second.html").read_text(), "html.parser")
        assert page.select_one("figure img")["src"] == "_images/simple.png"
        assert (app.outdir / "_images" / "simple.png").read_bytes().startswith(b"\x89PNG")
        app.cleanup()

"""The lecturer's habits, each on its own root, read as Slidey reads them, in both outputs."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from conftest import copy_root


def build_both(make_app, tmp_path: Path, root: str) -> tuple[BeautifulSoup, BeautifulSoup, str]:
    """Text and deck of ``index`` of ``test-<root>``, strict; and the text build's log."""
    srcdir = copy_root(tmp_path, root)
    pages = []
    log = ""
    for builder in ("html", "revealjs"):
        app = make_app(builder, srcdir=srcdir)
        app.build()
        assert app.warning.getvalue() == "", app.warning.getvalue()
        log += app.status.getvalue()
        pages.append(BeautifulSoup((app.outdir / "index.html").read_text(), "html.parser"))
        app.cleanup()
    return pages[0], pages[1], log


def deck_slides(deck: BeautifulSoup) -> list:
    return [outer.find("section") or outer for outer in deck.select("div.slides > section")]


def test_short_underlines(make_app, tmp_path):
    text, deck, log = build_both(make_app, tmp_path, "habit-short-underline")
    assert text.find("h1").get_text(strip=True).startswith("Chapitre 3 — Réseaux convolutifs")
    assert [h.get_text(strip=True).rstrip("#¶") for h in text.select("section h2, section h3")] == [
        "Les convolutions en pratique",
        "Le pas et le remplissage",
    ]
    (slide,) = deck_slides(deck)
    assert "Le pas fixe le déplacement du filtre." in slide.get_text()
    assert "3 short-underline" in log


def test_a_title_right_after_the_marker(make_app, tmp_path):
    text, deck, log = build_both(make_app, tmp_path, "habit-title-after-slide")
    titles = [h.get_text(strip=True).rstrip("#¶") for h in text.select("section h2")]
    assert titles == ["Première diapositive", "Deuxième diapositive"]
    slides = deck_slides(deck)
    assert [s.find(["h1", "h2"]).get_text(strip=True) for s in slides] == titles
    assert "dense" in slides[1]["class"]
    assert "2 title-after-slide" in log


def test_a_directive_right_after_a_paragraph(make_app, tmp_path):
    text, deck, log = build_both(make_app, tmp_path, "habit-directive-after-paragraph")
    note = text.select_one("div.admonition.note")
    assert "partagé par toutes les positions" in note.get_text()
    assert text.find("p", string="Voici une remarque importante :") is not None
    assert text.select_one("div.math") is not None
    assert deck.select_one("div.admonition.note") is not None
    # A spoiler glued to « **Astuce :** » hides its hint, whose list and math are read too.
    spoiler = text.select_one("details.coursekit-spoiler")
    assert [li.get_text(strip=True) for li in spoiler.select("li")] == [
        "calculez d’abord le produit,",
        "puis ajoutez le biais.",
    ]
    assert spoiler.select_one("span.math") is not None
    assert "discoverList" not in text.get_text() and ":math:" not in text.get_text()
    assert "Astuce" not in spoiler.get_text()
    assert len(deck.select("li.coursekit-discover-item.fragment")) == 2
    assert "4 markup-after-text" in log


def test_code_right_after_the_code_block_line(make_app, tmp_path):
    text, deck, log = build_both(make_app, tmp_path, "habit-code-after-directive")
    blocks = text.select("div.highlight-python pre")
    assert [b.get_text().strip() for b in blocks] == [
        'print("somme :", 2 + 3)',
        'print("jamais exécuté ici")',
    ]
    outputs = text.select("div.coursekit-output pre")
    assert [o.get_text().strip() for o in outputs] == ["somme : 5"]
    assert len(deck.select("pre")) == 2
    assert "2 code-after-directive" in log


def test_a_caption_right_after_the_options(make_app, tmp_path):
    text, deck, log = build_both(make_app, tmp_path, "habit-caption-after-options")
    figure = text.select_one("figure")
    assert figure.find("img")["alt"] == "un filtre rouge"
    assert figure.find("figcaption").get_text(strip=True).startswith("Un filtre de taille 4 × 4")
    assert deck.select_one("figure figcaption") is not None
    assert "1 caption-after-options" in log


def test_a_list_right_after_a_paragraph(make_app, tmp_path):
    text, deck, log = build_both(make_app, tmp_path, "habit-list-after-paragraph")
    assert [len(lst.find_all("li")) for lst in text.select("ul.simple, ol.simple")] == [3, 2]
    assert text.find("p", string="Un réseau convolutif empile :") is not None
    assert len(deck.select("li")) == 5
    assert "2 list-after-paragraph" in log


def test_what_the_reader_cannot_interpret_is_an_error_with_its_line(make_app, tmp_path):
    srcdir = tmp_path / "problem"
    srcdir.mkdir()
    (srcdir / "conf.py").write_text('extensions = ["coursekit"]\nlanguage = "fr"\n')
    (srcdir / "index.rst").write_text(
        "Chapitre 3\n==========\n\nUn titre étrange\n=-=-=-=\n\nLa suite.\n", encoding="utf-8"
    )
    app = make_app("html", srcdir=srcdir)
    app.build()
    errors = [line for line in app.warning.getvalue().splitlines() if "ERROR" in line]
    assert len(errors) == 1
    assert "index.rst:5: ERROR:" in errors[0] and "[coursekit.dialect]" in errors[0]

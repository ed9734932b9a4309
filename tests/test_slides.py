"""The ``slide`` marker on small test roots, in the deck and in other builders."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup


def deck_slides(app, docname: str) -> list[tuple[str | None, str]]:
    """(id, title) of each top-level slide of a built deck page."""
    soup = BeautifulSoup((app.outdir / f"{docname}.html").read_text(), "html.parser")
    slides = []
    for outer in soup.select("div.slides > section"):
        inner = outer.find("section") or outer
        heading = inner.find(["h1", "h2", "h3"])
        slides.append((inner.get("id"), heading.get_text(" ", strip=True) if heading else ""))
    return slides


@pytest.mark.sphinx("revealjs", testroot="slides")
def test_deck_cut_along_markers(app, warning):
    app.build()
    assert warning.getvalue() == ""

    assert deck_slides(app, "before_heading") == [
        ("slide-1", "Chapter title"),
        ("slide-2", "Second part"),
    ]
    # The heading "Intro" stays inside the first slide, as a sub-heading.
    soup = BeautifulSoup((app.outdir / "before_heading.html").read_text(), "html.parser")
    first = soup.select("div.slides > section")[0]
    assert "Intro" in first.get_text()
    assert first.find("h2", class_="rubric").get_text(strip=True) == "Intro"

    assert deck_slides(app, "mid_section") == [
        ("slide-1", "Section"),
        ("slide-2", "Section (suite)"),
    ]
    soup = BeautifulSoup((app.outdir / "mid_section.html").read_text(), "html.parser")
    second = soup.select("div.slides > section")[1].find("section")
    assert second.find("span", class_="continuation").get_text() == " (suite)"
    assert "Sub" in second.get_text()

    # One slide per marker, as in Slidey, even when a marker has nothing after it.
    assert deck_slides(app, "in_a_row") == [("slide-1", ""), ("slide-2", "Rows")]
    assert deck_slides(app, "last_line") == [("slide-1", "Last"), ("slide-2", "Last (suite)")]


@pytest.mark.sphinx("html", testroot="slides")
def test_html_keeps_an_anchor_linking_to_the_deck_and_no_marker(app, warning):
    app.build()
    assert warning.getvalue() == ""
    soup = BeautifulSoup((app.outdir / "mid_section.html").read_text(), "html.parser")
    anchors = soup.select("a.coursekit-slide-link")
    assert [a["id"] for a in anchors] == ["slide-1", "slide-2"]
    assert [a["href"] for a in anchors] == [
        "slides/mid_section.html#/slide-1",
        "slides/mid_section.html#/slide-2",
    ]
    assert [a.get_text() for a in anchors] == ["diapo 1 ▸", "diapo 2 ▸"]
    body = soup.find(attrs={"role": "main"}) or soup.body
    assert "slide::" not in body.get_text()
    # Headings keep their ordinary structure in the text.
    assert soup.find("h1").get_text(strip=True).startswith("Section")
    assert soup.find("h2").get_text(strip=True).startswith("Sub")


@pytest.mark.sphinx("text", testroot="slides")
def test_text_builder_leaves_no_trace(app, warning):
    app.build()
    assert warning.getvalue() == ""
    text = (app.outdir / "mid_section.txt").read_text()
    assert "slide::" not in text
    assert "slide-" not in text
    assert "First half of the section." in text
    assert "Second half, on a slide that starts mid-section." in text


@pytest.mark.sphinx("html", testroot="slide-errors")
def test_marker_with_a_bad_class_or_content_is_a_clear_error(app, warning):
    app.build()
    messages = [line for line in warning.getvalue().splitlines() if "ERROR" in line]
    assert len(messages) == 2
    assert all("index.rst:" in line for line in messages)
    # The argument is a list of CSS classes: "A title?" has one that is not a class name.
    assert "index.rst:4:" in messages[0]
    assert "not a class name: title?" in messages[0]
    assert "index.rst:8:" in messages[1]
    assert "takes no indented content" in messages[1]


@pytest.mark.sphinx("revealjs", testroot="slides")
def test_notes_are_reveal_notes_in_the_deck(app, warning):
    app.build()
    assert warning.getvalue() == ""
    soup = BeautifulSoup((app.outdir / "before_heading.html").read_text(), "html.parser")
    notes = soup.select("aside.notes")
    assert len(notes) == 1
    assert notes[0].get_text(strip=True) == "Ask who has trained a model before."
    assert notes[0].find_parent("section")["id"] == "slide-2"


@pytest.mark.sphinx("html", testroot="slides")
def test_notes_are_an_aside_in_the_text(app, warning):
    app.build()
    soup = BeautifulSoup((app.outdir / "before_heading.html").read_text(), "html.parser")
    (aside,) = soup.select("aside.coursekit-notes")
    assert aside.select_one("p.admonition-title").get_text() == "Notes de l’enseignant"
    assert "Ask who has trained a model before." in aside.get_text()


@pytest.mark.sphinx("text", testroot="slides")
def test_notes_are_left_out_of_plain_text(app, warning):
    app.build()
    assert "Ask who" not in (app.outdir / "before_heading.txt").read_text()

"""Slidey's directives (coursekit.slidey) on small test roots: text, deck, plain text."""

from __future__ import annotations

import re

import pytest
from bs4 import BeautifulSoup


def page(app, docname: str = "index") -> BeautifulSoup:
    return BeautifulSoup((app.outdir / f"{docname}.html").read_text("utf-8"), "html.parser")


def body(app, docname: str = "index"):
    """The page's content, without the theme's furniture."""
    return page(app, docname).select_one("div.body, article")


def deck(app, docname: str = "index"):
    """(slides, fragments) of a built deck page."""
    soup = page(app, docname)
    return soup.select("div.slides > section > section"), soup.select("div.slides .fragment")


# --- .. slide:: with classes, content before the first marker, pages without deck ----------


@pytest.mark.sphinx("html", testroot="slidey-slide")
def test_slide_classes_on_the_anchor_and_text_before_the_first_marker(app, warning):
    app.build()
    assert warning.getvalue() == ""
    main = body(app)
    anchors = main.select("a.coursekit-slide-link")
    assert [a["id"] for a in anchors] == ["slide-1", "slide-2"]
    assert anchors[0]["class"] == ["coursekit-slide-link", "sombre", "plein-ecran"]
    assert anchors[1]["class"] == ["coursekit-slide-link"]
    assert "Ce paragraphe précède le premier marqueur" in main.get_text()
    # A page without markers has no deck, and its text links none.
    other = page(app, "sans_diapo")
    assert other.select("a.coursekit-slide-link") == []
    assert not [a for a in other.select("a[href]") if "slides/" in a["href"]]
    # The page's furniture goes through the catalogue: French here.
    assert anchors[0].get_text() == "diapo 1 ▸"
    assert anchors[0]["title"] == "Ouvrir le diaporama à la diapositive 1"


@pytest.mark.sphinx("revealjs", testroot="slidey-slide")
def test_slide_classes_on_the_section_and_nothing_before_the_first_marker(app, warning):
    app.build()
    assert warning.getvalue() == ""
    slides, fragments = deck(app)
    assert [s["id"] for s in slides] == ["slide-1", "slide-2"]
    assert slides[0]["class"] == ["sombre", "plein-ecran"]
    assert not slides[1].get("class")
    assert fragments == []
    text = page(app).select_one("div.slides").get_text()
    assert "Ce paragraphe précède" not in text
    assert "Introduction au cours" not in text
    assert slides[0].find("h1").get_text(strip=True) == "Le perceptron"
    # No marker, no deck page.
    assert not (app.outdir / "sans_diapo.html").exists()


@pytest.mark.sphinx("html", testroot="slidey-nodeck")
def test_deck_link_to_a_page_without_deck_warns_and_stays_text(app, warning):
    app.build()
    messages = warning.getvalue().strip().splitlines()
    assert len(messages) == 1
    assert "index.rst" in messages[0] and "no deck for 'annexe'" in messages[0]
    main = body(app)
    links = {a.get_text(): a["href"] for a in main.select("a") if "slides/" in a["href"]}
    assert links == {"Le diaporama du chapitre": "slides/chapitre.html"}
    assert "Pas de diaporama" in main.get_text()


@pytest.mark.sphinx("revealjs", testroot="slidey-nodeck")
def test_deck_builder_writes_only_pages_with_markers(app, warning):
    app.build()
    assert (app.outdir / "chapitre.html").exists()
    assert not (app.outdir / "annexe.html").exists()
    assert not (app.outdir / "index.html").exists()
    # A page that lost its markers loses its stale deck page at the next build.
    (app.outdir / "annexe.html").write_text("stale")
    (app.srcdir / "annexe.rst").write_text((app.srcdir / "annexe.rst").read_text() + "\nEncore.\n")
    app.build()
    assert not (app.outdir / "annexe.html").exists()


# --- .. step:: -------------------------------------------------------------------------------


@pytest.mark.sphinx("html", testroot="slidey-step")
def test_steps_are_a_checklist_in_the_text(app, warning):
    app.build()
    assert warning.getvalue() == ""
    soup = page(app)
    steps = soup.select("div.coursekit-step")
    assert [s["id"] for s in steps] == [f"step-{n}" for n in range(1, 6)]
    counters = [s.select_one(".coursekit-step-counter").get_text() for s in steps]
    assert counters == ["1/3", "2/3", "3/3", "1/2", "2/2"]  # ".. step:: reset" starts group 2
    assert [s["data-coursekit-group"] for s in steps] == ["1", "1", "1", "2", "2"]
    for step in steps:
        assert step.select_one("label.coursekit-step-check input[type=checkbox]") is not None
        assert step.select_one("div.coursekit-step-body p") is not None
        assert "fragment" not in step["class"]
    assert "pip install torch" in steps[0].get_text(" ", strip=True).replace("  ", " ")
    scripts = [s.get("src", "") for s in soup.select("script")]
    assert any("_static/coursekit-slidey.js" in src for src in scripts)
    styles = [s.get("href", "") for s in soup.select("link[rel=stylesheet]")]
    assert any("_static/coursekit-slidey.css" in href for href in styles)
    assert (app.outdir / "_static" / "coursekit-slidey.js").exists()


@pytest.mark.sphinx("revealjs", testroot="slidey-step")
def test_steps_appear_one_at_a_time_in_the_deck(app, warning):
    app.build()
    assert warning.getvalue() == ""
    slides, fragments = deck(app)
    assert len(slides) == 2
    assert len(fragments) == 5
    assert all("coursekit-step" in f["class"] for f in fragments)
    assert [len(s.select(".fragment")) for s in slides] == [2, 3]
    assert page(app).select("input") == []
    soup = page(app)
    assert any("coursekit-slidey.css" in s.get("href", "") for s in soup.select("link"))
    assert any("coursekit-slidey.js" in s.get("src", "") for s in soup.select("script"))


# --- .. discover:: and .. discoverList:: -----------------------------------------------------


@pytest.mark.sphinx("html", testroot="slidey-discover")
def test_discover_shows_everything_in_the_text(app, warning):
    app.build()
    assert warning.getvalue() == ""
    blocks = body(app).select("div.coursekit-discover")
    assert len(blocks) == 2
    assert "reste linéaire" in blocks[0].get_text()
    assert body(app).select(".fragment") == []


@pytest.mark.sphinx("revealjs", testroot="slidey-discover")
def test_discover_blocks_are_fragments_in_the_deck(app, warning):
    app.build()
    assert warning.getvalue() == ""
    slides, fragments = deck(app)
    assert len(slides) == 1
    assert len(fragments) == 2
    assert all(f.name == "div" and "coursekit-discover" in f["class"] for f in fragments)


@pytest.mark.sphinx("html", testroot="slidey-discoverlist")
def test_discover_list_is_a_plain_list_in_the_text(app, warning):
    app.build()
    assert warning.getvalue() == ""
    (found,) = body(app).select("ul.coursekit-discover-list")
    assert len(found.select("li")) == 4
    assert body(app).select(".fragment") == []
    assert len(body(app).select("ul")) == 2


@pytest.mark.sphinx("revealjs", testroot="slidey-discoverlist")
def test_discover_list_items_are_fragments_in_the_deck(app, warning):
    app.build()
    assert warning.getvalue() == ""
    slides, fragments = deck(app)
    assert len(slides) == 1
    assert len(fragments) == 4
    assert all(f.name == "li" for f in fragments)
    assert fragments[0].get_text(strip=True) == "Propagation avant."
    ordinary = [ul for ul in slides[0].select("ul") if "coursekit-discover-list" not in ul["class"]]
    assert len(ordinary) == 1 and ordinary[0].select(".fragment") == []


# --- .. spoiler:: ----------------------------------------------------------------------------


@pytest.mark.sphinx("html", testroot="slidey-spoiler")
def test_spoiler_is_a_details_toggle_in_the_text(app, warning):
    app.build()
    assert warning.getvalue() == ""
    (details,) = body(app).select("details.coursekit-spoiler")
    assert details.find("summary").get_text() == "Afficher / masquer"
    assert "six poids et deux biais" in details.get_text()
    assert not details.has_attr("open")


@pytest.mark.sphinx("revealjs", testroot="slidey-spoiler")
def test_spoiler_is_a_fragment_in_the_deck(app, warning):
    app.build()
    assert warning.getvalue() == ""
    slides, fragments = deck(app)
    assert len(slides) == 1
    (fragment,) = fragments
    assert fragment.name == "div" and "coursekit-spoiler" in fragment["class"]
    assert "six poids" in fragment.get_text()
    assert page(app).select("details") == []


# --- .. textOnly:: and .. slideOnly:: --------------------------------------------------------


@pytest.mark.sphinx("html", testroot="slidey-only")
def test_text_only_in_the_text_slide_only_not(app, warning):
    app.build()
    assert warning.getvalue() == ""
    text = body(app).get_text()
    assert "Ce paragraphe est partout." in text
    assert "explication détaillée" in text
    assert "résumé" not in text
    assert body(app).select_one("div.coursekit-text-only") is not None


@pytest.mark.sphinx("revealjs", testroot="slidey-only")
def test_slide_only_in_the_deck_text_only_not(app, warning):
    app.build()
    assert warning.getvalue() == ""
    slides, fragments = deck(app)
    assert len(slides) == 1 and fragments == []
    text = slides[0].get_text()
    assert "Ce paragraphe est partout." in text
    assert "résumé" in text
    assert "explication détaillée" not in text
    assert slides[0].select_one("div.coursekit-slide-only") is not None


# --- .. center:: -----------------------------------------------------------------------------


@pytest.mark.sphinx("html", testroot="slidey-center")
def test_center_in_the_text(app, warning):
    app.build()
    assert warning.getvalue() == ""
    (block,) = body(app).select("div.coursekit-center")
    assert block.find("strong").get_text().endswith("minimiser une loss.")


@pytest.mark.sphinx("revealjs", testroot="slidey-center")
def test_center_in_the_deck(app, warning):
    app.build()
    assert warning.getvalue() == ""
    slides, fragments = deck(app)
    assert len(slides) == 1 and fragments == []
    assert slides[0].select_one("div.coursekit-center strong") is not None


# --- .. success:: ----------------------------------------------------------------------------


@pytest.mark.sphinx("html", testroot="slidey-success")
def test_success_is_an_admonition_titled_in_french(app, warning):
    app.build()
    assert warning.getvalue() == ""
    (box,) = body(app).select("div.admonition.success")
    assert box.select_one("p.admonition-title").get_text() == "Réussite"
    assert "la loss diminue" in box.get_text()
    assert body(app).select_one("div.admonition.note") is not None


@pytest.mark.sphinx("revealjs", testroot="slidey-success")
def test_success_in_the_deck(app, warning):
    app.build()
    assert warning.getvalue() == ""
    slides, fragments = deck(app)
    assert len(slides) == 1 and fragments == []
    (box,) = slides[0].select("div.admonition.success")
    assert box.select_one("p.admonition-title").get_text() == "Réussite"


# --- .. youtube:: ----------------------------------------------------------------------------


@pytest.mark.sphinx("html", testroot="slidey-youtube")
def test_youtube_is_a_link_card_in_the_text(app, warning):
    app.build()
    assert warning.getvalue() == ""
    cards = body(app).select("div.coursekit-youtube")
    assert len(cards) == 2
    links = [card.select_one("a.coursekit-youtube-card") for card in cards]
    assert [a["href"] for a in links] == ["https://www.youtube.com/watch?v=aircAruvnKk"] * 2
    titles = [card.select_one(".coursekit-youtube-title").get_text() for card in cards]
    assert titles == ["But what is a neural network?", "Vidéo YouTube"]
    assert page(app).select("iframe") == []
    assert all(not card.has_attr("data-coursekit-embed") for card in cards)


@pytest.mark.sphinx("revealjs", testroot="slidey-youtube")
def test_youtube_loads_nothing_before_the_click_in_the_deck(app, warning):
    app.build()
    assert warning.getvalue() == ""
    slides, fragments = deck(app)
    assert len(slides) == 2 and fragments == []
    soup = page(app)
    assert soup.select("iframe") == []
    assert not [tag for tag in soup.select("[src]") if "youtube" in tag["src"]]
    cards = soup.select("div.coursekit-youtube")
    assert [c["data-coursekit-embed"] for c in cards] == [
        "https://www.youtube-nocookie.com/embed/aircAruvnKk?autoplay=1"
    ] * 2


# --- .. poll:: -------------------------------------------------------------------------------


def check_polls(soup) -> None:
    polls = soup.select("fieldset.coursekit-poll")
    assert [p["data-coursekit-poll"] for p in polls] == ["index/poll-1", "index/poll-2"]
    first, second = polls
    assert first.find("legend").get_text(strip=True).startswith("Quelle fonction")
    radios = first.select("input[type=radio]")
    assert len(radios) == 3
    assert {r["name"] for r in radios} == {"coursekit-poll-1"}
    assert [r["value"] for r in radios] == ["1", "2", "3"]
    assert first.select("li label strong")[0].get_text() == "sigmoïde"
    assert second.find("legend") is None
    assert len(second.select("input[type=radio]")) == 2


@pytest.mark.sphinx("html", testroot="slidey-poll")
def test_poll_is_a_radio_question_in_the_text(app, warning):
    app.build()
    assert warning.getvalue() == ""
    check_polls(body(app))


@pytest.mark.sphinx("revealjs", testroot="slidey-poll")
def test_poll_is_the_same_question_in_the_deck(app, warning):
    app.build()
    assert warning.getvalue() == ""
    slides, fragments = deck(app)
    assert len(slides) == 2 and fragments == []
    check_polls(page(app))


# --- Errors ----------------------------------------------------------------------------------


@pytest.mark.sphinx("html", testroot="slidey-errors")
def test_misused_directives_are_clear_errors(app, warning):
    app.build()
    messages = [line for line in warning.getvalue().splitlines() if "ERROR" in line]
    expected = [
        (6, "takes no argument but 'reset'"),
        (10, "cannot find the video"),
        (12, "needs a bullet list of choices"),
        (18, "must stand at the top level"),
        (22, "needs an indented bullet or numbered list"),
    ]
    assert len(messages) == len(expected), messages
    # The nested marker is found once the page is read, after the parser's errors.
    messages.sort(key=lambda line: int(re.search(r"index\.rst:(\d+):", line).group(1)))
    for line, (number, text) in zip(messages, expected, strict=True):
        assert f"index.rst:{number}:" in line and text in line, line


# --- Plain text: every directive degrades to its content -------------------------------------

PLAIN = {
    "slidey-slide": ["Ce paragraphe précède le premier marqueur", "Un neurone"],
    "slidey-step": ["pip install torch", "Comparez avec la loss de validation."],
    "slidey-discover": ["reste linéaire", "toute fonction continue"],
    "slidey-discoverlist": ["Propagation avant.", "Mise à jour des poids."],
    "slidey-spoiler": ["six poids et deux biais"],
    "slidey-only": ["Ce paragraphe est partout.", "explication détaillée"],
    "slidey-center": ["minimiser une loss."],
    "slidey-success": ["Réussite", "la loss diminue"],
    "slidey-youtube": [
        "But what is a neural network? : https://www.youtube.com/watch?v=aircAruvnKk"
    ],
    "slidey-poll": ["Quelle fonction", "sigmoïde", "Non"],
}


@pytest.mark.parametrize(
    "root",
    [pytest.param(root, marks=pytest.mark.sphinx("text", testroot=root)) for root in PLAIN],
)
def test_plain_text_keeps_the_content(app, warning, root):
    app.build()
    assert warning.getvalue() == ""
    text = " ".join((app.outdir / "index.txt").read_text("utf-8").split())
    for expected in PLAIN[root]:
        assert expected in text
    if root == "slidey-only":
        assert "résumé" not in text

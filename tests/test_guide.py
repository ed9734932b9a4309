"""The lecturers' authoring guide (docs/guide_auteur.rst), in the real site.

The guide shows every directive of the Slidey dialect and every habit the
reader accepts, each as its source then live: these tests check that each
live example really produced its result, in the text and in the deck.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import DOCS

from coursekit.core.dialect import HABITS, read_dialect
from coursekit.sphinx.dialect import CODE_DIRECTIVES

PAGE = "guide_auteur"
SOURCE = DOCS / f"{PAGE}.rst"


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def text(site) -> BeautifulSoup:
    assert site["html"].returncode == 0, site["html"].stderr
    return soup_of(site["html"].outdir / f"{PAGE}.html")


@pytest.fixture(scope="module")
def deck(site) -> BeautifulSoup:
    assert site["revealjs"].returncode == 0, site["revealjs"].stderr
    return soup_of(site["html"].outdir / "slides" / f"{PAGE}.html")


@pytest.fixture(scope="module")
def samples(text) -> str:
    """Everything the guide shows as reST source (its ``code-block:: rst``)."""
    return "\n".join(block.get_text() for block in text.select("div.highlight-rst pre"))


def test_the_guide_is_built_in_both_outputs_without_warnings(site):
    for build in (site["html"], site["revealjs"]):
        assert build.returncode == 0, build.stderr
        assert PAGE not in build.stderr, build.stderr
    html = site["html"].outdir
    assert (html / f"{PAGE}.html").exists()
    assert (html / "slides" / f"{PAGE}.html").exists()


def test_the_home_page_links_the_guide_and_its_deck(site):
    home = soup_of(site["html"].outdir / "index.html")
    hrefs = {a["href"].split("#")[0] for a in home.select("article a[href]")}
    assert {f"{PAGE}.html", f"slides/{PAGE}.html"} <= hrefs
    assert home.select_one(f".sidebar-tree a[href='{PAGE}.html']") is not None


def test_the_guide_is_in_french_with_french_spacing(text):
    assert text.html["lang"] == "fr"
    title = text.select_one("article h1").get_text().rstrip("¶")
    assert title == "Guide de rédaction\u00a0: le dialecte Slidey"


def test_every_directive_and_option_is_shown_as_source(samples):
    shown = [
        ".. slide::",
        ".. slide:: guide-exemple",
        ".. step::",
        ".. step:: reset",
        ".. discover::",
        ".. discoverList::",
        ".. spoiler::",
        ".. textOnly::",
        ".. slideOnly::",
        ".. center::",
        ".. note::",
        ".. warning::",
        ".. important::",
        ".. tip::",
        ".. danger::",
        ".. success::",
        ".. youtube::",
        ".. poll::",
        ".. notes::",
        ".. math::",
        "$$",
        ".. code-block:: python",
        ":excerpt-of:",
        ":no-run:",
        ":timeout:",
        ":expect-error:",
        ".. full-program::",
    ]
    missing = [source for source in shown if source not in samples]
    assert missing == []


def test_steps_are_checklist_items_numbered_per_group(text, deck):
    steps = text.select("div.coursekit-step")
    counters = [s.select_one(".coursekit-step-counter").get_text() for s in steps]
    assert counters == ["1/2", "2/2", "1/2", "2/2"]  # `.. step:: reset` starts a group
    assert all(s.select_one("input[type=checkbox]") for s in steps)
    assert len(deck.select("div.coursekit-step.fragment")) == 4


def test_discover_blocks_and_lists_are_fragments_in_the_deck_only(text, deck):
    assert text.select("div.coursekit-discover")
    items = text.select("ul.coursekit-discover-list > li.coursekit-discover-item")
    assert len(items) == 3
    assert not text.select(".fragment")
    assert deck.select("div.coursekit-discover.fragment")
    assert len(deck.select("li.coursekit-discover-item.fragment")) == 3


def test_a_spoiler_is_folded_in_the_text_and_a_fragment_in_the_deck(text, deck):
    (spoiler,) = text.select("details.coursekit-spoiler")
    assert not spoiler.has_attr("open")
    assert "Huit" in spoiler.get_text()
    assert deck.select("div.coursekit-spoiler.fragment")


def test_text_only_and_slide_only_each_keep_to_their_output(text, deck):
    assert text.select("div.coursekit-text-only")
    assert not text.select(".coursekit-slide-only")
    assert "n’est que dans le diaporama" not in text.select_one("article").get_text()
    assert deck.select("div.coursekit-slide-only")
    assert not deck.select(".coursekit-text-only")


def test_centre_and_every_admonition(text, deck):
    assert text.select("div.coursekit-center")
    for kind in ("note", "warning", "important", "tip", "danger", "success"):
        assert text.select(f"div.admonition.{kind}"), kind
        assert deck.select(f"div.admonition.{kind}"), kind
    titles = [p.get_text() for p in text.select("div.admonition.success p.admonition-title")]
    assert "Réussite" in titles


def test_the_video_is_a_card_and_nothing_is_loaded_before_a_click(text, deck):
    for soup in (text, deck):
        (video,) = soup.select("div.coursekit-youtube")
        assert video["data-coursekit-video"] == "aircAruvnKk"
        assert video.select_one("a.coursekit-youtube-card")["href"].startswith("https://")
        assert soup.select("iframe") == []


def test_the_poll_is_a_question_and_radio_buttons(text, deck):
    for soup in (text, deck):
        (poll,) = soup.select("fieldset.coursekit-poll")
        assert poll.select_one("legend") is not None
        assert len(poll.select("input[type=radio]")) == 3


def test_speaker_notes_are_an_aside_in_the_text_and_hidden_notes_in_the_deck(text, deck):
    (aside,) = text.select("aside.coursekit-notes")
    assert aside.select_one("p.admonition-title").get_text() == "Notes de l’enseignant"
    assert len(deck.select("aside.notes")) == 1


def test_display_and_inline_math(text, deck):
    for soup in (text, deck):
        assert len(soup.select("div.math")) >= 2  # `.. math::` and the habit 9.7
        assert len(soup.select("span.math")) >= 3  # the sentence with `$$…$$`
    (live,) = [p for p in text.select("article p") if len(p.select("span.math")) == 3]
    assert "$$" not in live.get_text()


def test_python_blocks_run_and_rst_blocks_do_not(text):
    outputs = text.select("div.coursekit-output")
    printed = [o.get_text(" ", strip=True) for o in outputs]
    # 8.1, 8.3, 8.4, 8.6 (full program), 8.7 (isolated), 8.8 (shell, skeleton), 8.10, 9.4
    assert len(outputs) == 9
    for value in ("4", "499500", "ZeroDivisionError", "12.0", "False", "21"):
        assert any(value in out for out in printed), value
    # 8.7 runs alone: it does not see 8.1's x.
    assert outputs[4].select_one("div.coursekit-stdout pre").get_text() == "False\n"
    assert outputs[5].select_one("p.coursekit-shell-note code").get_text() == "!pip install tqdm"
    assert "coursekit-exercise" in outputs[6]["class"]
    for box in outputs:
        previous = box.find_previous_sibling()
        classes = previous.get("class", [])
        assert {"highlight-python", "highlight-ipython3", "coursekit-program"} & set(classes)
    # The no-run block is shown, without output.
    (no_run,) = [b for b in text.select("div.highlight-python") if "input(" in b.get_text()]
    following = no_run.find_next_sibling()
    assert "coursekit-output" not in following.get("class", [])


def test_excerpt_links_to_its_folded_full_program(text, deck):
    (link,) = text.select("p.coursekit-excerpt-link a")
    target = text.find(id=link["href"].lstrip("#"))
    assert target is not None and target.name == "details"
    assert not target.has_attr("open")
    assert deck.select("details.coursekit-program") == []
    assert deck.select("div.coursekit-output") == []


def test_the_deck_has_one_slide_per_marker(text, deck):
    source = SOURCE.read_text(encoding="utf-8")
    markers = len(re.findall(r"^\.\. slide::", source, flags=re.M))
    assert markers >= 30
    slides = deck.select("div.slides > section")
    assert len(slides) == markers
    ids = [s.find("section")["id"] for s in slides]
    assert ids == [f"slide-{n}" for n in range(1, markers + 1)]
    anchors = text.select("a.coursekit-slide-link")
    assert [a["id"] for a in anchors] == ids
    assert deck.select(".fragment")


def test_slide_classes_reach_the_anchor_and_the_deck_section(text, deck):
    assert text.select_one("a.coursekit-slide-link.guide-exemple") is not None
    assert deck.select_one("section.guide-exemple") is not None


def test_every_habit_is_used_live_and_has_its_section(text):
    reading = read_dialect(SOURCE.read_text(encoding="utf-8"), CODE_DIRECTIVES)
    assert reading.problems == []
    assert set(reading.habits) == set(HABITS)  # each live example uses its habit
    headings = [h.get_text() for h in text.select("article h3")]
    for habit in HABITS:
        assert any(f"({habit})" in h for h in headings), habit


def test_habit_examples_render_as_slidey_shows_them(text):
    article = text.select_one("article")
    # unclosed-strong: the asterisks stay, as in Slidey.
    assert "**ce texte devait être en gras." in article.get_text()
    # caption-after-options: the caption is a caption.
    caption = article.select_one("figure figcaption")
    assert caption is not None and "perceptron" in caption.get_text()
    # lazy-continuation: one item, two source lines.
    assert any("qui continue sur la ligne suivante" in li.get_text() for li in article.select("li"))


def test_the_check_your_page_section(text):
    section = text.find("section", id=re.compile("verifier-sa-page"))
    assert section is not None
    words = section.get_text()
    for command in ("make html", "make fix", "make slides-check"):
        assert command in words, command
    assert re.search(r"\.rst:7: ERROR", words)  # an error names file and line


def test_the_quoting_example_shows_the_values_of_the_block_above(text, deck):
    """8.10: « la moyenne vaut 13,25 sur 4 notes », in the text and in the deck."""
    for page in (text, deck):
        quoted = [span.get_text() for span in page.select("span.coursekit-quoted")]
        assert quoted == ["13,25", "4"], quoted

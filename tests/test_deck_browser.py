"""The decks in a real browser: fit, fonts, fragments, offline rendering, PDF handout, notes.

These tests need Chromium (``apt-get install -y chromium fonts-noto-color-emoji``,
which ``.ci/run`` does). Without it they are skipped, and say so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOTS, run_sphinx

from coursekit.config import SLIDE_HEIGHT, default
from coursekit.tools.browser import browser_page, chromium_path, shared_browser
from coursekit.tools.handout import page_count, print_deck
from coursekit.tools.slidecheck import run_check, wait_until_settled

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")

BODY_FLOOR = default("coursekit_body_font_floor")
CODE_FLOOR = default("coursekit_code_font_floor")


@pytest.fixture(scope="module", autouse=True)
def one_browser():
    """Every page of this module in one Chromium, each in a context of its own."""
    with shared_browser():
        yield


@pytest.fixture(scope="module")
def check(site, tmp_path_factory):
    out = tmp_path_factory.mktemp("slides-check")
    report = run_check(site["revealjs"].outdir, out)
    return report, out


def slides_in(deck: Path) -> int:
    """How many slides a deck page holds (the leaves of reveal's vertical stacks)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(deck.read_text("utf-8"), "html.parser")
    tops = soup.select(".slides > section")
    return sum(len(top.find_all("section", recursive=False)) or 1 for top in tops)


def test_every_slide_of_every_deck_is_measured(site, check):
    report, _ = check
    per_deck: dict[str, int] = {}
    for slide in report["slides"]:
        per_deck[slide["deck"]] = per_deck.get(slide["deck"], 0) + 1
    assert per_deck["chap2_perceptron"] == 44 and per_deck["TP_chap2"] == 8
    for deck, count in per_deck.items():
        assert count == slides_in(site["revealjs"].outdir / f"{deck}.html"), deck
    assert report["summary"]["slides"] == sum(per_deck.values())


def test_no_slide_has_content_out_of_reach(check):
    report, _ = check
    summary = report["summary"]
    assert summary["out_of_reach"] == 0, [
        (s["deck"], s["number"], s["out_of_reach_sample"])
        for s in report["slides"]
        if s["out_of_reach"]
    ]


def test_text_stays_above_the_floors(check):
    report, _ = check
    for slide in report["slides"]:
        where = (slide["deck"], slide["number"], slide["title"])
        # The checker read the floors from the deck page, where the extension
        # wrote the configured ones (the course keeps the defaults).
        assert (slide["body_floor"], slide["code_floor"]) == (BODY_FLOOR, CODE_FLOOR), where
        assert slide["slide_height"] == SLIDE_HEIGHT, where
        if slide["min_body_px"] is not None:
            assert slide["min_body_px"] >= BODY_FLOOR - 0.05, where
        if slide["min_code_px"] is not None:
            assert slide["min_code_px"] >= CODE_FLOOR - 0.05, where


def test_long_slides_are_fitted_not_cut(check):
    report, _ = check
    for slide in report["slides"]:
        if slide["content_height"] > slide["slide_height"] + 1:
            assert slide["fit"] == "scroll", slide
        if slide["fit"] in ("scaled", "code-scroll", "scroll"):
            assert slide["scale"] < 1 or slide["fit"] != "scaled"
    assert report["summary"]["scaled"] >= 1 and report["summary"]["scrolling"] >= 1


def test_deck_is_offline_and_renders_math_code_fonts_emoji(check):
    report, _ = check
    assert report["summary"]["non_file_requests"] == 0, report["summary"]["blocked_requests"]
    chapter = report["summary"]["rendering"]["chap2_perceptron"]
    assert chapter["math"] >= 40 and chapter["math_errors"] == 0
    assert chapter["code_blocks"] == 18  # 17 Python blocks and the pip command
    assert chapter["highlighted"] == chapter["code_blocks"]
    assert chapter["fonts_loaded"] >= 1 and chapter["fonts_failed"] == 0
    assert chapter["emoji_font"] is True


def test_a_png_per_slide_and_a_contact_sheet(check):
    _, out = check
    assert len(list((out / "chap2_perceptron").glob("slide-*.png"))) == 44
    assert len(list((out / "TP_chap2").glob("slide-*.png"))) == 8
    for deck in ("chap2_perceptron", "TP_chap2"):
        assert (out / f"{deck}-contact.png").stat().st_size > 50_000


def test_pdf_handout_has_one_page_per_slide_with_real_text(site, tmp_path):
    from pypdf import PdfReader

    deck = site["revealjs"].outdir / "chap2_perceptron.html"
    target = tmp_path / "chap2_perceptron.pdf"
    with browser_page() as (page, requests):
        print_deck(page, deck, target)
        assert requests.blocked == []
    assert page_count(target) == 44
    text = PdfReader(target).pages[26].extract_text()
    assert "5.5. Résoudre XOR avec un MLP" in text


def test_speaker_view_shows_the_notes_offline(tmp_path):
    out = tmp_path / "deck"
    done = run_sphinx(ROOTS / "test-slides", out, "revealjs")
    assert done.returncode == 0, done.stderr
    with browser_page() as (page, requests):
        page.goto((out / "before_heading.html").as_uri() + "#/slide-2")
        page.wait_for_function("() => Reveal.isReady()")
        note = page.locator("aside.notes")
        assert note.count() == 1 and not note.is_visible()  # not on the projected slide
        with page.expect_popup() as popup_info:
            page.keyboard.press("s")
        speaker = popup_info.value
        speaker.wait_for_function(
            "() => document.body.innerText.includes('Ask who has trained a model before.')"
        )
        assert requests.offsite == []  # the speaker view too


# --- Fragments ----------------------------------------------------------------

#: Items of the discoverList of test-slidey-discoverlist, each a fragment.
ITEMS = ["Propagation avant.", "Calcul de la loss.", "Rétropropagation.", "Mise à jour des poids."]
HIDDEN = (
    "() => [...document.querySelectorAll('.fragment')].map(f => !f.classList.contains('visible'))"
)


@pytest.mark.sphinx("revealjs", testroot="slidey-discoverlist")
def test_a_slide_with_fragments_is_measured_with_them_shown(app, tmp_path):
    app.build()
    report = run_check(app.outdir, tmp_path)
    (slide,) = report["slides"]
    assert slide["fragments"] == 4
    assert report["summary"]["fragments"] == 4 and report["summary"]["slides_with_fragments"] == 1
    assert slide["out_of_reach"] == 0 and slide["min_body_px"] >= BODY_FLOOR
    assert (tmp_path / "index" / "slide-01.png").exists()
    with browser_page() as (page, requests):
        page.goto((app.outdir / "index.html").as_uri())
        wait_until_settled(page)
        # The fitting showed the fragments while it measured, then hid exactly those again.
        assert page.evaluate(HIDDEN) == [True] * 4
        assert page.evaluate("() => document.querySelector('#slide-1').dataset.coursekitFit")
        # The shared measure shows them all, and leaves a fragment already shown as it was.
        page.keyboard.press("ArrowRight")
        shown = page.evaluate(
            "() => coursekitMeasure.withFragments(Reveal.getCurrentSlide(), "
            "s => s.querySelectorAll('.fragment:not(.visible)').length)"
        )
        assert shown == 0
        assert page.evaluate(HIDDEN) == [False, True, True, True]
        assert requests.blocked == []


@pytest.mark.sphinx("revealjs", testroot="slidey-discoverlist")
def test_arrow_and_space_reveal_the_next_fragment(app):
    app.build()
    with browser_page() as (page, _):
        page.goto((app.outdir / "index.html").as_uri())
        wait_until_settled(page)
        assert page.evaluate(HIDDEN) == [True, True, True, True]
        page.keyboard.press("ArrowRight")
        assert page.evaluate(HIDDEN) == [False, True, True, True]
        page.keyboard.press("Space")
        assert page.evaluate(HIDDEN) == [False, False, True, True]
        page.keyboard.press("ArrowLeft")
        assert page.evaluate(HIDDEN) == [False, True, True, True]
        assert page.locator(".fragment.visible").inner_text() == ITEMS[0]


def test_a_slide_fits_once_all_its_fragments_are_shown(tmp_path):
    """Fragments that take no room while hidden: the slide is fitted as they will all be."""
    src = tmp_path / "src"
    (src / "_static").mkdir(parents=True)
    (src / "conf.py").write_text(
        (ROOTS / "test-slidey-discoverlist" / "conf.py").read_text("utf-8")
        + 'revealjs_static_path = ["_static"]\nrevealjs_css_files = ["hide.css"]\n',
        "utf-8",
    )
    (src / "_static" / "hide.css").write_text(
        ".reveal .slides section .fragment:not(.visible) { display: none; }\n"
    )
    items = "\n".join(f"   - Étape numéro {n} de l'entraînement." for n in range(1, 21))
    (src / "index.rst").write_text(
        f".. slide::\n\nVingt étapes\n============\n\n.. discoverList::\n\n{items}\n", "utf-8"
    )
    done = run_sphinx(src, tmp_path / "out", "revealjs")
    assert done.returncode == 0, done.stderr
    report = run_check(tmp_path / "out", tmp_path / "check")
    (slide,) = report["slides"]
    assert slide["fragments"] == 20
    assert slide["fit"] != "none" and slide["out_of_reach"] == 0, slide
    assert slide["min_body_px"] >= BODY_FLOOR - 0.05, slide
    with browser_page() as (page, _):
        page.goto((tmp_path / "out" / "index.html").as_uri())
        wait_until_settled(page)
        assert page.evaluate(HIDDEN) == [True] * 20  # shown while fitting only


def test_pdf_handout_shows_every_fragment_on_one_page(tmp_path):
    from pypdf import PdfReader

    out = tmp_path / "deck"
    done = run_sphinx(ROOTS / "test-slidey-discoverlist", out, "revealjs")
    assert done.returncode == 0, done.stderr
    target = tmp_path / "index.pdf"
    with browser_page() as (page, requests):
        print_deck(page, out / "index.html", target)
        assert requests.blocked == []
    assert page_count(target) == 1
    text = PdfReader(target).pages[0].extract_text()
    assert all(item in text for item in ITEMS), text


@pytest.mark.sphinx("revealjs", testroot="slidey-discoverlist")
def test_speaker_view_follows_the_fragments(app):
    """The fitting's showing of fragments never leaks into the speaker view."""
    app.build()
    with browser_page() as (page, requests):
        page.goto((app.outdir / "index.html").as_uri())
        wait_until_settled(page)
        with page.expect_popup() as popup_info:
            page.keyboard.press("s")
        speaker = popup_info.value

        def view(marker):  # the current slide's frame, or the upcoming one's
            for _ in range(100):
                found = [f for f in speaker.frames if marker in f.url]
                if found:
                    return found[0]
                speaker.wait_for_timeout(100)
            raise AssertionError(f"no speaker frame {marker}: {[f.url for f in speaker.frames]}")

        def frames_show(current, upcoming):
            for marker, expected in (("postMessageEvents", current), ("controls=false", upcoming)):
                view(marker).wait_for_function(
                    f"() => window.Reveal && Reveal.isReady() && "
                    f"JSON.stringify(({HIDDEN})()) === '{expected}'"
                )

        frames_show("[true,true,true,true]", "[false,true,true,true]")
        page.keyboard.press("ArrowRight")
        frames_show("[false,true,true,true]", "[false,false,true,true]")
        assert requests.offsite == []  # the speaker view too


def test_pages_share_one_browser_but_not_their_storage(tmp_path):
    """Under shared_browser (this module's), each page has a context of its own:
    what one page stores is not seen by the next. The page's requests that
    would leave the machine are refused; its popup's are seen."""
    page_file = tmp_path / "page.html"
    page_file.write_text("<p>page</p>", encoding="utf-8")
    with browser_page() as (first, _):
        first.goto(page_file.as_uri())
        first.evaluate("() => localStorage.setItem('kept', 'yes')")
        assert first.evaluate("() => localStorage.getItem('kept')") == "yes"
        with browser_page() as (second, requests):
            assert second.context is not first.context
            assert second.context.browser is first.context.browser
            second.goto(page_file.as_uri())
            assert second.evaluate("() => localStorage.getItem('kept')") is None
            away = "http://127.0.0.1:9/away.png"  # refused at once: nothing listens there
            second.evaluate("(url) => fetch(url).catch(() => null)", away)
            assert requests.blocked == [away]
            with second.expect_popup() as popup_info:
                second.evaluate("(url) => window.open(url + '?popup')", away)
            popup_info.value.wait_for_load_state()
            assert requests.blocked == [away]  # the page's own only
            assert requests.offsite == [away, away + "?popup"]

"""The decks in a real browser: fit, fonts, offline rendering, PDF handout, notes.

These tests need Chromium (``apt-get install -y chromium fonts-noto-color-emoji``,
which ``.ci/run`` does). Without it they are skipped, and say so.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from coursekit.tools.browser import browser_page, chromium_path
from coursekit.tools.handout import page_count, print_deck
from coursekit.tools.slidecheck import BODY_FLOOR, CODE_FLOOR, run_check

pytestmark = pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")

ROOTS = Path(__file__).parent / "roots"


@pytest.fixture(scope="module")
def check(site, tmp_path_factory):
    out = tmp_path_factory.mktemp("slides-check")
    report = run_check(site["revealjs"].outdir, out)
    return report, out


def test_no_slide_has_content_out_of_reach(check):
    report, _ = check
    summary = report["summary"]
    assert summary["slides"] == 44 + 6  # chapter 2 and the TP
    assert summary["out_of_reach"] == 0, [
        (s["deck"], s["number"], s["out_of_reach_sample"])
        for s in report["slides"]
        if s["out_of_reach"]
    ]


def test_text_stays_above_the_floors(check):
    report, _ = check
    for slide in report["slides"]:
        where = (slide["deck"], slide["number"], slide["title"])
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
    assert len(list((out / "TP_chap2").glob("slide-*.png"))) == 6
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
    cmd = [sys.executable, "-m", "sphinx", "-q", "-W", "-b", "revealjs"]
    done = subprocess.run(
        [*cmd, str(ROOTS / "test-slides"), str(out)], capture_output=True, text=True
    )
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
        assert requests.blocked == []

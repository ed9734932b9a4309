"""``make slides-check``: open every slide of every deck and measure it.

Each deck is opened in headless Chromium with the network blocked, the
window the size of a slide (:data:`coursekit.config.SLIDE_WIDTH` x
:data:`~coursekit.config.SLIDE_HEIGHT`). Each slide is shown with all its
fragments (as after the last press of →) and measured by the deck's own
``coursekit-measure.js`` (``window.coursekitMeasure``), the script the deck
fits its slides with: the content's height against the slide's, what the
fitting did (nothing, scaled, scroll), the smallest body and code font sizes
in use (px at the slide's own size, as the floors are), how many elements
lie outside the slide where no visible scroll area reaches them, and how
many fragments it has. The slide's size and the font floors are read from
the deck page (``Reveal.getConfig()``), where the extension wrote them.

A PNG of each slide and a contact sheet of each deck are written, and a
report (text and JSON). Exit status 1 when any slide has content out of
reach, text under the floors, or any request left the machine.

Usage: python -m coursekit.tools.slidecheck [DECK_DIR [OUT_DIR]]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from coursekit.config import BUILD_DIR, DECK_DIR, SLIDE_HEIGHT, SLIDE_WIDTH, SLIDES_CHECK_DIR
from coursekit.tools import HTML_OUTPUT
from coursekit.tools.browser import browser_page

#: Runs in the page once: do math, highlighting, fonts and emoji render?
RENDERING = r"""
async () => {
  await document.fonts.ready;
  const faces = [...document.fonts].map(f => f.status);
  return {
    math: document.querySelectorAll('mjx-container svg').length,
    math_errors: document.querySelectorAll('mjx-merror').length,
    highlighted: document.querySelectorAll('pre code.hljs').length,
    code_blocks: document.querySelectorAll('pre code').length,
    fonts_loaded: faces.filter(s => s === 'loaded').length,
    fonts_failed: faces.filter(s => s === 'error').length,
    emoji_font: document.fonts.check('16px "Noto Color Emoji"'),
  };
}
"""

#: Runs in the page: show every fragment of the current slide, as → would.
SHOW_ALL_FRAGMENTS = """
() => {
  for (let i = 0; i < 10000 && Reveal.availableFragments().next; i++) Reveal.nextFragment();
}
"""


@dataclass
class SlideReport:
    deck: str
    number: int
    id: str
    title: str
    content_height: int
    slide_height: int
    fit: str
    scale: float
    min_body_px: float | None
    min_code_px: float | None
    out_of_reach: int
    out_of_reach_sample: list[str]
    fragments: int
    body_floor: float
    code_floor: float

    def problems(self) -> list[str]:
        found = []
        if self.out_of_reach:
            found.append(f"{self.out_of_reach} elements out of reach {self.out_of_reach_sample}")
        if self.min_body_px is not None and self.min_body_px < self.body_floor - 0.05:
            found.append(f"body text {self.min_body_px} px < {self.body_floor}")
        if self.min_code_px is not None and self.min_code_px < self.code_floor - 0.05:
            found.append(f"code {self.min_code_px} px < {self.code_floor}")
        return found


class NotADeckError(RuntimeError):
    """The page has no coursekit deck scripts (built without coursekit, or too old)."""


def decks_in(folder: Path) -> list[Path]:
    """The deck pages cut along slide markers (pages without markers are not decks)."""
    return sorted(p for p in folder.glob("**/*.html") if 'id="slide-1"' in p.read_text("utf-8"))


def wait_until_settled(page) -> None:
    """Wait for MathJax, fonts and the end of any transition."""
    page.wait_for_function(
        "() => window.Reveal && Reveal.isReady() && "
        "(!window.MathJax || !MathJax.startup || MathJax.startup.promise)"
    )
    page.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    page.evaluate("async () => { await document.fonts.ready; }")
    page.wait_for_function(
        "() => !document.querySelector('.reveal .slides section.present.animating')"
    )
    page.wait_for_timeout(60)


def deck_facts(page) -> dict:
    """The slide's size and the floors, as the loaded deck page states them."""
    if not page.evaluate("() => !!window.coursekitMeasure"):
        raise NotADeckError(
            f"{page.url}: no coursekit-measure.js in the page; rebuild the deck with coursekit"
        )
    facts = page.evaluate("() => coursekitMeasure.facts()")
    missing = [name for name, value in facts.items() if value is None]
    if missing:
        raise NotADeckError(f"{page.url}: Reveal.getConfig() lacks {missing}; rebuild the deck")
    return facts


def check_deck(page, deck: Path, out: Path) -> tuple[list[SlideReport], dict]:
    """Measure every slide of one deck, writing one PNG per slide into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    page.goto(deck.resolve().as_uri())
    wait_until_settled(page)
    facts = deck_facts(page)
    rendering = page.evaluate(RENDERING)
    total = page.evaluate("() => Reveal.getTotalSlides()")
    reports = []
    for index in range(total):
        page.evaluate(f"() => Reveal.slide({index}, 0)")
        page.evaluate(SHOW_ALL_FRAGMENTS)
        wait_until_settled(page)
        data = page.evaluate("() => coursekitMeasure.measure()")
        page.screenshot(path=str(out / f"slide-{index + 1:02d}.png"))
        reports.append(
            SlideReport(
                deck=deck.stem,
                number=index + 1,
                body_floor=facts["bodyFloor"],
                code_floor=facts["codeFloor"],
                **data,
            )
        )
    return reports, rendering


def contact_sheet(folder: Path, target: Path, columns: int = 6) -> None:
    """All slide PNGs of a folder on one image, in order."""
    from PIL import Image, ImageDraw

    shots = sorted(folder.glob("slide-*.png"))
    thumb_w, thumb_h, pad = SLIDE_WIDTH // 4, SLIDE_HEIGHT // 4, 8
    rows = (len(shots) + columns - 1) // columns
    sheet = Image.new(
        "RGB", (columns * (thumb_w + pad) + pad, rows * (thumb_h + pad) + pad), "#888"
    )
    draw = ImageDraw.Draw(sheet)
    for index, shot in enumerate(shots):
        with Image.open(shot) as image:
            image.thumbnail((thumb_w, thumb_h))
            x = pad + (index % columns) * (thumb_w + pad)
            y = pad + (index // columns) * (thumb_h + pad)
            sheet.paste(image, (x, y))
            draw.text((x + 4, y + 2), str(index + 1), fill="#c00")
    sheet.save(target)


def format_table(reports: list[SlideReport]) -> str:
    lines = [
        f"{'deck':<18} {'#':>3} {'height':>7} {'fit':<11} {'scale':>5} "
        f"{'body':>5} {'code':>5} {'out':>4} {'frag':>4}  title"
    ]
    for r in reports:
        lines.append(
            f"{r.deck:<18} {r.number:>3} {r.content_height:>7} {r.fit:<11} {r.scale:>5.2f} "
            f"{r.min_body_px if r.min_body_px is not None else '-':>5} "
            f"{r.min_code_px if r.min_code_px is not None else '-':>5} {r.out_of_reach:>4} "
            f"{r.fragments:>4}  {r.title[:60]}"
        )
    return "\n".join(lines)


def run_check(deck_dir: Path, out_dir: Path) -> dict:
    """Check every deck of ``deck_dir``; write PNGs, contact sheets and reports to ``out_dir``."""
    deck_dir, out_dir = Path(deck_dir), Path(out_dir)
    decks = decks_in(deck_dir)
    if not decks:
        raise FileNotFoundError(f"no deck found in {deck_dir}: run `make html` first")
    all_reports: list[SlideReport] = []
    rendering = {}
    with browser_page(SLIDE_WIDTH, SLIDE_HEIGHT) as (page, requests):
        for deck in decks:
            reports, rendering[deck.stem] = check_deck(page, deck, out_dir / deck.stem)
            contact_sheet(out_dir / deck.stem, out_dir / f"{deck.stem}-contact.png")
            all_reports.extend(reports)
        blocked = list(requests.blocked)
    summary = {
        "slides": len(all_reports),
        "scaled": sum(r.fit == "scaled" for r in all_reports),
        "scrolling": sum(r.fit in ("scroll", "code-scroll") for r in all_reports),
        "code_scrolling": sum(r.fit == "code-scroll" for r in all_reports),
        "out_of_reach": sum(r.out_of_reach for r in all_reports),
        "fragments": sum(r.fragments for r in all_reports),
        "slides_with_fragments": sum(bool(r.fragments) for r in all_reports),
        "slides_with_problems": sum(bool(r.problems()) for r in all_reports),
        "non_file_requests": len(blocked),
        "blocked_requests": blocked,
        "rendering": rendering,
    }
    report = {"summary": summary, "slides": [asdict(r) for r in all_reports]}
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    (out_dir / "report.txt").write_text(format_table(all_reports) + "\n")
    return report


def main(argv: list[str] | None = None) -> int:
    """Run the check; return its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.tools.slidecheck",
        description="Measure every slide of every deck in headless Chromium.",
    )
    parser.add_argument(
        "deck_dir",
        nargs="?",
        type=Path,
        default=HTML_OUTPUT / DECK_DIR,
        help="folder of the decks (default: %(default)s)",
    )
    parser.add_argument(
        "out_dir",
        nargs="?",
        type=Path,
        default=Path(BUILD_DIR) / SLIDES_CHECK_DIR,
        help="where PNGs and reports go (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        report = run_check(args.deck_dir, args.out_dir)
    except (FileNotFoundError, NotADeckError) as error:
        print(error, file=sys.stderr)
        return 1
    slides = [SlideReport(**s) for s in report["slides"]]
    print(format_table(slides))
    summary = report["summary"]
    print(
        f"\n{summary['slides']} slides: {summary['scaled']} scaled, "
        f"{summary['scrolling']} scrolling ({summary['code_scrolling']} in a code box only), "
        f"{summary['out_of_reach']} elements out of reach, "
        f"{summary['fragments']} fragments on {summary['slides_with_fragments']} slides "
        f"(measured shown), {summary['non_file_requests']} non-file requests. "
        f"PNGs and contact sheets in {args.out_dir}/"
    )
    bad = [(s, s.problems()) for s in slides if s.problems()]
    for slide, problems in bad:
        print(f"{slide.deck} slide {slide.number} ({slide.title[:40]}): {'; '.join(problems)}")
    return 1 if bad or summary["non_file_requests"] else 0


if __name__ == "__main__":
    sys.exit(main())

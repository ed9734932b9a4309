"""``make slides-check``: open every slide of every deck and measure it.

For each slide, at 1280x720 in headless Chromium with the network blocked:
the content's height against the slide's, what the fitting script did
(nothing, scaled, scroll), the smallest body and code font sizes in use, and
how many elements lie outside the slide where no visible scroll area reaches
them. A PNG of each slide and a contact sheet of each deck are written, and
a report (text and JSON). Exit status 1 when any slide has content out of
reach, text under the floors, or any request left the machine.

Usage: python -m coursekit.tools.slidecheck DECK_DIR [OUT_DIR]
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from coursekit.tools.browser import browser_page

BODY_FLOOR = 20
CODE_FLOOR = 16
WIDTH, HEIGHT = 1280, 720

#: Runs in the page: measure the current slide. Text inside MathJax, speaker
#: notes and the deck's own chrome (the link to the text) is not body text.
MEASURE = r"""
() => {
  const scale = Reveal.getScale();
  const slide = Reveal.getCurrentSlide();
  const box = document.querySelector('.reveal .slides').getBoundingClientRect();
  const frame = {left: box.left, top: box.top, right: box.left + 1280 * scale,
                 bottom: box.top + 720 * scale};
  const title = (slide.querySelector('h1, h2') || {}).textContent || '';
  // Content folded away in a closed <details> is not shown, so not measured.
  const folded = el => { const d = el.closest('details:not([open])');
                         return d && !el.closest('summary'); };
  let body = Infinity, code = Infinity, outOfReach = [];
  const walker = document.createTreeWalker(slide, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode;
    if (!node.textContent.trim()) continue;
    const el = node.parentElement;
    if (!el || seen.has(el) || el.closest('aside.notes') || folded(el)) continue;
    seen.add(el);
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 && rect.height === 0) continue;
    if (!el.closest('mjx-container, .coursekit-chrome')) {
      const size = parseFloat(getComputedStyle(el).fontSize) * scale;
      if (el.closest('pre, code')) code = Math.min(code, size); else body = Math.min(body, size);
    }
  }
  const items = slide.querySelectorAll('*');
  for (const el of items) {
    if (el.closest('aside.notes') || folded(el)) continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    const outside = rect.bottom > frame.bottom + 1 || rect.right > frame.right + 1 ||
                    rect.top < frame.top - 1 || rect.left < frame.left - 1;
    if (!outside) continue;
    // Reachable when a scroll area of the slide that is itself on the slide
    // holds it (scroll areas nested in it are reached by scrolling it first).
    let reachable = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (/(auto|scroll)/.test(style.overflowY + style.overflowX)) {
        const r = up.getBoundingClientRect();
        if (r.bottom <= frame.bottom + 1 && r.top >= frame.top - 1 &&
            r.right <= frame.right + 1 && r.left >= frame.left - 1) { reachable = true; break; }
      }
      if (up === slide) break;
    }
    const name = el.tagName.toLowerCase() + (el.className ? '.' + el.className : '');
    if (!reachable) outOfReach.push(name);
  }
  return {
    id: slide.id, title: title.trim(),
    content_height: Math.round(slide.scrollHeight), slide_height: 720,
    fit: slide.dataset.coursekitFit || 'none',
    scale: parseFloat(slide.dataset.coursekitScale || '1'),
    min_body_px: body === Infinity ? null : Math.round(body * 10) / 10,
    min_code_px: code === Infinity ? null : Math.round(code * 10) / 10,
    out_of_reach: outOfReach.length, out_of_reach_sample: outOfReach.slice(0, 5),
  };
}
"""

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

    def problems(self) -> list[str]:
        found = []
        if self.out_of_reach:
            found.append(f"{self.out_of_reach} elements out of reach {self.out_of_reach_sample}")
        if self.min_body_px is not None and self.min_body_px < BODY_FLOOR - 0.05:
            found.append(f"body text {self.min_body_px} px < {BODY_FLOOR}")
        if self.min_code_px is not None and self.min_code_px < CODE_FLOOR - 0.05:
            found.append(f"code {self.min_code_px} px < {CODE_FLOOR}")
        return found


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


def check_deck(page, deck: Path, out: Path) -> tuple[list[SlideReport], dict]:
    """Measure every slide of one deck, writing one PNG per slide into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    page.goto(deck.resolve().as_uri())
    wait_until_settled(page)
    rendering = page.evaluate(RENDERING)
    total = page.evaluate("() => Reveal.getTotalSlides()")
    reports = []
    for index in range(total):
        page.evaluate(f"() => Reveal.slide({index}, 0)")
        wait_until_settled(page)
        data = page.evaluate(MEASURE)
        page.screenshot(path=str(out / f"slide-{index + 1:02d}.png"))
        reports.append(SlideReport(deck=deck.stem, number=index + 1, **data))
    return reports, rendering


def contact_sheet(folder: Path, target: Path, columns: int = 6) -> None:
    """All slide PNGs of a folder on one image, in order."""
    from PIL import Image, ImageDraw

    shots = sorted(folder.glob("slide-*.png"))
    thumb_w, thumb_h, pad = 320, 180, 8
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
        f"{'body':>5} {'code':>5} {'out':>4}  title"
    ]
    for r in reports:
        lines.append(
            f"{r.deck:<18} {r.number:>3} {r.content_height:>7} {r.fit:<11} {r.scale:>5.2f} "
            f"{r.min_body_px if r.min_body_px is not None else '-':>5} "
            f"{r.min_code_px if r.min_code_px is not None else '-':>5} {r.out_of_reach:>4}  "
            f"{r.title[:60]}"
        )
    return "\n".join(lines)


def run_check(deck_dir: Path, out_dir: Path) -> dict:
    """Check every deck of ``deck_dir``; write PNGs, contact sheets and reports to ``out_dir``."""
    decks = decks_in(deck_dir)
    if not decks:
        raise SystemExit(f"no deck found in {deck_dir}: run `make html` first")
    all_reports: list[SlideReport] = []
    rendering = {}
    with browser_page(WIDTH, HEIGHT) as (page, requests):
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
        "slides_with_problems": sum(bool(r.problems()) for r in all_reports),
        "non_file_requests": len(blocked),
        "blocked_requests": blocked,
        "rendering": rendering,
    }
    report = {"summary": summary, "slides": [asdict(r) for r in all_reports]}
    (out_dir / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))
    (out_dir / "report.txt").write_text(format_table(all_reports) + "\n")
    return report


def main(argv: list[str]) -> int:
    deck_dir = Path(argv[0]) if argv else Path("_build/html/slides")
    out_dir = Path(argv[1]) if len(argv) > 1 else Path("_build/slides-check")
    report = run_check(deck_dir, out_dir)
    slides = [SlideReport(**s) for s in report["slides"]]
    print(format_table(slides))
    summary = report["summary"]
    print(
        f"\n{summary['slides']} slides: {summary['scaled']} scaled, "
        f"{summary['scrolling']} scrolling ({summary['code_scrolling']} in a code box only), "
        f"{summary['out_of_reach']} elements out of reach, "
        f"{summary['non_file_requests']} non-file requests. PNGs and contact sheets in {out_dir}/"
    )
    bad = [(s, s.problems()) for s in slides if s.problems()]
    for slide, problems in bad:
        print(f"{slide.deck} slide {slide.number} ({slide.title[:40]}): {'; '.join(problems)}")
    return 1 if bad or summary["non_file_requests"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``make slides-pdf``: a PDF handout of every deck, one page per slide.

reveal.js lays the deck out for printing (``?print-pdf``); headless Chromium
prints it, so the PDF's text is real text, selectable and searchable.

Usage: python -m coursekit.tools.handout DECK_DIR OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from coursekit.tools.browser import browser_page
from coursekit.tools.slidecheck import decks_in, wait_until_settled


def print_deck(page, deck: Path, target: Path) -> None:
    """Print one deck to ``target``."""
    page.goto(deck.resolve().as_uri() + "?print-pdf")
    wait_until_settled(page)
    page.wait_for_function("() => document.querySelector('.reveal .pdf-page')")
    page.pdf(path=str(target), prefer_css_page_size=True, print_background=True)


def page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def main(argv: list[str]) -> int:
    deck_dir = Path(argv[0]) if argv else Path("_build/html/slides")
    out_dir = Path(argv[1]) if len(argv) > 1 else Path("_build/pdf")
    out_dir.mkdir(parents=True, exist_ok=True)
    decks = decks_in(deck_dir)
    if not decks:
        print(f"no deck found in {deck_dir}: run `make html` first", file=sys.stderr)
        return 1
    with browser_page() as (page, requests):
        for deck in decks:
            target = out_dir / f"{deck.stem}.pdf"
            print_deck(page, deck, target)
            print(f"{target}: {page_count(target)} pages")
        if requests.blocked:
            print(f"{len(requests.blocked)} requests left the machine: {requests.blocked}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

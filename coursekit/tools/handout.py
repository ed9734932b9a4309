"""``make slides-pdf``: a PDF handout of every deck, one page per slide.

reveal.js lays the deck out for printing (``?print-pdf``), each slide once
with all its fragments shown (the deck's config says ``pdfSeparateFragments:
false``); headless Chromium prints it, so the PDF's text is real text,
selectable and searchable.

The decks are read from ``HTML_DIR/<DECK_DIR>`` and the handouts written to
``HTML_DIR/<HANDOUT_DIR>``, the folders of :mod:`coursekit.config` (where the
text's ``:handout:`` links look for them).

Usage: python -m coursekit.tools.handout [HTML_DIR] [--decks DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from coursekit.config import DECK_DIR, HANDOUT_DIR
from coursekit.tools import HTML_OUTPUT
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


def main(argv: list[str] | None = None) -> int:
    """Print every deck; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.tools.handout",
        description="A PDF handout of every deck, one page per slide.",
    )
    parser.add_argument(
        "html_dir",
        nargs="?",
        type=Path,
        default=HTML_OUTPUT,
        help="the HTML output (default: %(default)s)",
    )
    parser.add_argument("--decks", type=Path, help=f"the decks (default: HTML_DIR/{DECK_DIR})")
    parser.add_argument("--out", type=Path, help=f"the PDFs (default: HTML_DIR/{HANDOUT_DIR})")
    args = parser.parse_args(argv)
    deck_dir = args.decks or args.html_dir / DECK_DIR
    out_dir = args.out or args.html_dir / HANDOUT_DIR
    decks = decks_in(deck_dir)
    if not decks:
        print(f"no deck found in {deck_dir}: run `make html` first", file=sys.stderr)
        return 1
    out_dir.mkdir(parents=True, exist_ok=True)
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
    sys.exit(main())

"""Where a page's deck is seen from its text, and its text from its deck."""

from __future__ import annotations

import posixpath


def deck_url(docname: str, deck_dir: str, from_docname: str) -> str:
    """URL of ``docname``'s deck, relative to the text page ``from_docname``."""
    return posixpath.relpath(f"{deck_dir}/{docname}.html", posixpath.dirname(from_docname) or ".")


def text_url(docname: str, deck_dir: str) -> str:
    """URL of ``docname``'s text page, relative to its deck page."""
    deck_folder = posixpath.dirname(f"{deck_dir}/{docname}")
    return posixpath.relpath(f"{docname}.html", deck_folder)

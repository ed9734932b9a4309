"""The deck as a whole: what the reveal.js builders need beyond the slide cut."""

from __future__ import annotations

from typing import TYPE_CHECKING

from coursekit.slides import DECK_BUILDERS

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

#: Notebook outputs the deck shows, best first (myst-nb knows no deck builder).
DECK_MIME_PRIORITY = (
    "text/html",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/markdown",
    "text/latex",
    "text/plain",
)


def notebook_outputs_in_deck(app: Sphinx, config: Config) -> None:
    """Tell myst-nb which output of a notebook cell the deck builders render."""
    if "nb_mime_priority_overrides" not in config:
        return
    overrides = list(config.nb_mime_priority_overrides)
    for builder in DECK_BUILDERS:
        for rank, mime in enumerate(DECK_MIME_PRIORITY):
            overrides.append((builder, mime, (rank + 1) * 10))
    config.nb_mime_priority_overrides = overrides


def setup_deck(app: Sphinx) -> None:
    """Register the deck-wide settings."""
    app.connect("config-inited", notebook_outputs_in_deck, priority=400)

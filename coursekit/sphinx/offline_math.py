"""Math that renders with the network off, in the text and in the deck.

MathJax 3 comes from a package on PyPI (``sphinx-mathjax-offline``, which
ships MathJax's own distribution files). We copy the SVG renderer, which
needs no web font and so also works from ``file://``, plus the TeX
extensions MathJax loads on demand, into each output's ``_static``.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.util import logging
from sphinx.util.fileutil import copy_asset

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

logger = logging.getLogger(__name__)

#: Where MathJax goes under ``_static``, and the one script pages load.
STATIC_DIR = "mathjax"
ENTRY = "tex-svg.js"
#: What ENTRY may load at run time (TeX extensions, accessibility, menu).
SUBDIRS = ("input/tex/extensions", "a11y", "ui", "adaptors")


def mathjax_source() -> Path | None:
    """The MathJax distribution folder shipped by ``sphinx-mathjax-offline``, if installed."""
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "static" / "mathjax"


def point_mathjax_here(app: Sphinx, config: Config) -> None:
    """Make ``sphinx.ext.mathjax`` load the local copy instead of a CDN."""
    config.mathjax_path = f"{STATIC_DIR}/{ENTRY}"


def copy_mathjax(app: Sphinx, env: object = None) -> None:
    """``env-updated``: copy MathJax into ``_static`` of every HTML-like output.

    Before the pages are written: Sphinx adds ``?v=<checksum>`` to a script's
    link only when the file is already there, so copying it after the pages
    (``build-finished``) made a cold build and the next one link it differently.
    """
    if app.builder.format != "html":
        return
    source = mathjax_source()
    if source is None:
        logger.error(
            "MathJax files not found: install the project's dependencies (the package "
            "'sphinx-mathjax-offline' ships them); formulas will not show.",
            location=str(Path(app.confdir) / "conf.py"),
            type="coursekit",
            subtype="math",
        )
        return
    target = Path(app.outdir) / "_static" / STATIC_DIR
    target.mkdir(parents=True, exist_ok=True)
    copy_asset(source / ENTRY, target)
    for sub in SUBDIRS:
        copy_asset(source / sub, target / sub)


def setup_offline_math(app: Sphinx) -> None:
    """Use MathJax from the local copy in every HTML-like builder."""
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("config-inited", point_mathjax_here)
    app.connect("env-updated", copy_mathjax)

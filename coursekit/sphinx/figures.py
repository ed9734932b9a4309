"""Figures drawn at build time: an image a page shows, drawn by the script beside it.

When a page is read (``doctree-read``, before Sphinx's image collector looks
for the files), each image it shows from ``coursekit_figures_dir`` whose
``NAME.py`` sits beside ``NAME.png`` is drawn again if it is missing or
stale (:mod:`coursekit.run.figures`). Only such scripts are figure scripts:
other scripts in the folder (helpers, data makers) are left alone. A script
that fails is one error naming the script and the page's image line; the
build goes on reading the other pages.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util import logging

from coursekit.run.figures import draw_if_stale, is_stale
from coursekit.sphinx.execution import build_execution

if TYPE_CHECKING:
    from sphinx.application import Sphinx

logger = logging.getLogger(__name__)


def figure_script(app: Sphinx, docname: str, uri: str) -> Path | None:
    """The script that draws the image ``uri`` of ``docname``, or None."""
    if "://" in uri or uri.startswith("data:"):
        return None
    _, path = app.env.relfn2path(uri, docname)
    image = Path(path)
    if image.suffix in (".*", ".png"):
        image = image.with_suffix(".png")
    else:
        return None
    folder = (Path(app.srcdir) / app.config.coursekit_figures_dir).resolve()
    script = image.with_suffix(".py")
    if image.parent.resolve() != folder or not script.is_file():
        return None
    return script


def draw_page_figures(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: draw the page's stale figures, several at once."""
    docname = app.env.docname
    wanted: dict[Path, nodes.image] = {}
    for node in doctree.findall(nodes.image):
        script = figure_script(app, docname, node["uri"])
        if script is not None:
            app.env.note_dependency(str(script))
            wanted.setdefault(script, node)
    stale = [script for script in wanted if is_stale(script)]
    if not stale:
        return
    timeout = app.config.coursekit_figure_timeout
    executor = build_execution(app).figure_executor(app)
    with ThreadPoolExecutor(max_workers=len(stale)) as pool:
        drawn = list(pool.map(lambda script: draw_if_stale(script, timeout, executor), stale))
    for script, (did_draw, problem) in zip(stale, drawn, strict=True):
        shown = os.path.relpath(script, app.confdir)
        if problem is None:
            if did_draw:
                logger.info("coursekit: drew %s", Path(shown).with_suffix(".png"))
            continue
        logger.error(
            "the figure script %s, which draws this image, failed:\n%s",
            shown,
            problem,
            location=wanted[script],
            type="coursekit",
            subtype="figure",
        )


def setup_figures(app: Sphinx) -> None:
    """Draw figures as pages are read, before the image collector checks the files."""
    app.connect("doctree-read", draw_page_figures, priority=400)

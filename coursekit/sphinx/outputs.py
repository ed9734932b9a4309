"""Showing what programs printed and drew, under their code.

When a page is written (``doctree-resolved``) each program's placeholder is
replaced by its output, read from the cache or from this build's failures
(:mod:`coursekit.sphinx.execution` ran them): in the text, under the code;
in the deck, nowhere (a slide keeps its size; the text is where outputs are
read). Complete programs are folded in the text and left out of the deck.
HTML is written by the node visitors below.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes

from coursekit.config import DECK_BUILDERS
from coursekit.run.runner import MAX_OUTPUT, Outcome
from coursekit.sphinx.downloads import links_for
from coursekit.sphinx.examples import program_listing, program_output
from coursekit.sphinx.execution import cache_for, execution_enabled, program_key
from coursekit.sphinx.furniture import _
from coursekit.sphinx.state import state
from coursekit.sphinx.visitors import bare, pass_through, skip_node

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator


class program_figure(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """A figure a program drew; ``path`` is the PNG in the cache."""


def cut_note(name: str, size: int) -> str:
    return _("[… output cut: %(size)s bytes in all, %(shown)s shown]") % {
        "size": f"{size:,}",
        "shown": f"{MAX_OUTPUT:,}",
    }


def render_outcome(outcome: Outcome, figure_prefix: str, failed: bool) -> nodes.container:
    """The nodes that show a program's output under its code."""
    # "no-search": search finds the course, not the numbers programs print.
    box = nodes.container(classes=["coursekit-output", "no-search"])
    if failed:
        box["classes"].append("coursekit-failed")
    label = nodes.paragraph(classes=["coursekit-output-label"])
    label += nodes.Text(str(_("Program failed") if failed else _("Output")))
    box += label
    for name, text, cls in (
        ("stdout", outcome.stdout, "coursekit-stdout"),
        ("stderr", outcome.stderr, "coursekit-stderr"),
        ("error", outcome.error, "coursekit-error"),
    ):
        if name in outcome.cut:
            text = f"{text}\n{cut_note(name, outcome.cut[name])}\n"
        if text.strip():
            block = nodes.literal_block(text, text, classes=[cls])
            block["language"] = "none"
            box += block
    for number, path in enumerate(outcome.figures, start=1):
        box += program_figure(path=str(path), name=f"{figure_prefix}-{number}.png")
    if len(box.children) == 1:
        label += nodes.Text(str(_(": (nothing is shown)")))
    return box


def place_outputs(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: put each program's output in place of its placeholder."""
    deck = app.builder.name in DECK_BUILDERS
    if deck:
        for node in list(doctree.findall(program_listing)):
            node.parent.remove(node)
        for node in list(doctree.findall(nodes.paragraph)):
            if "coursekit-excerpt-link" in node["classes"]:
                node.parent.remove(node)
    placeholders = list(doctree.findall(program_output))
    if not placeholders:
        return
    records = state(app.env)
    cache = cache_for(app.config, app.confdir)
    programs = records.programs(docname)
    failed = records.data["failed"].get(docname, {})
    for placeholder in placeholders:
        if deck or not execution_enabled(app):
            placeholder.parent.remove(placeholder)
            continue
        program = programs[placeholder["program_index"]]
        key = program_key(app.config, program)
        outcome = failed.get(key) or cache.load(key)
        if outcome is None:  # the cache was emptied after this build ran it
            placeholder.parent.remove(placeholder)
            continue
        box = render_outcome(outcome, key[:16], failed=key in failed)
        box += links_for(docname, placeholder["program_index"] + 1, program)
        placeholder.replace_self(box)


def visit_figure_html(self: HTML5Translator, node: program_figure) -> None:
    """Copy the PNG next to the site's images and show it."""
    target = Path(self.builder.outdir) / self.builder.imagedir / "coursekit" / node["name"]
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node["path"], target)
    src = f"{self.builder.imgpath}/coursekit/{node['name']}"
    alt = str(_("Figure drawn by the program"))
    self.body.append(self.emptytag(node, "img", "", CLASS="coursekit-figure", src=src, alt=alt))
    raise nodes.SkipNode


def visit_figure_text(self, node: program_figure) -> None:
    self.add_text("[figure]")
    raise nodes.SkipNode


def visit_listing_html(self: HTML5Translator, node: program_listing) -> None:
    self.body.append(self.starttag(node, "details", CLASS="coursekit-program"))
    title = str(_("Complete program « %s »")) % node["title"]
    self.body.append(self.starttag(bare(), "summary", ""))
    self.body.append(self.encode(title) + " (")
    self.body.append(self.starttag(bare(), "code", ""))
    self.body.append(self.encode(node["name"]) + "</code>)</summary>\n")


def depart_listing_html(self: HTML5Translator, node: program_listing) -> None:
    self.body.append("</details>\n")


def setup_outputs(app: Sphinx) -> None:
    """Register the output nodes, their visitors and their placement."""
    skip = (skip_node, None)
    app.add_node(program_output, html=skip, latex=skip, text=skip, man=skip, texinfo=skip)
    app.add_node(
        program_figure,
        html=(visit_figure_html, None),
        latex=skip,
        text=(visit_figure_text, None),
        man=skip,
        texinfo=skip,
    )
    through = (pass_through, pass_through)
    app.add_node(
        program_listing,
        html=(visit_listing_html, depart_listing_html),
        latex=through,
        text=through,
        man=through,
        texinfo=through,
    )
    app.connect("doctree-resolved", place_outputs)

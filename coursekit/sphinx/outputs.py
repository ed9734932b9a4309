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
from coursekit.core.programs import relocate
from coursekit.run.cell import FAILURES
from coursekit.run.runner import MAX_OUTPUT, CellOutcome, Outcome
from coursekit.sphinx.downloads import links_for
from coursekit.sphinx.examples import program_listing, program_output
from coursekit.sphinx.execution import RunRecord, execution_enabled, load_outcome, origin_text
from coursekit.sphinx.furniture import _
from coursekit.sphinx.state import state
from coursekit.sphinx.visitors import bare, pass_through, skip_node

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator


class program_figure(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """A figure a program drew; ``path`` is the PNG in the cache."""


#: The label over a block's output, by status.
LABELS = {
    "ok": _("Output"),
    "shell": _("Output"),
    "expected-error": _("Output (the error is expected)"),
    "error": _("Program failed"),
    "crash": _("Program failed"),
    "exercise": _("Exercise"),
    "network": _("Needs the network"),
    "missing-module": _("Missing package"),
    "syntax": _("Invalid code"),
    "timeout": _("Timeout"),
    "not-run": _("Not run"),
    "no-gpu": _("Needs a GPU"),
    "unreachable": _("Not run"),
}
#: What the box of a block that did not run says, by status.
NOT_RUN = {
    "not-run": _("Not run: the page's session stopped at an earlier block."),
    "no-gpu": _("Not run: this block needs a GPU, and no output of this code was frozen."),
    "unreachable": _("Not run: the build could not reach the machines that run the programs."),
}


def cut_note(name: str, size: int) -> str:
    return _("[… output cut: %(size)s bytes in all, %(shown)s shown]") % {
        "size": f"{size:,}",
        "shown": f"{MAX_OUTPUT:,}",
    }


def note(text: str, cls: str) -> nodes.paragraph:
    para = nodes.paragraph(classes=["coursekit-note", cls])
    para += nodes.Text(text)
    return para


def render_cell(
    cell: CellOutcome | None, status: str, figure_prefix: str, traceback: str
) -> nodes.container:
    """The nodes that show what one block printed, drew and returned, under its code.

    ``traceback`` is the cell's error, its line numbers moved to where the
    page's blocks are now.
    """
    # "no-search": search finds the course, not the numbers programs print.
    box = nodes.container(classes=["coursekit-output", "no-search", f"coursekit-{status}"])
    failed = status in FAILURES or status in NOT_RUN
    if failed:
        box["classes"].append("coursekit-failed")
    label = nodes.paragraph(classes=["coursekit-output-label"])
    label += nodes.Text(str(LABELS.get(status, _("Output"))))
    box += label
    if cell is None or status in NOT_RUN:
        box += note(str(NOT_RUN.get(status, NOT_RUN["not-run"])), "")
        return box
    if status == "exercise":
        text = str(_("Exercise: complete this code; it is not run."))
        box += note(text, "coursekit-exercise-note")
        return box
    for name, text, cls in (
        ("stdout", cell.stdout, "coursekit-stdout"),
        ("stderr", cell.stderr, "coursekit-stderr"),
        ("value", cell.value, "coursekit-value"),
        ("error", traceback, "coursekit-error"),
    ):
        if name in cell.cut:
            text = f"{text}\n{cut_note(name, cell.cut[name])}\n"
        if text.strip():
            block = nodes.literal_block(text, text, classes=[cls])
            block["language"] = "none"
            box += block
    for number, path in enumerate(cell.figures, start=1):
        box += program_figure(path=str(path), name=f"{figure_prefix}-{number}.png")
    if cell.shell:
        text = str(_("Not run when the site is built (shell command): "))
        para = note(text, "coursekit-shell-note")
        for index, command in enumerate(cell.shell):
            if index:
                para += nodes.Text(", ")
            para += nodes.literal(command, command)
        box += para
    if len(box.children) == 1:
        label += nodes.Text(str(_(": (nothing is shown)")))
    return box


def cell_traceback(runs: list[RunRecord], record: RunRecord, outcome: Outcome) -> str:
    """The cell's error, its chapter lines moved to where the page's blocks are now."""
    error = outcome.cells[record.cell].error
    if not error:
        return error
    job = sorted((r for r in runs if r.key == record.key), key=lambda r: r.cell)
    pairs = list(zip(outcome.cells, job, strict=False))
    then = [(cell.first_line, len(r.program.code.splitlines())) for cell, r in pairs]
    now = [r.program.line for _, r in pairs]
    return relocate(error, record.program.source, then, now)


def place_outputs(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: put each block's output in place of its placeholder."""
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
    runs = state(app.env).data["runs"].get(docname, [])
    by_index = {run.index: run for run in runs}
    outcomes: dict[str, Outcome | None] = {}
    for placeholder in placeholders:
        record = by_index.get(placeholder["program_index"])
        if deck or not execution_enabled(app) or record is None:
            placeholder.parent.remove(placeholder)
            continue
        if record.key not in outcomes:
            outcomes[record.key] = load_outcome(app, docname, record)
        outcome = outcomes[record.key]
        if outcome is None and record.status not in NOT_RUN:
            # The cache was emptied after this build ran it.
            placeholder.parent.remove(placeholder)
            continue
        cells = outcome.cells if outcome else []
        cell = cells[record.cell] if record.cell < len(cells) else None
        traceback = cell_traceback(runs, record, outcome) if cell and outcome else ""
        box = render_cell(cell, record.status, f"{record.key[:16]}-{record.cell}", traceback)
        if record.frozen is not None:
            text = str(_("run on %s")) % origin_text(record.frozen)
            box += note(text, "coursekit-origin")
        if record.session:
            box["classes"].append("coursekit-session")
        else:
            box += links_for(docname, placeholder["program_index"] + 1, record.program)
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

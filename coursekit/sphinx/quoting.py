"""``:output:``: numbers in the prose that come from the runs.

``:output:`EXPR | SPEC` `` (see :mod:`coursekit.core.quoting`) records what
it quotes when the page is read, with the Python block above it; the
execution phase evaluates the expression right after that block runs (or at
the end of the complete program named in brackets) and keeps its value with
the block's result. When the page is
written, each role becomes the value, formatted (the French way in French),
in the text and in the deck alike; an expression that has no value is an
error naming the file and line. So when a program's output changes, the
sentence changes with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util import logging

from coursekit.core.quoting import Quote, format_value, parse_reference
from coursekit.sphinx.execution import load_outcome, runs_programs
from coursekit.sphinx.state import state
from coursekit.sphinx.visitors import skip_node

if TYPE_CHECKING:
    from docutils.parsers.rst.states import Inliner
    from sphinx.application import Sphinx

logger = logging.getLogger(__name__)


class quoted_value(nodes.Inline, nodes.TextElement):  # noqa: N801 (docutils naming)
    """Where a quoted value goes; ``program``, ``expression``, ``spec`` say which."""


def output_role(
    name: str, rawtext: str, text: str, lineno: int, inliner: Inliner, options=None, content=()
):
    """``:output:`[PROGRAM] EXPR | SPEC` ``: the value, once the programs have run."""
    try:
        reference = parse_reference(nodes.unescape(text))
    except ValueError as error:
        message = inliner.reporter.error(str(error), line=lineno)
        problem = inliner.problematic(rawtext, rawtext, message)
        return [problem], [message]
    env = inliner.document.settings.env
    block = len(state(env).programs(env.docname)) - 1  # the Python block above
    state(env).quotes(env.docname).append(Quote(reference, block))
    node = quoted_value(rawtext, reference.expression, classes=["coursekit-quoted"])
    node["block"] = block
    node["program"], node["expression"], node["spec"] = (
        reference.program,
        reference.expression,
        reference.spec,
    )
    node.source, node.line = inliner.reporter.get_source_and_line(lineno)
    return [node], []


def fill_quotes(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: each quoted value becomes its value, or an error."""
    found = list(doctree.findall(quoted_value))
    if not found:
        return
    if not runs_programs(app):
        for node in found:  # nothing ran (execution off, a builder without runs)
            node.replace_self(nodes.literal(node.rawsource, node["expression"]))
        return
    runs = state(app.env).data["runs"].get(docname, [])
    language = app.config.language or ""
    for node in found:
        program = node["program"]
        record = next(
            (
                run
                for run in runs
                if (run.program.name == program if program else run.index == node["block"])
            ),
            None,
        )
        outcome = load_outcome(app, docname, record) if record else None
        cells = outcome.cells if outcome else []
        cell = cells[record.cell] if record and record.cell < len(cells) else None
        expression = node["expression"]
        if cell is not None and expression in cell.values:
            text = format_value(cell.values[expression], node["spec"], language)
            node.replace_self(nodes.inline(node.rawsource, text, classes=node["classes"]))
            continue
        if record is None and program:
            why = f"this page has no program '{program}'"
        elif record is None:
            why = "no Python block that runs stands above this sentence"
        elif cell is None:
            why = "its block has no result (see the errors above)"
        else:
            why = cell.value_errors.get(expression, "it was not evaluated")
        logger.error(
            "':output:' cannot quote %r: %s",
            expression,
            why,
            location=node,
            type="coursekit",
            subtype="output",
        )
        node.replace_self(nodes.literal(node.rawsource, node.rawsource))


def setup_quoting(app: Sphinx) -> None:
    """Register ``:output:`` and fill its values when pages are written."""
    skip = (skip_node, None)
    app.add_node(quoted_value, html=skip, latex=skip, text=skip, man=skip, texinfo=skip)
    app.add_role("output", output_role)
    app.connect("doctree-resolved", fill_quotes)

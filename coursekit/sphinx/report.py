"""The execution report: one page that lists every block the build ran.

``.. execution-report::`` is replaced, when the page is written, by a table:
per page and per block, where it is, how it ran (in the page's session or
alone), its status (passed, failed, exercise, shell command not run, needs
the network, missing package, timeout…), how long it ran, on which device,
and whether its result came from the cache. The page is written again at
every build so that the table is always that build's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from coursekit.sphinx.execution import RunRecord, origin_text
from coursekit.sphinx.furniture import _
from coursekit.sphinx.state import rewrite_every_build, state

if TYPE_CHECKING:
    from sphinx.application import Sphinx

#: What a block's status means to a reader.
STATUS = {
    "ok": _("passed"),
    "expected-error": _("expected error"),
    "error": _("failed"),
    "exercise": _("exercise (not run)"),
    "shell": _("passed, shell command not run"),
    "syntax": _("invalid code"),
    "network": _("needs the network"),
    "missing-module": _("missing package"),
    "timeout": _("timeout"),
    "crash": _("killed"),
    "not-run": _("not run (the session stopped earlier)"),
    "no-gpu": _("not run (needs a GPU)"),
    "unreachable": _("not run (executor unreachable)"),
    "absent": _("no result"),
}


class execution_report(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """Placeholder for the report table."""


class ExecutionReport(SphinxDirective):
    """``.. execution-report::`` — the table of this build's programs."""

    def run(self) -> list[nodes.Node]:
        rewrite_every_build(self.env)
        return [execution_report()]


def report_table(app: Sphinx, fromdocname: str) -> nodes.Node:
    """The table of this build's runs (recorded by the execution phase)."""
    runs = [run for table in state(app.env).data["runs"].values() for run in table]
    if not runs:
        return nodes.paragraph(text=str(_("No program was run during this build.")))
    headers = [
        str(word)
        for word in (
            _("Page"),
            _("Block"),
            _("Run"),
            _("Status"),
            _("Duration"),
            _("Device"),
            _("Cache"),
        )
    ]
    table = nodes.table(classes=["coursekit-report"])
    group = nodes.tgroup(cols=len(headers))
    table += group
    group.extend(nodes.colspec(colwidth=1) for _ in headers)
    head = nodes.thead()
    group += head
    head += _row(headers)
    body = nodes.tbody()
    group += body
    for run in sorted(runs, key=lambda r: (r.program.docname, r.program.directive_line)):
        program = run.program
        link = nodes.reference("", "", internal=True)
        link["refuri"] = app.builder.get_relative_uri(fromdocname, program.docname)
        link += nodes.literal(text=program.docname)
        where = f"{program.source}:{program.directive_line}"
        body += _row(
            [
                link,
                f"{where} ({program.name})" if program.name else where,
                str(_("session, cell %d") % (run.cell + 1) if run.session else _("alone")),
                str(STATUS.get(run.status, run.status)),
                f"{run.duration:.2f} s",
                run.device,
                cache_cell(run),
            ]
        )
    return table


def cache_cell(run: RunRecord) -> str:
    """Whether the result came from the cache, or was frozen (and where it was made)."""
    if run.frozen is not None:
        return str(_("frozen (%s)") % origin_text(run.frozen))
    return str(_("yes") if run.cached else _("no"))


def _row(cells: list) -> nodes.row:
    row = nodes.row()
    for cell in cells:
        entry = nodes.entry()
        para = nodes.paragraph()
        para += cell if isinstance(cell, nodes.Node) else nodes.Text(str(cell))
        entry += para
        row += entry
    return row


def fill_report(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for node in list(doctree.findall(execution_report)):
        node.replace_self(report_table(app, docname))


def setup_report(app: Sphinx) -> None:
    """Register the report directive and keep its page fresh."""
    app.add_node(execution_report)
    app.add_directive("execution-report", ExecutionReport)
    app.connect("doctree-resolved", fill_report)

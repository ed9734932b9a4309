"""The chapter's programs, as the chapter states them.

- ``code-block:: python`` runs at build time, as the next cell of the page's
  notebook (or alone, with ``:isolated:`` or on a page whose ``:execution:``
  field says ``isolated``), unless it says ``:excerpt-of: NAME`` (it then
  shows part of the program NAME and links to it) or ``:no-run:``. Options:
  ``:timeout: SECONDS``, ``:expect-error:`` (the error is the point: it is
  shown as output), ``:freeze:`` (its output is made by ``make freeze`` and
  committed), ``:gpu:`` (it needs CUDA).
- ``.. full-program:: NAME`` with a ``:title:`` holds the complete program
  that excerpts belong to; it always runs alone. The text shows it folded,
  with its output; the deck leaves it out.

This module collects programs and excerpts into the environment and checks
every excerpt against its program; :mod:`coursekit.sphinx.outputs` runs them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.directives.code import CodeBlock as SphinxCodeBlock
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from coursekit.core.programs import PYTHON, Excerpt, Program, missing_excerpt_line
from coursekit.sphinx.furniture import _
from coursekit.sphinx.state import state

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

logger = logging.getLogger(__name__)

#: A line of IPython syntax: a magic or a shell escape.
IPYTHON_LINE = re.compile(r"^\s*[%!]", re.M)


class program_output(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """Where a program's output goes; ``key`` names its result."""


class program_listing(nodes.General, nodes.Element):  # noqa: N801
    """A complete program, shown folded in the text and left out of the deck."""


def _positive_number(argument: str) -> float:
    value = float(directives.unchanged_required(argument))
    if value <= 0:
        raise ValueError("must be a positive number of seconds")
    return value


RUN_OPTIONS = {
    "timeout": _positive_number,
    "expect-error": directives.flag,
    "freeze": directives.flag,
    "gpu": directives.flag,
}


def _section_title(node: nodes.Node) -> str:
    while node is not None:
        if isinstance(node, nodes.section) and node.children:
            first = node.children[0]
            if isinstance(first, nodes.title):
                return first.astext()
        node = node.parent
    return ""


def _source_path(env: BuildEnvironment, docname: str) -> str:
    path = Path(env.doc2path(docname))
    for base in (Path(state(env).root), Path(env.srcdir)):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.as_posix()


class ProgramDirectiveMixin:
    """What the two directives share: turning their content into a Program."""

    def make_program(
        self: SphinxDirective, name: str = "", title: str = "", isolated: bool = False
    ) -> Program:
        content = list(self.content)
        leading = 0
        while leading < len(content) and not content[leading].strip():
            leading += 1
        code = "\n".join(content[leading:]).rstrip() + "\n"
        return Program(
            docname=self.env.docname,
            source=_source_path(self.env, self.env.docname),
            directive_line=self.get_source_info()[1],
            # The page's own line: the dialect reader may have inserted lines above.
            line=self.state_machine.get_source_and_line(self.content_offset + 1 + leading)[1],
            section=_section_title(self.state.parent),
            code=code,
            name=name,
            title=title,
            timeout=self.options.get("timeout", self.config.coursekit_timeout),
            expect_error="expect-error" in self.options,
            isolated=isolated or "isolated" in self.options,
            freeze="freeze" in self.options,
            gpu="gpu" in self.options,
        )

    def record(self: SphinxDirective, program: Program) -> nodes.Element:
        programs = state(self.env).programs(self.env.docname)
        programs.append(program)
        placeholder = program_output()
        placeholder["program_index"] = len(programs) - 1
        placeholder["docname"] = self.env.docname
        self.set_source_info(placeholder)
        return placeholder


class CodeBlock(ProgramDirectiveMixin, SphinxCodeBlock):
    """``code-block`` that also runs Python programs and knows excerpts."""

    option_spec: ClassVar[dict] = {
        **SphinxCodeBlock.option_spec,
        **RUN_OPTIONS,
        "excerpt-of": directives.unchanged_required,
        "no-run": directives.flag,
        "isolated": directives.flag,
    }

    def run(self) -> list[nodes.Node]:
        result = super().run()
        language = self.arguments[0] if self.arguments else ""
        if language in PYTHON and IPYTHON_LINE.search("\n".join(self.content)):
            # Magics and shell escapes: highlighted as Jupyter shows them.
            for node in result:
                for literal in node.findall(nodes.literal_block):
                    literal["language"] = "ipython3"
        if language not in PYTHON or "no-run" in self.options:
            return result
        if "excerpt-of" in self.options:
            name = self.options["excerpt-of"]
            excerpt = Excerpt(
                docname=self.env.docname,
                source=_source_path(self.env, self.env.docname),
                directive_line=self.get_source_info()[1],
                code="\n".join(self.content),
                program=name,
            )
            state(self.env).excerpts(self.env.docname).append(excerpt)
            return [*result, excerpt_link(name)]
        return [*result, self.record(self.make_program())]


def excerpt_link(name: str) -> nodes.paragraph:
    """The line under an excerpt that leads to its complete program."""
    para = nodes.paragraph(classes=["coursekit-excerpt-link"])
    para += nodes.Text(str(_("Excerpt of the complete program ")))
    ref = nodes.reference("", "", internal=True, refid=f"program-{name}")
    ref += nodes.literal(name, name)
    para += ref
    para += nodes.Text(" ↓")
    return para


class FullProgram(ProgramDirectiveMixin, SphinxDirective):
    """``.. full-program:: NAME`` — the complete program that excerpts belong to."""

    has_content = True
    required_arguments = 1
    option_spec: ClassVar[dict] = {**RUN_OPTIONS, "title": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        name = self.arguments[0]
        if "title" not in self.options:
            raise self.error(f"full-program '{name}' needs a :title: (shown to the reader).")
        if not "".join(self.content).strip():
            raise self.error(f"full-program '{name}' has no code.")
        program = self.make_program(name=name, title=self.options["title"], isolated=True)
        listing = program_listing(name=name, title=program.title)
        listing["ids"] = [f"program-{name}"]
        self.set_source_info(listing)
        code = nodes.literal_block(program.code, program.code, language="python")
        self.set_source_info(code)
        listing += code
        return [listing, self.record(program)]


def check_excerpts(env: BuildEnvironment) -> list[tuple[str, int, str]]:
    """Every excerpt must name a program of its page and match its lines.

    Returns (docname, line, message) for each problem.
    """
    problems = []
    records = state(env)
    for docname, excerpts in records.all_excerpts().items():
        programs = {p.name: p for p in records.programs(docname) if p.name}
        for excerpt in excerpts:
            where = (docname, excerpt.directive_line)
            program = programs.get(excerpt.program)
            if program is None:
                known = ", ".join(sorted(programs)) or "none"
                problems.append(
                    (
                        *where,
                        f"this excerpt belongs to program '{excerpt.program}', which this "
                        f"page does not define (full-program directives here: {known}).",
                    )
                )
                continue
            missing = missing_excerpt_line(excerpt.code, program.code)
            if missing is not None:
                problems.append(
                    (
                        *where,
                        f"this excerpt no longer matches program '{program.name}' "
                        f"({program.source}:{program.directive_line}): the line {missing!r} "
                        "is not in the program, or not in this order. Update the excerpt "
                        "or the full-program so that they agree.",
                    )
                )
    return problems


def setup_examples(app: Sphinx) -> None:
    """Register the directives and the environment bookkeeping."""
    app.add_directive("code-block", CodeBlock, override=True)
    app.add_directive("sourcecode", CodeBlock, override=True)
    app.add_directive("full-program", FullProgram)

"""reST pages are read as Slidey reads them, then parsed by docutils.

The lecturer writes in the dialect of Slidey (Gregwar/RST): short title
underlines, a title right after ``.. slide::``, a directive right after a
paragraph line, code right after ``.. code-block:: python``… The reST parser
registered here first turns such a page into standard reST with
:func:`coursekit.core.dialect.read_dialect`, then hands docutils the lines
*with their source line numbers*, so every message still names the
lecturer's own line. What the reader cannot interpret is an error naming the
file and line; how many of each habit it met is recorded per page and said
in the build's summary line.
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING

from docutils.statemachine import StringList, string2lines
from sphinx.parsers import RSTParser
from sphinx.util import logging

from coursekit.config import CODE_DIRECTIVES
from coursekit.core.dialect import HABITS, read_dialect
from coursekit.sphinx.state import state

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

logger = logging.getLogger(__name__)


class SlideyRSTParser(RSTParser):
    """Sphinx's reST parser, reading the Slidey dialect first."""

    def parse(self, inputstring: str | StringList, document: nodes.document) -> None:
        if not isinstance(inputstring, str):
            super().parse(inputstring, document)
            return
        reading = read_dialect(inputstring, CODE_DIRECTIVES)
        env = document.settings.env
        docname = env.docname
        for problem in reading.problems:
            logger.error(
                problem.message,
                location=(docname, problem.line),
                type="coursekit",
                subtype="dialect",
            )
        if reading.habits:
            state(env).data["habits"][docname] = dict(reading.habits)
        source = document.current_source
        lines: list[str] = []
        items: list[tuple[str, int]] = []
        tab_width = document.settings.tab_width
        for text, origin in zip(reading.lines, reading.origins, strict=True):
            # string2lines as Sphinx applies it (tabs, odd whitespace), line by line
            # so that each line keeps its number.
            for part in string2lines(text, tab_width=tab_width, convert_whitespace=True) or [""]:
                lines.append(part)
                items.append((source, origin - 1))
        super().parse(StringList(lines, items=items), document)


def habit_counts(env: BuildEnvironment) -> collections.Counter[str]:
    """How many of each habit the pages of this project use."""
    total: collections.Counter[str] = collections.Counter()
    for counts in state(env).data["habits"].values():
        total.update(counts)
    return total


def describe_habits(counts: collections.Counter[str]) -> str:
    """``"29 short-underline, 32 title-after-slide"`` (most frequent first), or ""."""
    return ", ".join(f"{n} {habit}" for habit, n in counts.most_common() if habit in HABITS)


def setup_dialect(app: Sphinx) -> None:
    """Read every reST page as Slidey reads it."""
    app.add_source_parser(SlideyRSTParser, override=True)

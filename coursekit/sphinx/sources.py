"""Reading the sources: encoding checks and ``$$…$$`` inline math.

- A page that is not in the source encoding is reported with its file, line,
  column and byte, and is not read (Sphinx would replace the bytes with "?"
  and go on: a page that looks right but is wrong).
- A page saved as mojibake (UTF-8 read as Mac Roman or Latin-1 and saved
  again) is reported with the command that repairs it.
- ``$$…$$`` inside a sentence is rewritten to the ``:math:`` role before
  parsing; line numbers do not move.

The detection and the rewrite are pure functions of :mod:`coursekit.core`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.util import logging

from coursekit.core.encoding import find_mojibake, repair_command, undecodable
from coursekit.core.inline_math import rewrite_inline_math

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

logger = logging.getLogger(__name__)


def skip_undecodable(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``: report each page that cannot be decoded, and do not read it."""
    encoding = app.config.source_encoding
    name = "UTF-8" if encoding.lower().startswith("utf-8") else encoding
    for docname in list(docnames):
        found = undecodable(Path(env.doc2path(docname)).read_bytes(), encoding)
        if found is None:
            continue
        line, column, byte = found
        logger.error(
            "this file is not %s: byte 0x%02x at column %d cannot be decoded. Save it as "
            "%s (from Latin-1: iconv -f latin1 -t utf-8 FILE > FILE.new).",
            name,
            byte,
            column,
            name,
            location=(docname, line),
            type="coursekit",
            subtype="encoding",
        )
        docnames.remove(docname)


def check_mojibake(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``: report mojibake, naming the file, the line and the repair."""
    found = find_mojibake(source[0])
    if found is None:
        return
    line, codec, text = found
    path = Path(app.env.doc2path(docname))
    try:
        shown = path.relative_to(Path(app.confdir))
    except ValueError:
        shown = path
    logger.error(
        "this file looks like UTF-8 that was read as %s and saved again (%r). "
        "Repair it with:\n    %s",
        codec,
        text[:60],
        repair_command(str(shown), codec),
        location=(docname, line),
        type="coursekit",
        subtype="encoding",
    )


def inline_math(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``: ``$$…$$`` in a sentence becomes ``:math:`` in reST pages."""
    path = Path(app.env.doc2path(docname))
    if path.suffix not in app.config.coursekit_inline_math_suffixes:
        return
    result = rewrite_inline_math(source[0])
    for lineno, message in result.problems:
        logger.warning(message, location=(docname, lineno), type="coursekit", subtype="math")
    source[0] = result.text


def setup_sources(app: Sphinx) -> None:
    """Check every source's encoding before it is parsed; rewrite inline math."""
    app.connect("env-before-read-docs", skip_undecodable, priority=100)
    app.connect("source-read", check_mojibake, priority=100)
    app.connect("source-read", inline_math)

"""Reading the sources: encoding checks and ``$$…$$`` inline math.

- A page that is not in the source encoding is reported as an error with its
  file, line, column and byte, and what to do (Sphinx alone only warns that
  it replaced the bytes with "?": a page that looks right but is wrong).
- A page saved as mojibake (UTF-8 read as Mac Roman or Latin-1 and saved
  again) is reported with the command that repairs it.
- ``$$…$$`` inside a sentence is rewritten to the ``:math:`` role before
  parsing; line numbers do not move.
- Every source is a page, as in Slidey: a page that no toctree lists is built
  without the "not included in any toctree" warning.

The detection and the rewrite are pure functions of :mod:`coursekit.core`.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.util import logging

from coursekit.core.encoding import find_mojibake, repair_command, undecodable
from coursekit.core.inline_math import rewrite_inline_math

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

logger = logging.getLogger(__name__)

#: UTF-8 that decodes bad bytes as U+FFFD: used to read, after reporting it, a
#: page that is not UTF-8 (Sphinx reads sources strictly and would crash).
LENIENT_UTF8 = "coursekit-lenient-utf-8"


def _lenient_codec(name: str) -> codecs.CodecInfo | None:
    if name != LENIENT_UTF8.replace("-", "_"):
        return None
    utf8 = codecs.lookup("utf-8-sig")

    def decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
        return utf8.decode(data, "replace")

    class Decoder(utf8.incrementaldecoder):  # type: ignore[misc, valid-type]
        def __init__(self, errors: str = "strict") -> None:
            super().__init__("replace")

    return codecs.CodecInfo(
        utf8.encode,
        decode,
        name=LENIENT_UTF8,
        incrementalencoder=utf8.incrementalencoder,
        incrementaldecoder=Decoder,
    )


codecs.register(_lenient_codec)


def report_undecodable(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``: report each page that cannot be decoded, with what to do."""
    encoding = app.config.source_encoding
    name = "UTF-8" if encoding.lower().startswith("utf-8") else encoding
    for docname in list(docnames):
        found = undecodable(Path(env.doc2path(docname)).read_bytes(), encoding)
        if found is None:
            continue
        line, column, byte = found
        # Read it all the same, with U+FFFD for the bad bytes (Sphinx would stop
        # with a traceback): the error below fails the build and says where.
        env.settings["input_encoding"] = LENIENT_UTF8
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


def every_source_is_a_page(app: Sphinx, doctree) -> None:
    """``doctree-read``: a page in no toctree is a page all the same (Sphinx's ``orphan``)."""
    app.env.metadata[app.env.docname].setdefault("orphan", True)


def setup_sources(app: Sphinx) -> None:
    """Check every source's encoding before it is parsed; rewrite inline math."""
    app.connect("env-before-read-docs", report_undecodable, priority=100)
    app.connect("source-read", check_mojibake, priority=100)
    app.connect("source-read", inline_math)
    app.connect("doctree-read", every_source_is_a_page)

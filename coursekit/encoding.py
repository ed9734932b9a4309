"""Sources saved with a broken encoding stop the build with a message that says how to repair them.

The chapter of this course arrived as UTF-8 that had been read as Mac Roman
and saved again ("√©" for "é"); the same happens with Windows-1252/Latin-1
("Ã©" for "é"). Such text is valid UTF-8, so nothing else would notice: the
page would look almost right and be wrong. A file that is not UTF-8 at all is
reported by Sphinx itself ("undecodable source characters"), with its line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.util import logging

if TYPE_CHECKING:
    from sphinx.application import Sphinx

logger = logging.getLogger(__name__)

#: Two-character sequences that French UTF-8 text becomes when it is decoded
#: as Mac Roman or as Latin-1 / Windows-1252, with the codec that produced them.
MOJIBAKE = {
    "mac_roman": re.compile(r"√[©®†ß¢¥™Æ´¨ª]|‚Äô|‚Äú|‚Ä"),
    "cp1252": re.compile(r"Ã[©¨ ¢®´§ª¹»]|â€™|â€œ|â€"),
}


def find_mojibake(text: str) -> tuple[int, str, str] | None:
    """(line number, codec, the line) of the first mojibake found, or None."""
    for number, line in enumerate(text.splitlines(), start=1):
        for codec, pattern in MOJIBAKE.items():
            if pattern.search(line):
                return number, codec, line.strip()
    return None


def repair_command(path: str, codec: str) -> str:
    return (
        f"python -c \"import pathlib; p = pathlib.Path('{path}'); "
        f"p.write_text(p.read_text(encoding='utf-8').encode('{codec}').decode('utf-8'), "
        "encoding='utf-8')\""
    )


def check_encoding(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``: stop on mojibake, naming the file, the line and the repair."""
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


def undecodable(data: bytes, encoding: str) -> tuple[int, int, int] | None:
    """(line, column, byte) of the first byte that ``encoding`` cannot decode, or None."""
    try:
        data.decode(encoding)
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        return line, column, data[error.start]
    return None


def stop_on_undecodable(app: Sphinx, env, docnames: list[str]) -> None:
    """``env-before-read-docs``: a page that is not in the source encoding is
    reported with its line, and the build stops there (Sphinx itself would
    stop with a long report that names no file)."""
    encoding = app.config.source_encoding
    broken = 0
    for docname in list(docnames):
        path = Path(env.doc2path(docname))
        found = undecodable(path.read_bytes(), encoding)
        if found is None:
            continue
        line, column, byte = found
        name = "UTF-8" if encoding.lower().startswith("utf-8") else encoding
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
        broken += 1
    if broken:
        raise SystemExit(2)


def setup_encoding(app: Sphinx) -> None:
    """Check every source's encoding before it is parsed."""
    app.connect("env-before-read-docs", stop_on_undecodable, priority=100)
    app.connect("source-read", check_encoding, priority=100)

"""Sources saved with a broken encoding: find where, and say how to repair them.

The chapter of this course arrived as UTF-8 that had been read as Mac Roman
and saved again ("√©" for "é"); the same happens with Windows-1252/Latin-1
("Ã©" for "é"). Such text is valid UTF-8, so nothing else would notice: the
page would look almost right and be wrong. A file that is not UTF-8 at all is
reported by Sphinx itself ("undecodable source characters"), with its line.
"""

from __future__ import annotations

import re

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

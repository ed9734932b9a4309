"""Nothing silently lost: every source line that carries text appears in the built page.

A line's words must appear, in order and side by side, in the words of the
HTML text or of the deck built from it (as text, as code or as math). Lines
that carry no reader-facing text are not checked: directive names and their
options, title adornments, comments, targets, toctree entries, file paths.
"""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup

WORD = re.compile(r"\w+")
#: A directive, or a substitution definition (``.. |name| image:: path``).
DIRECTIVE = re.compile(r"^(\s*)\.\.\s+(?:\|[^|]+\|\s+)?([\w:-]+)::(.*)$")
OPTION = re.compile(r"^\s+:[\w-]+:(\s.*)?$")
COMMENT_OR_TARGET = re.compile(r"^\s*\.\.(\s|$)(?!.*::)")
ADORNMENT = re.compile(r"^\s*([!-/:-@\[-`{-~])\1{2,}\s*$")
#: Inline literals, interpreted text (roles, references) and substitution
#: references: each is a segment of its own.
SPAN = re.compile(r"``.+?``|(?::[\w:+-]+:)?`[^`]+`_{0,2}|\|[^|\s](?:[^|]*[^|\s])?\|_{0,2}")
EXPLICIT_TARGET = re.compile(r"\s*<[^<>]*>$")
#: A list item's bullet or number: the HTML list draws it, it is not text.
ENUMERATOR = re.compile(r"^\s*(?:[-*+•]|\d+[.)]|#[.)]|\(\d+\)|[a-zA-Z][.)])\s+")
#: Page metadata (``:orphan:``), which Sphinx takes out of the page.
METADATA = re.compile(r"^:(orphan|nocomments|nosearch|tocdepth|execution|freeze|gpu):")
#: Directives whose argument is text a reader sees.
TITLED = {"admonition", "topic", "rubric", "sidebar", "note", "warning", "tip", "important",
          "danger", "success", "hint", "caution", "attention", "error"}  # fmt: skip
#: Directives whose content is not reader text (paths, docnames, raw markup).
UNSHOWN_CONTENT = {"toctree", "raw", "only", "youtube", "image"}


def words(text: str) -> list[str]:
    return [word.lower() for word in WORD.findall(text)]


def segments(line: str) -> list[str]:
    """The parts of a line that must each appear as they are: the text between
    inline markup, and the markup's own text (a role's text, a link's label)."""
    parts = []
    position = 0
    for match in SPAN.finditer(line):
        parts.append(line[position : match.start()])
        span = match.group(0)
        if span.startswith(":output:"):
            pass  # an expression, replaced by its value (tests/test_quoting.py checks it)
        elif span.startswith("|"):
            pass  # replaced by what it stands for (an image: its definition is checked)
        elif span.startswith("``"):
            parts.append(span[2:-2])
        else:
            inner = span[span.index("`") + 1 : span.rindex("`")]
            parts.append(EXPLICIT_TARGET.sub("", inner))
        position = match.end()
    parts.append(line[position:])
    return [part for part in parts if words(part)]


def page_words(html: Path) -> str:
    """The words of a built page (its main text, code, math and image alt texts)."""
    soup = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    parts = [soup.get_text(" ")]
    parts += [img.get("alt", "") for img in soup.find_all("img")]
    return " " + " ".join(words(" ".join(parts))) + " "


def lines_to_check(source: str) -> list[tuple[int, str]]:
    """(line number, text) of every line whose words a reader must find."""
    found = []
    unshown_indent: int | None = None
    for number, line in enumerate(source.splitlines(), start=1):
        indent = len(line) - len(line.lstrip())
        if unshown_indent is not None:
            if not line.strip() or indent > unshown_indent:
                continue
            unshown_indent = None
        directive = DIRECTIVE.match(line)
        if directive:
            name = directive.group(2).lower()
            if name in UNSHOWN_CONTENT:
                unshown_indent = len(directive.group(1))
            if name in TITLED and directive.group(3).strip():
                found.append((number, directive.group(3)))
            continue
        if not line.strip() or OPTION.match(line) or ADORNMENT.match(line):
            continue
        if COMMENT_OR_TARGET.match(line) or line.lstrip().startswith(".. _"):
            continue
        if METADATA.match(line):
            continue
        text = ENUMERATOR.sub("", line)
        if line.lstrip().startswith("|") and line.rstrip().endswith("|"):  # a grid table row
            cells = text.strip().strip("|").split("|")
        else:
            cells = [text]
        found.extend((number, part) for cell in cells for part in segments(cell))
    return found


def lost_lines(source: Path, built: list[Path]) -> list[str]:
    """``"FILE:LINE: text"`` for each line of ``source`` found in none of ``built``."""
    haystacks = [page_words(page) for page in built if page.exists()]
    lost = []
    for number, text in lines_to_check(source.read_text(encoding="utf-8")):
        needle = " " + " ".join(words(text)) + " "
        if not any(needle in haystack for haystack in haystacks):
            lost.append(f"{source.name}:{number}: {text.strip()}")
    return lost

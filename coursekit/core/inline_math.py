"""Inline math written as ``$$…$$`` inside a sentence.

The lecturer writes ``$$\\sigma$$`` in running text and means inline math.
Docutils would read it as plain text (and eat its backslashes), so the source
is rewritten before parsing: each ``$$…$$`` outside code becomes the
``:math:`` role. Line numbers do not move, so messages still point at the
lecturer's line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: Directives whose content is code or display math, never running text.
LITERAL_DIRECTIVE = re.compile(
    r"^\s*\.\.\s+(code-block|code|sourcecode|math|raw|literalinclude|highlight|"
    r"parsed-literal|doctest|testcode|testoutput|jupyter-execute)::"
)
#: Inline literals and roles are left alone; ``$$…$$`` pairs are rewritten.
TOKEN = re.compile(r"(?P<literal>``.+?``|:[\w:-]+:`[^`]*`)|\$\$(?P<math>.*?)\$\$")


@dataclass
class Rewritten:
    """The rewritten source, how many ``$$…$$`` became math, and the problems found."""

    text: str
    count: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)


def _role(math: str, before: str, after: str) -> str:
    # ``\ `` is reST's empty separator: it lets the role touch any character.
    lead = "\\ " if before and not before.isspace() else ""
    tail = "\\ " if after and not after.isspace() else ""
    return f"{lead}:math:`{math.strip()}`{tail}"


def rewrite_line(line: str, lineno: int, result: Rewritten) -> str:
    """Rewrite the ``$$…$$`` pairs of one line of running text."""
    out = []
    pos = 0
    for match in TOKEN.finditer(line):
        out.append(line[pos : match.start()])
        pos = match.end()
        if match.group("literal"):
            out.append(match.group(0))
            continue
        math = match.group("math")
        if not math.strip() or "`" in math:
            result.problems.append((lineno, f"cannot turn $${math}$$ into inline math"))
            out.append(match.group(0))
            continue
        before = line[match.start() - 1] if match.start() else ""
        after = line[match.end()] if match.end() < len(line) else ""
        out.append(_role(math, before, after))
        result.count += 1
    rest = line[pos:]
    if "$$" in rest:
        result.problems.append((lineno, "'$$' opened and not closed on the same line"))
    out.append(rest)
    return "".join(out)


def rewrite_inline_math(text: str) -> Rewritten:
    """Rewrite every ``$$…$$`` of a reST source that lies outside code.

    Code means: the content of literal directives (``code-block``, ``math``…),
    literal blocks introduced by ``::``, and inline literals.
    """
    result = Rewritten(text="")
    lines = text.splitlines(keepends=True)
    literal_indent: int | None = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if literal_indent is not None:
            if not stripped or indent > literal_indent:
                continue
            literal_indent = None
        if LITERAL_DIRECTIVE.match(line) or (
            stripped.endswith("::") and not stripped.startswith("..")
        ):
            literal_indent = indent
            if LITERAL_DIRECTIVE.match(line):
                continue
        if "$$" in line:
            lines[index] = rewrite_line(line, index + 1, result)
    result.text = "".join(lines)
    return result

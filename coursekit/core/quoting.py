"""Numbers in the prose that come from the runs: the pure part of ``:output:``.

``:output:`EXPR` `` quotes the value of a Python expression evaluated in the
page's session right after the last Python block above the sentence (as a
learner would print it in the next notebook cell); ``:output:`EXPR | SPEC` `` formats it
with a Python format spec (``.2f``, ``d``, ``,d``, ``.1%``);
``:output:`[NAME] EXPR | SPEC` `` evaluates it in the complete program
``NAME`` (a ``full-program``, which runs alone). In French, numbers are
written the French way: a decimal comma, a narrow no-break space between
thousands and before ``%``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: ``[NAME] EXPR | SPEC``: the program, the expression, the format spec.
REFERENCE = re.compile(
    r"^\s*(?:\[(?P<program>[\w.-]+)\]\s*)?(?P<expression>.+?)(?:\|(?P<spec>[^|]*))?$", re.S
)
#: A Python format spec, as far as quoting numbers goes.
SPEC = re.compile(r"^[<>=^]?[+\- ]?#?0?\d*[,_]?(?:\.\d+)?[bcdeEfFgGnosxX%]?$")
#: Between thousands and before "%", in French.
NARROW_NBSP = "\u202f"


@dataclass(frozen=True)
class Reference:
    """What an ``:output:`` role quotes: an expression of a job, and its format."""

    program: str  # "" for the page's session
    expression: str
    spec: str


@dataclass(frozen=True)
class Quote:
    """A reference where a page makes it: after its Python block number ``block``
    (the last one above the sentence; -1 when there is none)."""

    reference: Reference
    block: int


def parse_reference(text: str) -> Reference:
    """The reference ``text`` writes; ValueError (for people) when it is not one."""
    match = REFERENCE.match(text.strip())
    if not match or not match.group("expression").strip():
        raise ValueError(f"':output:' needs an expression, as in :output:`loss | .3f`: {text!r}")
    expression = match.group("expression").strip()
    spec = (match.group("spec") or "").strip()
    if not SPEC.match(spec):
        raise ValueError(
            f"{spec!r} is not a format spec (write one as in Python's format(): "
            "'.2f', 'd', ',d', '.1%')"
        )
    try:
        compile(expression, "<output>", "eval")
    except SyntaxError as error:
        raise ValueError(f"{expression!r} is not a Python expression ({error.msg})") from None
    return Reference(match.group("program") or "", expression, spec)


def format_value(value: object, spec: str, language: str) -> str:
    """``value`` as the prose shows it: formatted with ``spec``, the French way in French."""
    if isinstance(value, list):
        separator = " ; " if _french(language) else ", "
        return "[" + separator.join(format_value(item, spec, language) for item in value) + "]"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value) if not spec else format(value, spec)
    text = format(value, spec) if spec else repr(value)
    if not _french(language):
        return text
    text = text.replace(",", "\0").replace(".", ",").replace("\0", NARROW_NBSP)
    return text.replace("%", f"{NARROW_NBSP}%")


def _french(language: str) -> bool:
    return (language or "").lower().startswith("fr")

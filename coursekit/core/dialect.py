"""Read the lecturer's Slidey dialect of reStructuredText as standard reST.

The lecturer writes for Slidey, whose parser (Gregwar/RST) is a line-based
state machine far more lenient than docutils: a title underline only has to be
three identical characters, a directive may follow a paragraph line, code may
start right after ``.. code-block::``, a note-like directive wraps the next
paragraph even when it is not indented, and so on. :func:`read_dialect` turns
such a page into reST that docutils reads the same way Slidey shows it.

The reader only inserts blank lines, lengthens title adornments, indents lines
that Slidey already treats as nested, and escapes unpaired ``**``; it never
touches literal content (code, math, raw, comments, ``::`` blocks). Every
output line remembers the source line it comes from, so that a later error can
name the lecturer's own line. Standard reST comes out unchanged.

This module is pure: no Sphinx, no docutils.
"""

from __future__ import annotations

import collections
import re
import unicodedata
from dataclasses import dataclass, field

HABITS: dict[str, str] = {
    "short-underline": "title underlines (or overlines) shorter than their title",
    "title-after-slide": "a title right after a `.. slide::` marker, without a blank line",
    "markup-after-text": "a directive or comment right after a line of text",
    "code-after-directive": "code right after its `.. code-block::` line or options",
    "caption-after-options": "a figure caption right after the figure's options",
    "content-after-directive": "directive content right after the directive line or options",
    "text-after-directive": "unindented text right after a directive, without a blank line",
    "unindented-content": "unindented content of a note-like directive (Slidey wraps it)",
    "list-after-paragraph": "a list right after a paragraph line",
    "lazy-continuation": "an unindented line continuing a list item",
    "text-after-block": "text right after an indented block or a list, without a blank line",
    "unclosed-strong": "an unclosed `**`, shown as literal asterisks",
}

# Gregwar/RST's Environment::$letters: the only characters it reads as title
# adornments (three of them at least, all identical).
_SLIDEY_LETTERS = frozenset('=-~*^"')
# docutils accepts any 7-bit punctuation character as an adornment.
_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

# Directives whose content is not reST: copied untouched.
_LITERAL_DIRECTIVES = frozenset(
    {
        "code-block",
        "code",
        "sourcecode",
        "math",
        "raw",
        "highlight",
        "literalinclude",
        "csv-table",
        "toctree",
        "youtube",
        "graphviz",
        "mermaid",
    }
)
_CODE_DIRECTIVES = frozenset({"code-block", "code", "sourcecode"})
# Slidey directives whose argument is a keyword, the rest of their line only.
_KEYWORD_ARGUMENT = frozenset({"step", "slide"})
_IMAGES = frozenset({"figure", "image"})
# Slidey's Wrap directives (and the admonitions docutils knows): they wrap the
# node that follows them, indented or not, and take no argument.
_WRAP_DIRECTIVES = frozenset(
    {
        "note",
        "warning",
        "tip",
        "important",
        "danger",
        "success",
        "step",
        "spoiler",
        "discover",
        "center",
        "textonly",
        "slideonly",
        "notes",
        "poll",
        "attention",
        "caution",
        "error",
        "hint",
        "seealso",
    }
)

_DIRECTIVE = re.compile(
    r"^\.\.[ \t]+(?:\|[^|]+\|[ \t]+)?(?P<name>[A-Za-z0-9][-+.:_A-Za-z0-9]*?)::(?P<arg>[ \t].*)?$"
)
# An option line: ``:word:`` then a value or nothing (Gregwar/RST and docutils agree).
_OPTION = re.compile(r"^[ \t]+:[A-Za-z][-\w]*:(?:[ \t].*)?$")
# List items Gregwar/RST recognises: ``*``, ``-``, ``1.``, ``#.``.
_SLIDEY_ITEM = re.compile(r"^(?:[-*]|\d+\.|#\.)(?:[ \t]+|$)")
# Every list item docutils recognises (used to keep standard lists whole).
_ITEM = re.compile(
    r"^(?:[-*+\u2022\u2023\u2043]|(?:\d+|#|[A-Za-z])[.)]|\((?:\d+|#|[A-Za-z])\))(?:[ \t]+|$)"
)
_GRID_TABLE = re.compile(r"^\+(?:[-=]+\+)+\s*$")
_SIMPLE_TABLE = re.compile(r"^=+(?: +=+)+\s*$")
# Spans where ``**`` means nothing: inline literals, ``$$…$$`` math, roles
# and interpreted text.
_PROTECTED = re.compile(r"``.+?``|\$\$.+?\$\$|`[^`]+`", re.DOTALL)
_STRONG = re.compile(r"(?<!\\)\*\*")


@dataclass(frozen=True)
class Problem:
    """Something the reader could not interpret, at a 1-based source line."""

    line: int
    message: str


@dataclass
class Reading:
    """The standard reST read from a dialect page, with where each line comes from."""

    lines: list[str]
    origins: list[int]
    habits: collections.Counter[str] = field(default_factory=collections.Counter)
    problems: list[Problem] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The standard reST, one newline after each line."""
        return "\n".join(self.lines) + "\n"


@dataclass
class _Line:
    """One line while reading: ``prefix`` is the indentation of the enclosing
    constructs, stripped so that nested content reads like a page of its own."""

    text: str
    origin: int
    prefix: str = ""

    def nested(self, width: int) -> _Line:
        """This line with ``width`` more characters moved into the prefix."""
        if _blank(self.text):
            return self
        return _Line(self.text[width:], self.origin, self.prefix + self.text[:width])


def read_dialect(text: str, code_directives: frozenset[str] = frozenset()) -> Reading:
    """Read a page written in the Slidey dialect and return standard reST.

    The result's ``origins`` give, for each output line, the 1-based number of
    the source line it comes from (an inserted blank line carries the number of
    the line before it); ``habits`` counts each leniency met, by habit id (see
    :data:`HABITS`); ``problems`` lists what could not be interpreted.
    ``code_directives`` names more directives whose content is code (the
    toolkit's own, such as ``full-program``).
    """
    source = [_Line(t, n) for n, t in enumerate(text.splitlines(), start=1)]
    reader = _Reader(code_directives)
    result = reader.body(source)
    reader.problems.sort(key=lambda p: p.line)
    return Reading(
        lines=[line.prefix + line.text for line in result],
        origins=[line.origin for line in result],
        habits=reader.habits,
        problems=reader.problems,
    )


def column_width(text: str) -> int:
    """Display width of ``text``, as docutils measures titles.

    East-Asian wide and full-width characters (emoji included) count for two
    columns, combining characters for none.
    """
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in "WF" else 1
    return width


def _blank(text: str) -> bool:
    return not text.strip()


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip())


def _is_explicit(text: str) -> bool:
    return text.startswith(".. ") or text.startswith("..\t") or text.rstrip() == ".."


def _adornment(text: str) -> str | None:
    """The character of a line made of one repeated punctuation character."""
    stripped = text.rstrip()
    if len(stripped) < 3 or stripped[0] not in _PUNCTUATION:
        return None
    if stripped != stripped[0] * len(stripped):
        return None
    return stripped[0]


def _is_underline(text: str) -> bool:
    """Whether Gregwar/RST or docutils would read ``text`` as a title underline."""
    char = _adornment(text)
    if char is None:
        return False
    # Gregwar/RST: three identical letters of its set; docutils: four of any.
    return char in _SLIDEY_LETTERS or len(text.rstrip()) >= 4


def _is_mixed_adornment(text: str) -> bool:
    stripped = text.rstrip()
    return (
        len(stripped) >= 3
        and all(c in _PUNCTUATION for c in stripped)
        and len(set(stripped)) > 1
        and not _GRID_TABLE.match(stripped)
    )


def _is_text(text: str) -> bool:
    """A line that can be a title's text: unindented, not markup, not an adornment."""
    return (
        not _blank(text)
        and _indent(text) == 0
        and not _is_explicit(text)
        and _adornment(text) is None
    )


class _Reader:
    """The recursive reader: one call of :meth:`body` per level of nesting."""

    def __init__(self, code_directives: frozenset[str] = frozenset()) -> None:
        self.code_directives = _CODE_DIRECTIVES | code_directives
        self.literal_directives = _LITERAL_DIRECTIVES | code_directives
        self.habits: collections.Counter[str] = collections.Counter()
        self.problems: list[Problem] = []
        self._tab_lines: set[int] = set()

    # -- helpers -------------------------------------------------------------

    def _problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def _blank_after(self, out: list[_Line], habit: str) -> None:
        """Insert a blank line carrying the number of the line before it."""
        out.append(_Line("", out[-1].origin if out else 1))
        self.habits[habit] += 1

    def _check_tabs(self, line: _Line) -> None:
        full = line.prefix + line.text
        lead = full[: len(full) - len(full.lstrip())]
        if "\t" in lead and line.origin not in self._tab_lines:
            self._tab_lines.add(line.origin)
            # Gregwar/RST counts a tab as two columns of list depth, docutils
            # as up to eight: the nesting may differ between the two.
            self._problem(
                line.origin,
                "tab in the indentation: Slidey counts it as 2 columns, docutils as 8; "
                "indent with spaces",
            )

    def _nested_body(self, lines: list[_Line]) -> list[_Line]:
        """Read indented content: strip its common indentation, read, restore."""
        widths = [_indent(line.text) for line in lines if not _blank(line.text)]
        if not widths:
            return list(lines)
        width = min(widths)
        return self.body([line.nested(width) for line in lines])

    @staticmethod
    def _block_end(lines: list[_Line], start: int) -> int:
        """First index at or after ``start`` of a non-blank unindented line."""
        end = start
        while end < len(lines) and (_blank(lines[end].text) or _indent(lines[end].text) > 0):
            end += 1
        return end

    @staticmethod
    def _trim_blanks(lines: list[_Line], start: int, end: int) -> int:
        while end > start and _blank(lines[end - 1].text):
            end -= 1
        return end

    def _title_at(self, lines: list[_Line], i: int) -> bool:
        """Whether a title (underlined, or over- and underlined) starts at ``i``."""
        if i + 1 >= len(lines):
            return False
        text, following = lines[i].text, lines[i + 1].text
        if _is_text(text) and _indent(following) == 0 and _is_underline(following):
            return True
        char = _adornment(text)
        return (
            char is not None
            and i + 2 < len(lines)
            and not _blank(following)
            and _adornment(lines[i + 2].text) == char
        )

    # -- the body ------------------------------------------------------------

    def body(self, lines: list[_Line]) -> list[_Line]:
        """Read a sequence of body elements at one level of indentation."""
        out: list[_Line] = []
        prev = "blank"  # what the last non-blank construct was
        literal_next = False  # the last paragraph ended with "::"
        i = 0
        while i < len(lines):
            line = lines[i]
            text = line.text
            if _blank(text):
                out.append(line)
                prev = "blank"
                i += 1
                continue
            self._check_tabs(line)
            if _indent(text) > 0:
                i, prev = self._indented(lines, i, out, prev, literal_next)
                literal_next = False
                continue
            literal_next = False
            if prev in ("block", "list") or (
                prev in ("paragraph", "deflist") and _is_explicit(text)
            ):
                habit = "markup-after-text" if _is_explicit(text) else "text-after-block"
                self._blank_after(out, habit)
            if _is_explicit(text):
                i, prev = self._explicit(lines, i, out)
            elif self._title_at(lines, i):
                i = self._title(lines, i, out)
                prev = "title"
            elif _ITEM.match(text) and (prev != "paragraph" or _SLIDEY_ITEM.match(text)):
                if prev == "paragraph":
                    self._blank_after(out, "list-after-paragraph")
                i = self._list(lines, i, out)
                prev = "list"
            elif prev == "blank" and (_GRID_TABLE.match(text) or _SIMPLE_TABLE.match(text)):
                end = i
                while end < len(lines) and not _blank(lines[end].text):
                    end += 1
                out.extend(lines[i:end])
                i, prev = end, "table"
            elif _adornment(text) is not None:
                # A transition (or a lone separator, which Slidey also draws).
                out.append(line)
                i, prev = i + 1, "title"
            else:
                i, literal_next, prev = self._paragraph(lines, i, out)
        return out

    def _indented(
        self, lines: list[_Line], i: int, out: list[_Line], prev: str, literal: bool
    ) -> tuple[int, str]:
        """An indented block at this level: literal block, block quote or definition."""
        end = self._trim_blanks(lines, i, self._block_end(lines, i))
        block = lines[i:end]
        if literal or prev == "paragraph-literal":
            out.extend(block)
            return end, "block"
        if prev in ("paragraph", "paragraph1") and _SLIDEY_ITEM.match(lines[i].text.lstrip()):
            # Slidey starts a (nested) list on this line; docutils needs the blank.
            self._blank_after(out, "list-after-paragraph")
            out.extend(self._nested_body(block))
            return end, "block"
        if prev == "paragraph1":
            # A one-line paragraph and an indented block: a definition list item.
            out.extend(self._nested_body(block))
            return end, "deflist"
        if prev == "paragraph":
            self._problem(
                lines[i].origin,
                "indented line right after a paragraph of several lines: Slidey joins it "
                "to the paragraph, docutils reports an unexpected indentation; "
                "add a blank line or unindent it",
            )
            out.extend(block)
            return end, "block"
        out.extend(self._nested_body(block))
        return end, "block"

    def _paragraph(self, lines: list[_Line], i: int, out: list[_Line]) -> tuple[int, bool, str]:
        """A paragraph: lines until a blank line or a construct that ends it in Slidey."""
        start = i
        end = i + 1
        while end < len(lines):
            text = lines[end].text
            if _blank(text) or _indent(text) > 0 or _is_explicit(text):
                break
            if _SLIDEY_ITEM.match(text):
                break
            if self._title_at(lines, end) and _adornment(text) is None:
                self._problem(
                    lines[end].origin,
                    "title right after a line of text: Slidey drops the text above it and "
                    "docutils refuses it; add a blank line before the title",
                )
                break
            if _is_mixed_adornment(text):
                self._problem(
                    lines[end].origin,
                    "line of mixed punctuation under a line of text: neither a title underline "
                    "nor a transition for Slidey; use one repeated character",
                )
            end += 1
        para = lines[start:end]
        self._close_strong(para)
        out.extend(para)
        literal = para[-1].text.rstrip().endswith("::")
        if end < len(lines) and not _blank(lines[end].text):
            nxt = lines[end].text
            if _indent(nxt) > 0:
                if literal:
                    return end, True, "paragraph-literal"
                return end, False, "paragraph1" if len(para) == 1 else "paragraph"
            if self._title_at(lines, end):
                return end, False, "blank"
        return end, literal, "paragraph"

    def _close_strong(self, para: list[_Line]) -> None:
        """Pair ``**`` as Gregwar/RST does, in a form docutils reads the same way.

        Its span renderer pairs ``**`` from the left with a lazy regular
        expression; an odd one out stays as two literal asterisks (escaped
        here, else docutils reports a start-string without end-string). A pair
        whose closing ``**`` follows a space (``**the network computes **the``)
        is bold for Slidey but not for docutils: the spaces move after the
        ``**``, which shows the same text. Line breaks stay where they are.
        """
        joined = "\n".join(line.text for line in para)
        masked = _PROTECTED.sub(lambda m: " " * len(m.group()), joined)
        found = [m.start() for m in _STRONG.finditer(masked)]
        if len(found) < 2 and len(found) % 2 == 0:
            return
        changed = False
        # Work from the end, so that earlier positions stay valid.
        if len(found) % 2:
            last = found.pop()
            joined = joined[:last] + "\\*\\*" + joined[last + 2 :]
            changed = True
        for end in reversed(found[1::2]):
            spaces = len(joined[:end]) - len(joined[:end].rstrip())
            if spaces:
                before = joined[: end - spaces]
                joined = before + "**" + joined[end - spaces : end] + joined[end + 2 :]
                changed = True
        if not changed:
            return
        for line, text in zip(para, joined.split("\n"), strict=True):
            line.text = text
        self.habits["unclosed-strong"] += 1

    def _title(self, lines: list[_Line], i: int, out: list[_Line]) -> int:
        """A title: lengthen short adornments to the title's display width."""
        first = lines[i].text
        if _is_text(first):
            title, under = lines[i], lines[i + 1]
            char = under.text.rstrip()[0]
            length = len(under.text.rstrip())
            width = column_width(title.text.rstrip())
            if width > length:
                if char in _SLIDEY_LETTERS:
                    under.text = char * width
                    self.habits["short-underline"] += 1
                else:
                    self._problem(
                        under.origin,
                        f"title underline of {char!r} shorter than its title, and Slidey does "
                        "not read that character as a title underline; lengthen it or use "
                        'one of = - ~ * ^ "',
                    )
            out.extend([title, under])
            return i + 2
        over, title, under = lines[i], lines[i + 1], lines[i + 2]
        char = first.rstrip()[0]
        lengths = (len(over.text.rstrip()), len(under.text.rstrip()))
        target = max(*lengths, column_width(title.text.rstrip()))
        if lengths != (target, target):
            over.text = under.text = char * target
            self.habits["short-underline"] += 1
        out.extend([over, title, under])
        return i + 3

    def _list(self, lines: list[_Line], i: int, out: list[_Line]) -> int:
        """Consecutive list items, each body read as nested content."""
        while i < len(lines):
            first = lines[i]
            match = _ITEM.match(first.text)
            if not match or _indent(first.text) > 0:
                break
            marker = match.end()
            rest = first.text[marker:]
            head = _Line(rest, first.origin, first.prefix + first.text[:marker])
            body = [head]
            j = i + 1
            while j < len(lines):
                text = lines[j].text
                if _blank(text):
                    after = j
                    while after < len(lines) and _blank(lines[after].text):
                        after += 1
                    if after < len(lines) and _indent(lines[after].text) > 0:
                        body.extend(lines[j:after])
                        j = after
                        continue
                    break
                if _indent(text) > 0:
                    body.append(lines[j])
                    j += 1
                    continue
                if (
                    not _blank(lines[j - 1].text)
                    and not _ITEM.match(text)
                    and not _is_explicit(text)
                    and not self._title_at(lines, j)
                    and _adornment(text) is None
                ):
                    # Gregwar/RST continues the item with this line (its
                    # "list flow"); docutils needs it indented.
                    width = marker if rest.strip() else 2
                    lazy = lines[j]
                    body.append(_Line(" " * width + lazy.text, lazy.origin, lazy.prefix))
                    self.habits["lazy-continuation"] += 1
                    j += 1
                    continue
                break
            widths = [_indent(line.text) for line in body[1:] if not _blank(line.text)]
            width = min([marker if rest.strip() else min(widths, default=marker), *widths])
            nested = [head] + [line.nested(width) for line in body[1:]]
            out.extend(self.body(nested))
            i = j
            if i < len(lines) and _blank(lines[i].text):
                break
        return i

    def _explicit(self, lines: list[_Line], i: int, out: list[_Line]) -> tuple[int, str]:
        """A directive, comment, target or footnote, with its indented block."""
        line = lines[i]
        match = _DIRECTIVE.match(line.text)
        name = match.group("name").lower() if match else ""
        arg = (match.group("arg") or "").strip() if match else ""
        j = i + 1
        if match:
            while j < len(lines) and _OPTION.match(lines[j].text):
                j += 1
        out.extend(lines[i:j])
        if j < len(lines) and not _blank(lines[j].text):
            nxt = lines[j]
            if _indent(nxt.text) > 0:
                # An argument on the directive line may continue on the next
                # line (substitutions, long paths): only code, images, the
                # markers whose argument is a keyword of its line (``.. step::
                # reset``, ``.. slide:: classes``) and directives without
                # argument or with options are glued.
                glued = name in self.code_directives or name in _IMAGES or name in _KEYWORD_ARGUMENT
                if match and (not arg or j > i + 1 or glued):
                    if name in self.code_directives:
                        habit = "code-after-directive"
                    elif name == "figure" and j > i + 1:
                        habit = "caption-after-options"
                    else:
                        habit = "content-after-directive"
                    self._blank_after(out, habit)
            elif not _is_explicit(nxt.text):
                if match and name in _WRAP_DIRECTIVES and not self._title_at(lines, j):
                    return self._wrap_next(lines, j, out), "block"
                habit = (
                    "title-after-slide"
                    if name == "slide" and self._title_at(lines, j)
                    else "text-after-directive"
                )
                self._blank_after(out, habit)
                return j, "blank"
        end = self._block_end(lines, j)
        content_end = self._trim_blanks(lines, j, end)
        content = lines[j:content_end]
        if not match or name in self.literal_directives:
            out.extend(content)
        else:
            out.extend(self._nested_body(content))
        if content_end == end and end < len(lines) and not _is_explicit(lines[end].text):
            self._blank_after(out, "text-after-directive")
        return content_end, "markup"

    def _wrap_next(self, lines: list[_Line], j: int, out: list[_Line]) -> int:
        """Indent the unindented node that a note-like directive wraps in Slidey."""
        end = j
        while end < len(lines) and not _blank(lines[end].text):
            end += 1
        self._blank_after(out, "unindented-content")
        wrapped = [_Line(line.text, line.origin, line.prefix + "    ") for line in lines[j:end]]
        out.extend(self.body(wrapped))
        return end

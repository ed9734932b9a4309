"""Pure core of the examples: which programs a chapter holds, how they run,
their names, their scripts, their cache keys, and whether an excerpt still
matches its program.

A *program* is a Python code block that runs: a ``code-block:: python`` or a
``full-program`` directive. On a page in *session* mode (the default) its
blocks run in order in one namespace, like the cells of the learners'
notebook (a :class:`Session`); a block marked ``:isolated:``, a
``full-program``, and every block of a page in *isolated* mode runs alone.
An *excerpt* is a code block that shows part of a program (``:excerpt-of:
NAME``); it does not run on its own.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import platform
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from coursekit.config import FAKE_GPU

#: Languages that are Python code blocks.
PYTHON = {"python", "python3", "py", "ipython", "ipython3"}
#: Bumped when the way programs are run, or how their results are stored, changes.
RUNNER_VERSION = "3"
#: An excerpt line that stands for omitted code.
ELLIPSIS = re.compile(r"^\s*(\.\.\.|…)\s*$")
#: How a page's blocks run: together, as notebook cells, or each alone.
MODES = ("session", "isolated")


@dataclass(frozen=True)
class Program:
    """One program of a chapter, as the chapter states it.

    ``line`` is the chapter line of the code's first line; ``directive_line``
    is the line of the directive itself (what messages name).
    """

    docname: str
    source: str
    directive_line: int
    line: int
    section: str
    code: str
    name: str = ""
    title: str = ""
    timeout: float = 60.0
    expect_error: bool = False
    #: Runs alone even on a session page (``:isolated:``, ``full-program``).
    isolated: bool = False
    #: Its output is made by ``make freeze`` and committed (``:freeze:``).
    freeze: bool = False
    #: It needs CUDA (``:gpu:``): it runs only where there is a GPU.
    gpu: bool = False

    @property
    def slug(self) -> str:
        """What the program is, for its file name: its name, else its section's title."""
        title = re.sub(r"^\W*?\d+(\.\d+)*\.?\s*", "", self.section)
        return self.name or slugify(title) or "program"

    @property
    def where(self) -> str:
        """Where the program is, stable while its code changes: for the timings."""
        return f"{self.docname}#{self.slug}"

    def key(self, fingerprint: str) -> str:
        """Content address of the program's results.

        A program whose error is the point shows a traceback naming its page
        and lines: where it stands is part of its result too.
        """
        where = f"{self.source}:{self.line}" if self.expect_error else ""
        return hashlib.sha256(
            f"{fingerprint}\n{self.expect_error}\n{where}\n{self.code}".encode()
        ).hexdigest()


@dataclass(frozen=True)
class Session:
    """The blocks of one page that run in order in one namespace."""

    docname: str
    source: str
    cells: tuple[Program, ...]

    @property
    def where(self) -> str:
        """Stable while the code changes: for the timings."""
        return f"{self.docname}#session"

    def key(self, fingerprint: str) -> str:
        """Content address of the session's results: every cell's code, in order.

        Line numbers are not part of it (editing a paragraph above a block must
        not rerun the page): tracebacks are moved to the current lines when
        shown (:func:`relocate`).
        """
        digest = hashlib.sha256(f"{fingerprint}\nsession".encode())
        for cell in self.cells:
            digest.update(f"\n--cell {cell.expect_error} {cell.timeout}\n{cell.code}".encode())
        return digest.hexdigest()


def split_page(programs: list[Program], mode: str) -> tuple[list[Program], list[Program]]:
    """A page's programs as (session cells, programs that run alone), in page order."""
    if mode == "isolated":
        return [], list(programs)
    cells = [program for program in programs if not program.isolated]
    alone = [program for program in programs if program.isolated]
    return cells, alone


def relocate(text: str, source: str, then: list[tuple[int, int]], now: list[int]) -> str:
    """Move the chapter line numbers a traceback names to where the cells are now.

    ``then`` gives, per cell, (first line, number of lines) when it ran;
    ``now`` its first line today. Lines outside every cell are left alone.
    """
    if [start for start, _ in then] == now:
        return text
    pattern = re.compile(rf'(File "{re.escape(source)}", line )(\d+)')

    def moved(match: re.Match) -> str:
        line = int(match.group(2))
        for (start, size), new in zip(then, now, strict=True):
            if start <= line < start + size:
                return f"{match.group(1)}{new + line - start}"
        return match.group(0)

    return pattern.sub(moved, text)


@dataclass(frozen=True)
class Excerpt:
    """A code block that shows part of the program called ``program``."""

    docname: str
    source: str
    directive_line: int
    code: str
    program: str


def slugify(text: str) -> str:
    """ASCII, lowercase, dash-separated: a name fit for a file."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    if len(slug) > 48:  # keep file names short, cut between words
        slug = slug[:48].rsplit("-", 1)[0]
    return slug


def section_number(title: str) -> str:
    """The leading number of a section title ("5.6. Foo" -> "5.6"), or ""."""
    match = re.match(r"^\W*?(\d+(?:\.\d+)*)", title.strip())
    return match.group(1) if match else ""


def script_name(index: int, program: Program) -> str:
    """Stable file name: position in the chapter, section number, what it is."""
    section = section_number(program.section)
    part = f"s{section.replace('.', '-')}_" if section else ""
    return f"{index:02d}_{part}{program.slug}.py"


def script_text(program: Program) -> str:
    """The runnable script of a program, with a header that names its source."""
    where = f"{program.source}, code block at line {program.directive_line}"
    header = [
        f"# {program.section}" if program.section else "#",
        f"# Source: {where}.",
        "# Generated by `make examples`: edit the chapter, not this file.",
    ]
    return "\n".join(header) + "\n\n" + program.code.rstrip("\n") + "\n"


def cell_header(program: Program) -> str:
    """The comment that heads a cell of a page's notebook: where the block is."""
    return f"# {program.source}:{program.directive_line}"


def notebook_cells(session: Session) -> list[str]:
    """The code of each cell of a page's notebook, headed by its file:line."""
    return [f"{cell_header(cell)}\n{cell.code.rstrip()}" for cell in session.cells]


def fingerprint(device: str, packages: tuple[str, ...]) -> str:
    """What, besides its code, shapes a program's output: versions and device."""
    versions = []
    for name in packages:
        try:
            versions.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name}==absent")
    python = platform.python_version()
    runner = f"runner {RUNNER_VERSION} {runner_digest()}"
    return f"{runner}; python {python}; {'; '.join(versions)}; device {device}"


@functools.cache
def runner_digest() -> str:
    """A hash of the code that runs programs (``coursekit/run/``): changing how a
    block runs (what a shell escape returns, how a value is shown) changes every
    key, so that no cached result made by another runner is shown."""
    digest = hashlib.sha256()
    for path in sorted((Path(__file__).resolve().parents[1] / "run").glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def fingerprint_of(packages: tuple[str, ...]) -> str:
    """This process's fingerprint: computed once, it cannot change during a build."""
    return fingerprint(probable_device(), packages)


def probable_device() -> str:
    """ "cuda" when this machine has an NVIDIA GPU, else "cpu", without importing torch.

    Importing torch costs over a second; the cache key must be known on a
    no-op build, which runs no program. The device a program really used is
    recorded with its result. ``COURSEKIT_FAKE_GPU`` (tests) passes for a GPU.
    """
    if os.environ.get(FAKE_GPU, "").strip():
        return "cuda"
    return "cuda" if Path("/proc/driver/nvidia/gpus").is_dir() else "cpu"


def code_lines(code: str) -> list[str]:
    """The meaningful lines of code: stripped, without blanks or ellipses."""
    return [line.strip() for line in code.splitlines() if line.strip() and not ELLIPSIS.match(line)]


def missing_excerpt_line(excerpt: str, program: str) -> str | None:
    """The first excerpt line not found, in order, among the program's lines.

    Lines are compared stripped of indentation; blank and ``...`` lines of
    the excerpt stand for omitted code. None when the whole excerpt matches.
    """
    wanted = code_lines(excerpt)
    available = iter(code_lines(program))
    for line in wanted:
        if not any(line == candidate for candidate in available):
            return line
    return None

"""Rewrite Slidey-dialect pages as standard reST.

Usage: ``python -m coursekit.tools.fix [--check] FILE...``

Each file is read with :func:`coursekit.core.dialect.read_dialect`; the tool
prints a unified diff of what it changes and the habits it met, then rewrites
the file. With ``--check`` it writes nothing and exits 1 when a file would
change. Problems are printed as ``FILE:LINE: message`` and make it exit 1.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import TextIO

from coursekit.config import CODE_DIRECTIVES
from coursekit.core.dialect import HABITS, read_dialect


def fix_file(path: Path, *, check: bool, out: TextIO | None = None) -> tuple[bool, int]:
    """Read one page; print its diff, habits and problems; rewrite it unless ``check``.

    Returns whether the file changes (or would change) and how many problems it has.
    """
    out = out or sys.stdout
    source = path.read_text(encoding="utf-8")
    reading = read_dialect(source, CODE_DIRECTIVES)
    changed = reading.text != source
    if changed:
        diff = difflib.unified_diff(
            source.splitlines(keepends=True),
            reading.text.splitlines(keepends=True),
            fromfile=f"{path} (dialect)",
            tofile=f"{path} (standard reST)",
        )
        out.writelines(diff)
    for habit, count in sorted(reading.habits.items()):
        print(f"{path}: {count} × {HABITS[habit]} [{habit}]", file=out)
    for problem in reading.problems:
        print(f"{path}:{problem.line}: {problem.message}", file=out)
    if changed and not check:
        path.write_text(reading.text, encoding="utf-8")
    return changed, len(reading.problems)


def main(argv: list[str] | None = None) -> int:
    """Run the tool; return its exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.tools.fix",
        description="Rewrite Slidey-dialect .rst pages as standard reST.",
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on change")
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    args = parser.parse_args(argv)
    status = 0
    for path in args.files:
        changed, problems = fix_file(path, check=args.check)
        if problems or (changed and args.check):
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())

"""``make bench``: how long the build takes, on a fresh copy of the project.

Scenarios (medians of ``--runs`` runs, default 3): a cold ``make html`` (both
outputs, every program executed), a no-op rebuild, a rebuild after editing one
paragraph, a rebuild after editing one code block, and one ``make test``.
Reference figures measured in the same run: the Sphinx-only build (same docs,
execution switched off) and the compute floor (every program run one after
the other in one warm process, imports excluded). Prints a table and whether
each target is met.

The bench knows no course. It edits the chapter ``--chapter`` (default: the
first ``.rst`` of the sources with a ``.. code-block:: python`` that runs): a
word is appended to its first plain paragraph, a comment to the first line of
its first running Python code block. The compute floor preloads the modules
of the project's ``coursekit_preload`` (read from its ``conf.py``), as the
program server does.

Usage: python -m coursekit.tools.bench [--runs N] [--skip-test] [--chapter docs/X.rst]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coursekit.config import BUILD_DIR, DECK_BUILDERS, DECK_DIR, SUMMARY_PATTERN, TEXT_BUILDER

#: The project's layout, as its Makefile has it: sources in docs/, ``-c .``.
SOURCES = "docs"
CONF = "conf.py"
VENV = ".venv"
LINE = re.compile(SUMMARY_PATTERN)
LINE_FLOAT = re.compile(r"^\d+\.\d+(e-?\d+)?$")

#: A Python code block that runs (an excerpt or a :no-run: block does not).
CODE_BLOCK = re.compile(r"^(\s*)\.\. code-block::\s+(python3?|py)\s*$")
OPTION = re.compile(r"^\s+:([\w-]+):")
NOT_RUN = {"excerpt-of", "no-run"}
#: Lines that start something other than a plain paragraph.
NOT_PLAIN = re.compile(r"^(\.\.|[-*+•|:>]\s|#\.|\d+[.)]\s|[=\-~^\"'`#*+_.:<>]{3,}\s*$|\+-)")

#: Runs in the project: the compute floor. Reads the preload from conf.py
#: here, in its own process: a conf.py may import anything (Sphinx too), and
#: the tools never import Sphinx.
FLOOR_SCRIPT = r"""
import contextlib, importlib, io, json, runpy, sys, time
from coursekit.config import default
conf = runpy.run_path(sys.argv[1])
for name in conf.get("coursekit_preload", default("coursekit_preload")):
    importlib.import_module(name)
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.show = lambda *a, **k: plt.close("all")
except ImportError:
    plt = None
codes = []
for path in sys.argv[2:]:
    if path.endswith(".md"):
        import jupytext
        nb = jupytext.read(path)
        codes.append("\n\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    else:
        codes.append(open(path, encoding="utf-8").read())
start = time.perf_counter()
for code in codes:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "program", "exec"), {"__name__": "__main__"})
    if plt is not None:
        plt.close("all")
print(json.dumps(time.perf_counter() - start))
"""


def run(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return wall, done.stdout + done.stderr


def counts(output: str) -> tuple[int, int]:
    """Programs executed (all builders) and taken from the cache (first builder)."""
    lines = list(LINE.finditer(output))
    executed = sum(int(line["run"]) for line in lines)
    cached = int(lines[0]["cached"]) if lines else 0
    return executed, cached


def fresh_copy(project: Path, target: Path) -> Path:
    """A clone of the project's last commit, using the project's environment."""
    subprocess.run(["git", "clone", "-q", str(project), str(target)], check=True)
    venv = project / VENV if (project / VENV).is_dir() else Path(sys.prefix)
    os.symlink(venv.resolve(), target / VENV)  # the pinned environment, not a reinstall
    return target


def running_code_line(lines: list[str]) -> int | None:
    """Index of the first code line of the first Python code block that runs."""
    for index, line in enumerate(lines):
        directive = CODE_BLOCK.match(line)
        if not directive:
            continue
        indent, options, body = len(directive.group(1)), set(), index + 1
        while body < len(lines) and (option := OPTION.match(lines[body])):
            options.add(option.group(1))
            body += 1
        if options & NOT_RUN:
            continue
        for code in range(body, len(lines)):
            text = lines[code]
            if not text.strip():
                continue
            if len(text) - len(text.lstrip()) <= indent:
                break  # an empty block
            if not text.rstrip().endswith("\\"):
                return code
    return None


def plain_paragraph_line(lines: list[str]) -> int | None:
    """Index of the last line of the first plain paragraph (not a title, list, directive…).

    A paragraph at the margin, between blank lines; the word goes at the end
    of its last line, where no inline markup can be left open.
    """
    start = None
    for index, line in enumerate([*lines, ""]):
        if line.strip():
            if start is None and (index == 0 or not lines[index - 1].strip()):
                start = index
            continue
        if start is not None and index > start:
            block = lines[start:index]
            plain = all(
                not text[0].isspace() and not NOT_PLAIN.match(text) for text in block
            ) and not block[-1].rstrip().endswith("::")
            if plain and block[0].lstrip()[0].isalnum():
                return index - 1
        start = None
    return None


def default_chapter(project: Path) -> Path | None:
    """The first ``.rst`` of the sources with a running Python code block."""
    for path in sorted((project / SOURCES).rglob("*.rst")):
        parts = path.relative_to(project / SOURCES).parts
        if any(part.startswith(("_", ".")) for part in parts):
            continue
        if running_code_line(path.read_text(encoding="utf-8").splitlines()) is not None:
            return path.relative_to(project)
    return None


def append_to_line(path: Path, index: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    body = lines[index].rstrip("\r\n")
    lines[index] = body + text + lines[index][len(body) :]
    path.write_text("".join(lines), encoding="utf-8")


def notebooks(sources: Path) -> list[Path]:
    """The sources that are Jupytext notebooks (Markdown with a kernel)."""
    found = []
    for path in sorted(sources.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        if text.startswith("---") and "kernelspec:" in text.split("\n---", 1)[0]:
            found.append(path)
    return found


def main(argv: list[str] | None = None) -> int:
    """Run the bench; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.tools.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-test", action="store_true", help="do not time make test")
    parser.add_argument(
        "--chapter",
        type=Path,
        help="the .rst page to edit, relative to the project (default: the first "
        f"{SOURCES}/*.rst with a running '.. code-block:: python')",
    )
    parser.add_argument(
        "--project", type=Path, default=Path.cwd(), help="the project (default: here)"
    )
    args = parser.parse_args(argv)
    project = args.project.resolve()
    chapter_name = args.chapter or default_chapter(project)
    if chapter_name is None:
        print(f"no .rst in {project / SOURCES} has a running Python code block", file=sys.stderr)
        return 2
    chapter_name = Path(chapter_name)
    if chapter_name.is_absolute():
        chapter_name = chapter_name.relative_to(project)
    lines = (project / chapter_name).read_text(encoding="utf-8").splitlines()
    paragraph, code = plain_paragraph_line(lines), running_code_line(lines)
    if paragraph is None or code is None:
        what = "plain paragraph" if paragraph is None else "running Python code block"
        print(f"{chapter_name}: no {what} to edit", file=sys.stderr)
        return 2
    print(f"editing {chapter_name}: paragraph line {paragraph + 1}, code line {code + 1}")

    make = ["make", "--no-print-directory", "STAMP="]  # STAMP= : the environment is ready
    rows: dict[str, list[tuple[float, int, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="coursekit-bench-") as tmp:
        repo = fresh_copy(project, Path(tmp) / "repo")
        chapter = repo / chapter_name
        py = str(repo / VENV / "bin" / "python")

        for _ in range(args.runs):
            shutil.rmtree(repo / BUILD_DIR, ignore_errors=True)
            for png in (repo / SOURCES / "images").glob("*.png"):
                png.unlink()
            wall, out = run([*make, "html"], repo)
            rows.setdefault("cold build (make html)", []).append((wall, *counts(out)))
        for _ in range(args.runs):
            wall, out = run([*make, "html"], repo)
            rows.setdefault("no-op rebuild", []).append((wall, *counts(out)))
        for n in range(args.runs):
            append_to_line(chapter, paragraph, f" bench{n}")
            wall, out = run([*make, "html"], repo)
            rows.setdefault("paragraph edited", []).append((wall, *counts(out)))
        for n in range(args.runs):
            append_to_line(chapter, code, f"  # bench {n}")
            wall, out = run([*make, "html"], repo)
            rows.setdefault("one code block edited", []).append((wall, *counts(out)))
        if not args.skip_test:
            # The edits above would (rightly) fail the test that examples/ is up to date.
            subprocess.run(["git", "checkout", "-q", "--", str(chapter_name)], cwd=repo, check=True)
            wall, out = run([*make, "test"], repo)
            rows["make test"] = [(wall, 0, 0)]

        sphinx_only = []
        for n in range(args.runs):
            out_dir = Path(tmp) / f"sphinx-only-{n}"
            start = time.perf_counter()
            for builder, dest in ((TEXT_BUILDER, "html"), (DECK_BUILDERS[0], f"html/{DECK_DIR}")):
                cmd = [
                    py,
                    "-m",
                    "sphinx",
                    "-q",
                    "-c",
                    str(repo),
                    "-b",
                    builder,
                    "-D",
                    "coursekit_execute=0",
                    "-D",
                    "nb_execution_mode=off",
                    "-d",
                    str(out_dir / f"doctrees-{builder}"),
                    str(repo / SOURCES),
                    str(out_dir / dest),
                ]
                run(cmd, repo)
            sphinx_only.append(time.perf_counter() - start)
        programs = sorted(str(p) for p in (repo / "examples").rglob("*.py"))
        programs += [str(p) for p in notebooks(repo / SOURCES)]
        floors = []
        for _ in range(args.runs):
            _, out = run(
                [py, "-c", FLOOR_SCRIPT, str(repo / CONF), *programs],
                repo,
                env={**os.environ, "MPLBACKEND": "Agg"},
            )
            floors.append(float(next(x for x in reversed(out.splitlines()) if LINE_FLOAT.match(x))))

    cores = os.cpu_count() or 1
    sphinx_ref, floor = statistics.median(sphinx_only), statistics.median(floors)
    print(f"{'scenario':<26} {'wall (s)':>9} {'executed':>9} {'from cache':>11}")
    medians = {}
    for name, values in rows.items():
        wall = statistics.median(v[0] for v in values)
        medians[name] = (wall, values)
        executed = "/".join(str(v[1]) for v in values)
        cached = "/".join(str(v[2]) for v in values)
        print(f"{name:<26} {wall:>9.2f} {executed:>9} {cached:>11}")
    print(f"{'Sphinx only (no execution)':<26} {sphinx_ref:>9.2f}")
    print(f"{'compute floor (warm)':<26} {floor:>9.2f}   ({len(programs)} programs, {cores} cores)")
    cold_target = 1.25 * (sphinx_ref + floor / cores)
    checks = [
        (
            "no-op ≤ 1.5 s, 0 executed",
            medians["no-op rebuild"][0] <= 1.5
            and all(v[1] == 0 for v in medians["no-op rebuild"][1]),
        ),
        (
            "paragraph edit ≤ 2.5 s, 0 executed",
            medians["paragraph edited"][0] <= 2.5
            and all(v[1] == 0 for v in medians["paragraph edited"][1]),
        ),
        (
            "code edit runs only its program",
            all(v[1] == 1 for v in medians["one code block edited"][1]),
        ),
        (
            f"cold ≤ 1.25 × ({sphinx_ref:.2f} + {floor:.2f} / {cores}) = {cold_target:.2f} s",
            medians["cold build (make html)"][0] <= cold_target,
        ),
    ]
    print()
    for label, ok in checks:
        print(f"{'met   ' if ok else 'MISSED'} {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

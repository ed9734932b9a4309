"""``make bench``: how long the build takes, on a fresh copy of the project.

Each scenario is measured ``--runs`` times (default 3) and its median printed
beside its target and its reference, in one table:

- **cold** ``make html`` (both outputs, every program and figure run): against
  1.25 × (Sphinx only + compute floor ÷ cores). *Sphinx only* is the same
  ``make html`` with execution off and the figures already drawn; the *compute
  floor* is every program, notebook cell and figure script run one after the
  other in one warm process (imports excluded). Beside it, what a cold build
  pays that neither counts, measured too: the CPU time of the zygote's imports
  (the course's preload, torch's) and of a job that does nothing (fork, start,
  exit, result files), and the target with them counted.
- **no-op** ``make html`` with nothing changed: ≤ 1.5 s.
- **a Sphinx run with nothing to do**, each builder as ``make`` runs it (through
  the warm build server): ≤ 1.5 × plain Sphinx (no configuration, no
  extension) with nothing to do on the same sources.
- **one paragraph edited**: ≤ 2.5 s (chapter) or 3 s (course), no program run,
  only that page read again by each builder.
- **the same edit seen in ``make live``**: the file written, then the served
  page polled until it shows the edit: ≤ 2 s.
- **one code block edited**: only that page's session runs; ≤ its run time + 2.5 s.
- ``make test`` (once; not with ``--skip-test``).

``--course chapter`` (the default) measures the project as it is, editing the
chapter ``--chapter`` (default: the first ``.rst`` with a ``.. code-block::
python`` that runs). ``--course synthetic`` measures it too, then a generated
course of 30 pages of 15 slides, 8 notebook-style blocks and one figure each
(:mod:`coursekit.tools.synthetic`) in another copy of the project. Figures,
not assertions: the test suite never times anything.

Usage: python -m coursekit.tools.bench [--course chapter|synthetic] [--runs N]
           [--skip-test] [--chapter docs/X.rst]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from coursekit.config import BUILD_DIR, DECK_BUILDERS, DECK_DIR, SUMMARY_PATTERN, TEXT_BUILDER
from coursekit.run.warm import SWITCH as WARM_SWITCH
from coursekit.tools.synthetic import write_course

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

#: How each script below that runs in the project starts: ``PRELOAD`` is the
#: ``coursekit_preload`` of the conf.py given as its first argument.
CONF_PRELOAD = r"""
import runpy, sys
from coursekit.config import default
PRELOAD = runpy.run_path(sys.argv[1]).get("coursekit_preload", default("coursekit_preload"))
"""

#: Runs in the project: the compute floor. Reads the preload from conf.py
#: here, in its own process: a conf.py may import anything (Sphinx too), and
#: the tools never import Sphinx. Programs are cells: a notebook's code cells,
#: a session script's ``# %%`` cells, a whole program; a cell that does not
#: compile (an exercise) is left out and one that raises ends its program, as
#: the build does. Figure scripts get the PNG path they are given (their
#: output, the figures they leave open are closed). The figures a program
#: shows are its output: each is drawn to a PNG (in memory) when it is shown
#: and when its cell ends, as the build draws them (100 dpi).
FLOOR_SCRIPT = (
    CONF_PRELOAD
    + r"""
import contextlib, importlib, io, json, os, tempfile, time
for name in PRELOAD:
    importlib.import_module(name)
import jupytext
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
def show(*args, **kwargs):
    for number in plt.get_fignums():
        plt.figure(number).savefig(io.BytesIO(), format="png", dpi=100)
    plt.close("all")
plt.show = show
programs = []
for path in sys.argv[2:]:
    figure = "/images/" in path
    if path.endswith(".md") or (not figure and "# %%" in open(path, encoding="utf-8").read()):
        nb = jupytext.read(path)
        cells = [c.source for c in nb.cells if c.cell_type == "code"]
    else:
        cells = [open(path, encoding="utf-8").read()]
    compiled = []
    for cell in cells:
        try:
            compiled.append(compile(cell, path, "exec"))
        except SyntaxError:
            pass  # an exercise skeleton, or IPython syntax: the build does not time it either
    programs.append((figure, compiled))
scratch = tempfile.TemporaryDirectory()
out = os.path.join(scratch.name, "figure.png")
start = time.perf_counter()
for figure, cells in programs:
    sys.argv = ["figure.py", out]
    namespace = {"__name__": "__main__"}
    with contextlib.redirect_stdout(io.StringIO()):
        for code in cells:
            try:
                exec(code, namespace)
            except Exception:
                break
            finally:
                plt.close("all") if figure else show()
print(json.dumps(time.perf_counter() - start))
"""
)

#: Runs in the project: the CPU time of what the programs' zygote imports once
#: per cold build (matplotlib, IPython's shell, the preload): neither the floor
#: (imports excluded) nor Sphinx only pays it.
IMPORTS_SCRIPT = (
    CONF_PRELOAD
    + r"""
import time
start = time.process_time()
from coursekit.run.server import preload
preload(PRELOAD)
print(time.process_time() - start)
"""
)

#: Runs in the project: the machine's CPU time per job that does nothing (the
#: fork of a warm server, the child's start and exit, its result files, their
#: reading), on an otherwise idle machine: every job of a build pays it.
JOB_COST_SCRIPT = (
    CONF_PRELOAD
    + r"""
import tempfile
from pathlib import Path
from coursekit.run.runner import Job
from coursekit.run.scheduler import Scheduler
def busy():
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    return (sum(fields) - fields[3] - fields[4]) / 100
with Scheduler(preload=PRELOAD) as runner, tempfile.TemporaryDirectory() as results:
    runner.run([Job("warm", "pass")], Path(results))
    before = busy()
    runner.run([Job(f"job{n}", "pass") for n in range(40)], Path(results))
    print((busy() - before) / 40)
"""
)


def last_float(output: str) -> float:
    return float(next(x for x in reversed(output.splitlines()) if LINE_FLOAT.match(x)))


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


@dataclass
class Row:
    """One scenario's runs, and what it is held to."""

    course: str
    name: str
    walls: list[float] = field(default_factory=list)
    target: float | None = None
    reference: str = ""
    details: list[str] = field(default_factory=list)
    ok: list[bool] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def met(self) -> bool:
        return all(self.ok) and (self.target is None or self.wall <= self.target)


def builds(output: str) -> dict[str, str]:
    """The output of each Sphinx run of ``make``'s output, by builder name."""
    found = {}
    for part in output.split("Running Sphinx v")[1:]:
        # "building [mo]" (the translations) comes first; then the builder's own.
        names = [n for n in re.findall(r"building \[([\w-]+)\]", part) if n != "mo"]
        found[names[0] if names else "?"] = part
    return found


def pages_read(output: str) -> dict[str, list[str]]:
    """The pages each builder read again, from ``make``'s (non-quiet) output."""
    return {
        builder: re.findall(r"reading sources\.\.\. \[\s*\d+%\] (\S+)", part)
        for builder, part in builds(output).items()
    }


def wait_for(url: str, word: str, limit: float) -> float | None:
    """Seconds until the page at ``url`` contains ``word`` (polled), or None."""
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        try:
            with urllib.request.urlopen(url, timeout=2) as page:
                if word in page.read().decode("utf-8", "replace"):
                    return time.perf_counter() - start
        except (OSError, http.client.HTTPException):
            pass  # not served yet, or caught while Sphinx rewrites it
        time.sleep(0.02)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Project:
    """A fresh copy of the project, measured scenario by scenario."""

    MAKE = ("make", "--no-print-directory", "STAMP=")  # STAMP= : the environment is ready

    def __init__(self, repo: Path, course: str, chapter: Path, runs: int) -> None:
        self.repo, self.course, self.runs = repo, course, runs
        self.chapter = repo / chapter
        lines = self.chapter.read_text(encoding="utf-8").splitlines()
        self.paragraph, self.code = plain_paragraph_line(lines), running_code_line(lines)
        self.page = chapter.with_suffix("").name
        self.py = str(repo / VENV / "bin" / "python")
        self.rows: list[Row] = []

    def row(self, name: str, **kwargs) -> Row:
        self.rows.append(Row(self.course, name, **kwargs))
        return self.rows[-1]

    def make(self, *targets: str, env: dict | None = None) -> tuple[float, str]:
        return run([*self.MAKE, *targets], self.repo, env)

    def stop_server(self) -> None:
        """No warm process left: the build server, and the program servers' zygotes."""
        subprocess.run([self.py, "-m", "coursekit.tools.buildserver", "--stop"], cwd=self.repo)
        subprocess.run(
            [self.py, "-m", "coursekit.run.warm", "--stop"], cwd=self.repo, capture_output=True
        )

    def clean(self) -> None:
        self.stop_server()
        shutil.rmtree(self.repo / BUILD_DIR, ignore_errors=True)
        for png in (self.repo / SOURCES / "images").glob("*.png"):
            png.unlink()

    def cold(self) -> None:
        cold = self.row("cold make html")
        for _ in range(self.runs):
            self.clean()
            wall, out = self.make("html")
            executed, _ = counts(out)
            cold.walls.append(wall)
            cold.details.append(f"{executed} jobs run")
        # Sphinx only: the same build, execution off, the figures drawn already.
        only = []
        for _ in range(self.runs):
            shutil.rmtree(self.repo / BUILD_DIR, ignore_errors=True)
            only.append(self.sphinx_only())
        shutil.rmtree(self.repo / BUILD_DIR, ignore_errors=True)
        self.make("html", "examples")  # the build the next scenarios start from
        programs = sorted(str(p) for p in (self.repo / "examples").rglob("*.py"))
        programs += [str(p) for p in notebooks(self.repo / SOURCES)]
        programs += sorted(str(p) for p in (self.repo / SOURCES / "images").glob("*.py"))
        floors = []
        for _ in range(self.runs):
            _, out = run(
                [self.py, "-c", FLOOR_SCRIPT, str(self.repo / CONF), *programs],
                self.repo,
                env={**os.environ, "MPLBACKEND": "Agg"},
            )
            floors.append(last_float(out))
        cores = os.cpu_count() or 1
        self.sphinx_only, floor = statistics.median(only), statistics.median(floors)
        cold.target = 1.25 * (self.sphinx_only + floor / cores)
        cold.reference = (
            f"Sphinx only {self.sphinx_only:.2f} s, floor {floor:.2f} s "
            f"({len(programs)} programs) / {cores} cores"
        )
        # Not in the target: what a cold build pays besides, measured here.
        conf = str(self.repo / CONF)
        imports = statistics.median(
            last_float(run([self.py, "-c", IMPORTS_SCRIPT, conf], self.repo)[1])
            for _ in range(self.runs)
        )
        per_job = last_float(run([self.py, "-c", JOB_COST_SCRIPT, conf], self.repo)[1])
        counted = 1.25 * (self.sphinx_only + (floor + imports + len(programs) * per_job) / cores)
        cold.details.append(
            f"not in the target: the zygote's imports {imports:.2f} CPU-s, "
            f"{per_job * 1000:.0f} ms of CPU per job ({len(programs)}); "
            f"the target with them: {counted:.2f} s"
        )

    def sphinx_only(self) -> float:
        """Both outputs side by side, as ``make html`` builds them, execution off.

        Not strict: without their run, the notebooks' glued numbers warn.
        """
        html = f"{BUILD_DIR}/html"
        self.stop_server()  # from a cold start, as the cold build it is compared with
        start = time.perf_counter()
        options = ["-c", ".", "-q", "-D", "coursekit_execute=0", "-D", "nb_execution_mode=off"]
        server = [self.py, "-m", "coursekit.tools.buildserver", *options]
        outputs = ((TEXT_BUILDER, html), (DECK_BUILDERS[0], f"{html}/{DECK_DIR}"))
        processes = [
            subprocess.Popen(
                [*server, "-b", builder, "-d", f"{BUILD_DIR}/doctrees/{builder}", SOURCES, out],
                cwd=self.repo,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                # No program will run: the build server starts no programs' zygote.
                env={**os.environ, WARM_SWITCH: "0"},
            )
            for builder, out in outputs
        ]
        for process in processes:
            process.wait()
        return time.perf_counter() - start

    def noop(self) -> None:
        row = self.row("no-op make html", target=1.5)
        for _ in range(self.runs):
            wall, out = self.make("html")
            row.walls.append(wall)
            row.ok.append(counts(out)[0] == 0)
            row.details.append(f"{counts(out)[0]} jobs run")
        # A Sphinx run with nothing to do, each builder as make runs it.
        plain_out = Path(tempfile.mkdtemp(prefix="coursekit-plain-"))
        plain = [self.py, "-m", "sphinx", "-C", "-q", "-b", "html", "-D", "language=fr"]
        plain += ["-d", str(plain_out / "doctrees"), SOURCES, str(plain_out / "html")]
        subprocess.run(plain, cwd=self.repo, capture_output=True, check=False)
        plain_walls = []
        for _ in range(self.runs):
            start = time.perf_counter()
            subprocess.run(plain, cwd=self.repo, capture_output=True, check=False)
            plain_walls.append(time.perf_counter() - start)
        shutil.rmtree(plain_out, ignore_errors=True)
        reference = statistics.median(plain_walls)
        for target in ("_text", "_deck"):
            row = self.row(
                f"Sphinx run, nothing to do ({target[1:]})",
                target=1.5 * reference,
                reference=f"plain Sphinx, nothing to do: {reference:.2f} s",
            )
            for _ in range(self.runs):
                wall, out = self.make(target)
                row.walls.append(wall)
                read = [page for pages in pages_read(out).values() for page in pages]
                row.ok.append(not read)
                row.details.append(f"{len(read)} pages read")

    def paragraph_edit(self, n: int) -> str:
        word = f"bench{n}x{os.getpid()}"
        append_to_line(self.chapter, self.paragraph, f" {word}")
        return word

    def edit_paragraph(self, limit: float) -> None:
        row = self.row("paragraph edited", target=limit)
        for n in range(self.runs):
            self.paragraph_edit(n)
            wall, out = self.make("html")
            read = pages_read(out)
            row.walls.append(wall)
            row.ok.append(counts(out)[0] == 0 and all(r == [self.page] for r in read.values()))
            row.details.append(
                f"{counts(out)[0]} jobs run; read: "
                + ", ".join(f"{b} {'+'.join(r) or '-'}" for b, r in sorted(read.items()))
            )

    def live(self) -> None:
        row = self.row("paragraph edited, seen in make live", target=2.0)
        port = free_port()
        html = f"{BUILD_DIR}/html"
        cmd = [self.py, "-m", "coursekit.tools.live", "--port", str(port), "--watch", "coursekit"]
        cmd += ["--", "-c", ".", "-W", "--keep-going", "-j", "1", SOURCES, html]
        server = subprocess.Popen(
            cmd, cwd=self.repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            for line in server.stdout:  # the first build, then the server
                if "serving on" in line:
                    break
            url = f"http://127.0.0.1:{port}/{self.page}.html"
            for n in range(self.runs):
                time.sleep(1.0)  # the watcher settles after the last build
                seen = wait_for(url, self.paragraph_edit(100 + n), limit=30)
                row.walls.append(seen if seen is not None else float("inf"))
                row.ok.append(seen is not None)
        finally:
            server.terminate()
            server.wait(timeout=30)

    def code_edit(self) -> None:
        """The page's session runs once, in whichever build claims it first (the
        deck runs the jobs its prose quotes; the other build takes the result)."""
        row = self.row("one code block edited")
        slack = []
        for n in range(self.runs):
            append_to_line(self.chapter, self.code, f"  # bench {n}")
            wall, out = self.make("html")
            lines = [LINE.search(part) for part in builds(out).values()]
            ran = sum(int(line["run"]) for line in lines if line)
            session = self.timings().get(f"{self.page}#session", 0.0)  # its own run time
            row.walls.append(wall)
            slack.append(wall - session)
            row.ok.append(ran == 1 and wall <= session + 2.5)
            row.details.append(f"{ran} job run (both builds), its time {session:.2f} s")
        row.reference = f"wall − run time: {statistics.median(slack):.2f} s (≤ 2.5 s)"

    def timings(self) -> dict[str, float]:
        """How long each job ran, in its own process (the build's record)."""
        path = self.repo / BUILD_DIR / ".coursekit-cache" / "timings.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def test(self) -> None:
        subprocess.run(["git", "checkout", "-q", "--", "."], cwd=self.repo, check=True)
        wall, out = self.make("test")
        row = self.row("make test", target=120.0)
        row.walls.append(wall)
        slowest = out.split("slowest", 1)[-1].splitlines()[1:11] if "slowest" in out else []
        row.details.append("; ".join(line.strip() for line in slowest))

    def measure(self, paragraph_limit: float, with_test: bool) -> None:
        print(f"[{self.course}] editing {self.chapter.relative_to(self.repo)}", flush=True)
        steps = [self.cold, self.noop, lambda: self.edit_paragraph(paragraph_limit), self.live]
        steps += [self.code_edit, *([self.test] if with_test else [])]
        for step in steps:
            done = len(self.rows)
            step()
            print_table(self.rows[done:], header=False)  # as it goes; the table at the end
        self.clean()


def print_table(rows: list[Row], header: bool = True) -> None:
    title = f"{'course':<10} {'scenario':<40} {'median':>8} {'target':>8}  met  details"
    if header:
        print(title)
        print("-" * len(title))
    for row in rows:
        target = f"{row.target:.2f}" if row.target is not None else "-"
        walls = "/".join(f"{w:.2f}" for w in row.walls)
        print(
            f"{row.course:<10} {row.name:<40} {row.wall:>8.2f} {target:>8}  "
            f"{'yes' if row.met else 'NO ':<4} runs {walls}"
        )
        for text in (row.reference, *dict.fromkeys(row.details)):
            if text:
                print(f"{'':<10} {'':<40} {'':>8} {'':>8}       {text}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    """Run the bench; return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.tools.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-test", action="store_true", help="do not time make test")
    parser.add_argument(
        "--course",
        choices=("chapter", "synthetic"),
        default="chapter",
        help="synthetic: the project's chapter, then a generated 30-page course",
    )
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
    if plain_paragraph_line(lines) is None or running_code_line(lines) is None:
        print(
            f"{chapter_name}: no plain paragraph or running Python block to edit", file=sys.stderr
        )
        return 2

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="coursekit-bench-") as tmp:
        chapter = Project(
            fresh_copy(project, Path(tmp) / "chapter"), "chapter", chapter_name, args.runs
        )
        chapter.measure(2.5, with_test=not args.skip_test)
        rows += chapter.rows
        if args.course == "synthetic":
            repo = fresh_copy(project, Path(tmp) / "synthetic")
            pages = write_course(repo / SOURCES)
            synthetic = Project(repo, "synthetic", pages[1].relative_to(repo), args.runs)
            synthetic.measure(3.0, with_test=False)
            rows += synthetic.rows
    print()
    print_table(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``make bench``: how long the build takes, on a fresh copy of the repository.

Scenarios (medians of ``--runs`` runs, default 3): a cold ``make html`` (both
outputs, every program executed), a no-op rebuild, a rebuild after editing one
paragraph, a rebuild after editing one code block, and one ``make test``.
Reference figures measured in the same run: the Sphinx-only build (same docs,
execution switched off) and the compute floor (every program run one after
the other in one warm process, imports excluded). Prints a table and whether
each target is met.

Usage: python -m coursekit.tools.bench [--runs N] [--skip-test]
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

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = "docs/chap2_perceptron.rst"
LINE = re.compile(r"coursekit: (\d+) programs, (\d+) run, (\d+) from cache")
LINE_FLOAT = re.compile(r"^\d+\.\d+(e-?\d+)?$")

FLOOR_SCRIPT = r"""
import io, sys, time, contextlib, json
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy, torch, torch.nn, torch.optim, torchsummary, jupytext
plt.show = lambda *a, **k: plt.close("all")
codes = []
for path in sys.argv[1:]:
    if path.endswith(".md"):
        nb = jupytext.read(path)
        codes.append("\n\n".join(c.source for c in nb.cells if c.cell_type == "code"))
    else:
        codes.append(open(path, encoding="utf-8").read())
start = time.perf_counter()
for code in codes:
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "program", "exec"), {"__name__": "__main__"})
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
    lines = LINE.findall(output)
    executed = sum(int(ran) for _, ran, _ in lines)
    cached = int(lines[0][2]) if lines else 0
    return executed, cached


def fresh_copy(target: Path) -> Path:
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    os.symlink(ROOT / ".venv", target / ".venv")  # the pinned environment, not a reinstall
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-test", action="store_true", help="do not time make test")
    args = parser.parse_args(argv)
    make = ["make", "--no-print-directory", "STAMP="]  # STAMP= : the environment is ready
    rows: dict[str, list[tuple[float, int, int]]] = {}
    with tempfile.TemporaryDirectory(prefix="coursekit-bench-") as tmp:
        repo = fresh_copy(Path(tmp) / "repo")
        chapter = repo / CHAPTER
        py = str(repo / ".venv" / "bin" / "python")

        for _ in range(args.runs):
            shutil.rmtree(repo / "_build", ignore_errors=True)
            for png in (repo / "docs" / "images").glob("*.png"):
                png.unlink()
            wall, out = run([*make, "html"], repo)
            rows.setdefault("cold build (make html)", []).append((wall, *counts(out)))
        for _ in range(args.runs):
            wall, out = run([*make, "html"], repo)
            rows.setdefault("no-op rebuild", []).append((wall, *counts(out)))
        for n in range(args.runs):
            # Each edit keeps the anchor text, so that the next run finds it again.
            edit(chapter, "voici quelques rappels", f"voici quelques rappels (édition {n})")
            wall, out = run([*make, "html"], repo)
            rows.setdefault("paragraph edited", []).append((wall, *counts(out)))
        for n in range(args.runs):
            edit(chapter, "    print(X_norm)", f"    print(X_norm)  # édition {n}")
            wall, out = run([*make, "html"], repo)
            rows.setdefault("one code block edited", []).append((wall, *counts(out)))
        if not args.skip_test:
            # The edits above would (rightly) fail the test that examples/ is up to date.
            subprocess.run(["git", "checkout", "-q", "--", CHAPTER], cwd=repo, check=True)
            wall, out = run([*make, "test"], repo)
            rows["make test"] = [(wall, 0, 0)]

        sphinx_only = []
        for n in range(args.runs):
            out_dir = Path(tmp) / f"sphinx-only-{n}"
            start = time.perf_counter()
            for builder, dest in (("html", "html"), ("revealjs", "html/slides")):
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
                    str(repo / "docs"),
                    str(out_dir / dest),
                ]
                run(cmd, repo)
            sphinx_only.append(time.perf_counter() - start)
        programs = sorted(str(p) for p in (repo / "examples").glob("*/*.py"))
        programs.append(str(repo / "docs" / "TP_chap2.md"))
        floors = []
        for _ in range(args.runs):
            _, out = run(
                [py, "-c", FLOOR_SCRIPT, *programs], repo, env={**os.environ, "MPLBACKEND": "Agg"}
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
    sys.exit(main(sys.argv[1:]))

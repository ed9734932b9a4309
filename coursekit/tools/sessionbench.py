"""Benchmark of the session model: a synthetic course whose blocks build on each other.

``python -m coursekit.tools.sessionbench OUTDIR`` writes a course of PAGES
pages (30) of BLOCKS Python blocks (8), in notebook style: each block uses
the names the previous one defined, as a lecturer's pages do. It then builds
the HTML text as ``make html`` does and prints, for each scenario, the wall
time (median of ``--repeat`` runs) and how many jobs ran and came from the
cache:

- cold: an empty cache and no environment;
- no-op: nothing changed;
- one paragraph edited on one page;
- one code block edited on one page (its session runs again).

Figures, not assertions: the test suite never times anything.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from coursekit.config import BUILD_DIR, SUMMARY_PATTERN
from coursekit.tools.synthetic import block_code

CONF = """\
extensions = ["sphinx_revealjs", "coursekit"]
language = "fr"
project = "Cours synthétique"
coursekit_preload = ["torch", "numpy"]
"""

SUMMARY = re.compile(SUMMARY_PATTERN)


def block(page: int, number: int) -> list[str]:
    """Block ``number`` of page ``page``: it uses what the block before it defined."""
    return [f"Étape {number} de la page {page} :", "", ".. code-block:: python", ""] + [
        f"   {line}" for line in block_code(page, number)
    ]


def page(number: int, blocks: int) -> str:
    title = f"Chapitre {number}"
    lines = [title, "=" * len(title), ""]
    for k in range(1, blocks + 1):
        lines += [".. slide::", "", f"Partie {k}", "-" * len(f"Partie {k}"), ""]
        lines += [f"Paragraphe {k} de la page {number}.", ""]
        lines += [*block(number, k), ""]
    return "\n".join(lines)


def write(src: Path, pages: int, blocks: int) -> None:
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    (src / "conf.py").write_text(CONF, encoding="utf-8")
    names = [f"chap{n:02d}" for n in range(1, pages + 1)]
    index = ["Cours", "=====", "", ".. toctree::", "", *(f"   {n}" for n in names), ""]
    (src / "index.rst").write_text("\n".join(index), encoding="utf-8")
    for n, name in enumerate(names, start=1):
        (src / f"{name}.rst").write_text(page(n, blocks), encoding="utf-8")


def build(src: Path) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-j", "1", "-b", "html"]
    cmd += [str(src), str(src / BUILD_DIR / "html")]
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"the build failed:\n{done.stderr[-3000:]}")
    match = SUMMARY.search(done.stdout)
    if match is None:
        return wall, "-"
    return wall, f"{match['run']} run / {match['cached']} cached ({match['jobs']} jobs)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.tools.sessionbench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    src = args.outdir / "src"
    target = src / "chap15.rst"
    rows = []
    scenarios = {"cold": [], "no-op": [], "one paragraph": [], "one block": []}
    runs: dict[str, str] = {}
    for attempt in range(args.repeat):
        write(src, args.pages, args.blocks)
        for name in scenarios:
            if name == "one paragraph":
                text = target.read_text(encoding="utf-8")
                target.write_text(text.replace("Paragraphe 3 ", f"Paragraphe {attempt} 3 "))
            elif name == "one block":
                text = target.read_text(encoding="utf-8")
                target.write_text(text.replace("/ 8)", f"/ {9 + attempt})", 1))
            wall, ran = build(src)
            scenarios[name].append(wall)
            runs[name] = ran
    print(f"sessionbench: {args.pages} pages × {args.blocks} blocks, medians of {args.repeat}")
    for name, walls in scenarios.items():
        rows.append((name, f"{statistics.median(walls):.1f} s", runs[name]))
    width = max(len(row[0]) for row in rows)
    for name, wall, ran in rows:
        print(f"  {name:<{width}}  {wall:>7}   {ran}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

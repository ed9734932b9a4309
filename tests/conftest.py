"""Shared fixtures: test roots for sphinx.testing, and the real site built once."""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
#: The small Sphinx projects of the tests (``test-<name>``).
ROOTS = Path(__file__).parent / "roots"
# The tests read Sphinx's messages as text. On CI machines (CI=true) Sphinx
# colours them, wrapping each in escape codes: no colour, in every build.
os.environ["NO_COLOR"] = "1"

#: What the course's program server imports once (conf.py's coursekit_preload).
COURSE_PRELOAD = runpy.run_path(str(ROOT / "conf.py"))["coursekit_preload"]


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where sphinx.testing finds the ``test-<name>`` roots."""
    return ROOTS


def copy_root(tmp_path: Path, name: str) -> Path:
    """A private copy of the root ``test-<name>``, to build or edit freely."""
    srcdir = tmp_path / name
    shutil.copytree(ROOTS / f"test-{name}", srcdir)
    return srcdir


def assert_imports_no_sphinx(*modules: str) -> None:
    """Importing ``modules`` in a fresh interpreter loads neither Sphinx nor sphinx-revealjs."""
    code = (
        f"import sys, {', '.join(modules)}\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m == 'sphinx' or m.startswith(('sphinx.', 'sphinx_revealjs')))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


@dataclass
class Build:
    """One run of sphinx-build on the real course."""

    outdir: Path
    returncode: int
    stderr: str


def run_sphinx(
    srcdir: Path, outdir: Path, builder: str = "html", *options: str, env: dict | None = None
):
    """sphinx-build on a small project, strict; the finished process.

    ``env``: variables set for this build only.
    """
    # Not quiet: the build's summary line goes through Sphinx's logger.info.
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", *options, "-b", builder]
    return subprocess.run(
        [*cmd, str(srcdir), str(outdir)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def sphinx_build(builder: str, outdir: Path, doctrees: Path) -> Build:
    """Build the course as the Makefile does (strict mode), into ``outdir``."""
    cmd = [sys.executable, "-m", "sphinx", "-c", str(ROOT), "-W", "--keep-going", "-q"]
    cmd += ["-b", builder, "-d", str(doctrees), str(DOCS), str(outdir)]
    done = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ}, check=False
    )
    return Build(outdir, done.returncode, done.stderr)


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> dict[str, Build]:
    """The real site, built once: the HTML text and, inside it, the deck, side by
    side as the Makefile builds them."""
    out = tmp_path_factory.mktemp("site")
    with ThreadPoolExecutor(max_workers=2) as pool:
        html = pool.submit(sphinx_build, "html", out / "html", out / "doctrees-html")
        deck = pool.submit(
            sphinx_build, "revealjs", out / "html" / "slides", out / "doctrees-revealjs"
        )
        return {"html": html.result(), "revealjs": deck.result()}


# --- A cold build in a clean copy (tests/test_determinism.py) ------------------
# It runs in its own processes: it is started as soon as the tests are collected
# and runs beside them, and the test that needs it waits for it.

_COLD: dict[str, Future] = {}


def clean_copy(target: Path) -> Path:
    """The repository's tracked and new files copied into ``target`` (never _build/)."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, files.split("\0")):  # never the generated figures
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    os.symlink(ROOT / ".venv", target / ".venv")
    return target


def cold_build() -> tuple[Path, str]:
    """``make html examples`` in a clean copy: (the copy, what went wrong or "")."""
    copy = clean_copy(Path(tempfile.mkdtemp(prefix="coursekit-cold-copy-")))
    for target in ("html", "examples"):
        done = subprocess.run(
            ["make", "--no-print-directory", "STAMP=", target],
            cwd=copy,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            return copy, done.stdout + done.stderr
    return copy, ""


def pytest_collection_modifyitems(session, config, items) -> None:
    """Start the cold build as soon as a test of tests/test_determinism.py is
    selected: it then runs beside the other tests instead of before its own."""
    if any(item.module.__name__ == "test_determinism" for item in items):
        _COLD["build"] = ThreadPoolExecutor(max_workers=1).submit(cold_build)


def pytest_sessionfinish(session, exitstatus) -> None:
    if "build" in _COLD:
        copy, _ = _COLD.pop("build").result()
        shutil.rmtree(copy, ignore_errors=True)


@pytest.fixture(scope="session")
def cold_copy() -> Path:
    """The clean copy, once its cold build is over (the build fails the test if it failed)."""
    future = _COLD.get("build") or ThreadPoolExecutor(max_workers=1).submit(cold_build)
    _COLD["build"] = future
    copy, problem = future.result()
    assert not problem, problem
    return copy

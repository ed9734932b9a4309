"""Shared fixtures: test roots for sphinx.testing, and the real site built once."""

from __future__ import annotations

import json
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
import uuid
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


def run_sphinx(
    srcdir: Path, outdir: Path, builder: str = "html", *options: str, env: dict | None = None
):
    """sphinx-build on a small project, strict; the finished process.

    Through the build server, as ``make`` builds: a fork of one process that
    imported Sphinx once (coursekit/tools/buildserver.py). ``env``: variables
    set for this build only.
    """
    # Not quiet: the build's summary line goes through Sphinx's logger.info.
    cmd = [sys.executable, "-m", "coursekit.tools.buildserver", "-W", "--keep-going", *options]
    return subprocess.run(
        [*cmd, "-b", builder, str(srcdir), str(outdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


# --- The real site, built once, cold, in a clean copy ---------------------------
# One cold ``make html examples`` in a clean copy of the repository serves every
# test module (tests/test_site.py, test_guide.py, test_deck_browser.py,
# test_determinism.py…). It is started as soon as the tests are collected and
# runs beside them. Under pytest-xdist the workers share it: the first to take
# the lock builds, the others wait for its record.


#: Names this pytest run: set by the process that starts the xdist workers (or
#: the only process), inherited by the workers.
RUN = "COURSEKIT_TESTS_RUN"


def pytest_configure(config) -> None:
    if not hasattr(config, "workerinput"):
        os.environ.setdefault(RUN, uuid.uuid4().hex)


def shared_folder() -> Path:
    """A folder all the workers of this pytest run share, and the process that
    started them removes at the end (xdist's own run id is the workers' only)."""
    folder = Path(tempfile.gettempdir()) / f"coursekit-tests-{os.environ[RUN]}"
    folder.mkdir(exist_ok=True)
    return folder


def clean_copy(target: Path) -> Path:
    """The repository's tracked and new files copied into ``target`` (never _build/,
    and never examples/: the copy's is what its build writes)."""
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, files.split("\0")):  # never the generated figures
        if name.startswith("examples/"):
            continue
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    os.symlink(ROOT / ".venv", target / ".venv")
    return target


@dataclass
class Build:
    """One output of the cold build of the real course."""

    outdir: Path
    returncode: int
    stderr: str
    #: The clean copy it was built in (its docs/, examples/, _build/).
    project: Path


def cold_build() -> dict:
    """``make html examples`` in a clean copy, once per pytest run: its record."""
    from filelock import FileLock

    folder = shared_folder()
    record = folder / "site.json"
    with FileLock(folder / "site.lock"):
        if not record.exists():
            copy = clean_copy(folder / "copy")
            done = subprocess.run(
                ["make", "--no-print-directory", "STAMP=", "html", "examples"],
                cwd=copy,
                capture_output=True,
                text=True,
                check=False,
            )
            record.write_text(
                json.dumps(
                    {
                        "copy": str(copy),
                        "returncode": done.returncode,
                        "stdout": done.stdout,
                        "stderr": done.stderr,
                    }
                )
            )
    return json.loads(record.read_text())


def pytest_collection_modifyitems(session, config, items) -> None:
    """Start the cold build as soon as a test that needs it is selected."""
    if any("site" in item.fixturenames or "cold_copy" in item.fixturenames for item in items):
        _COLD["build"] = ThreadPoolExecutor(max_workers=1).submit(cold_build)


_COLD: dict[str, Future] = {}


def pytest_sessionfinish(session, exitstatus) -> None:
    """Each process waits for its part of the build; the last to leave (the
    xdist controller, or the only process) removes it and stops the servers."""
    if "build" in _COLD:
        _COLD.pop("build").result()
    if hasattr(session.config, "workerinput"):
        return
    from coursekit.run.warm import stop_all
    from coursekit.tools.buildserver import stop_server

    folder = shared_folder()
    if (folder / "copy").exists():
        stop_server(folder / "copy")
    shutil.rmtree(folder, ignore_errors=True)
    stop_server(ROOT)
    stop_all()  # the warm program servers' zygotes: nothing left running


def site_record() -> dict:
    future = _COLD.get("build") or ThreadPoolExecutor(max_workers=1).submit(cold_build)
    _COLD["build"] = future
    return future.result()


@pytest.fixture(scope="session")
def site() -> dict[str, Build]:
    """The real site: the HTML text and, inside it, the deck, built side by side as
    the Makefile builds them (one cold build for the whole test run)."""
    record = site_record()
    copy = Path(record["copy"])
    html = copy / "_build" / "html"
    return {
        builder: Build(outdir, record["returncode"], record["stderr"], copy)
        for builder, outdir in (("html", html), ("revealjs", html / "slides"))
    }


@pytest.fixture(scope="session")
def cold_copy(site) -> Path:
    """The clean copy, once its cold build is over (the build fails the test if it failed)."""
    record = site_record()
    assert record["returncode"] == 0, record["stdout"][-3000:] + record["stderr"][-3000:]
    return Path(record["copy"])

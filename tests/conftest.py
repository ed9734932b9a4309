"""Shared fixtures: test roots for sphinx.testing, and the real site built once."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
EXAMPLES = ROOT / "examples"
#: What the course's program server imports once (conf.py's coursekit_preload).
COURSE_PRELOAD = runpy.run_path(str(ROOT / "conf.py"))["coursekit_preload"]


@pytest.fixture(scope="session")
def rootdir() -> Path:
    """Where sphinx.testing finds the ``test-<name>`` roots."""
    return Path(__file__).parent / "roots"


@dataclass
class Build:
    """One run of sphinx-build on the real course."""

    outdir: Path
    returncode: int
    stderr: str


def run_sphinx(srcdir: Path, outdir: Path, builder: str = "html", *options: str):
    """sphinx-build on a small project, strict; the finished process."""
    # Not quiet: the build's summary line goes through Sphinx's logger.info.
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", *options, "-b", builder]
    return subprocess.run(
        [*cmd, str(srcdir), str(outdir)], capture_output=True, text=True, check=False
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
    """The real site, built once: the HTML text and, inside it, the deck."""
    out = tmp_path_factory.mktemp("site")
    html = sphinx_build("html", out / "html", out / "doctrees-html")
    deck = sphinx_build("revealjs", out / "html" / "slides", out / "doctrees-revealjs")
    return {"html": html, "revealjs": deck}

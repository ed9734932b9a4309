"""Builds of the same sources give the same bytes, however they were reached.

The suite's site is one cold ``make html examples`` in a clean copy of the
repository (every program and figure run afresh; tests/conftest.py). Against
it, in a copy of that copy: a build whose every page is read again and whose
every program and figure comes from the cache, then an incremental build
after an edit and its undoing. And the checkout's examples/ must be what the
cold build wrote. Compared: everything under _build/html (text, deck, images,
downloads), the figures in docs/images, examples/. What must differ is named
here, and nothing else may:

- ``rapport_execution.html`` (text and deck): it reports how long each
  program ran;
- the output of the §8.3 profiler program, which prints measured times and
  memory, on the chapter's page, and the two shares of time its prose quotes
  from that run (percentages, in the text and in the deck);
- ``slides/.buildinfo``, Sphinx's hash of its settings for the deck build (a
  bookkeeping file, not published content).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import ROOT

from coursekit.config import SUMMARY_PATTERN
from coursekit.tools.buildserver import stop_server

ALLOWED_TO_DIFFER = {
    "rapport_execution.html",
    "slides/rapport_execution.html",
    "slides/.buildinfo",  # Sphinx's own record of its settings, not a published page
}


def without_profiler_tables(html: bytes) -> str:
    """The page with the profiler program's output, and the measured shares of
    time the prose quotes from it, taken out."""
    soup = BeautifulSoup(html.decode("utf-8"), "html.parser")
    for box in soup.select("div.coursekit-output"):
        if "Self CPU %" in box.get_text():
            box.decompose()
    for span in soup.select("span.coursekit-quoted"):
        if span.get_text().endswith("\u202f%"):
            span.decompose()
    return str(soup)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        # .coursekit-built: the Makefile's stamp, not part of the site.
        if p.is_file() and ".doctrees" not in p.parts and p.name != ".coursekit-built"
    }


def differing(first: dict[str, bytes], second: dict[str, bytes]) -> set[str]:
    """The files of two builds that differ, beyond what is named above."""
    assert sorted(first) == sorted(second)
    names = [name for name in first if first[name] != second[name]]
    for page in ("chap2_perceptron.html", "slides/chap2_perceptron.html"):
        same_page = without_profiler_tables(first.get(page, b"")) == without_profiler_tables(
            second.get(page, b"")
        )
        if page in names and same_page:
            names.remove(page)
    return set(names) - ALLOWED_TO_DIFFER


def make_html(copy: Path) -> str:
    done = subprocess.run(
        ["make", "--no-print-directory", "STAMP=", "html"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def replayed(cold_copy, tmp_path_factory) -> Iterator[Path]:
    """A copy of the cold build's project whose site and figures were removed and
    built again: every page read again, every program and figure from the cache."""
    copy = tmp_path_factory.mktemp("replayed") / "project"
    shutil.copytree(cold_copy, copy, symlinks=True)
    shutil.rmtree(copy / "_build" / "html")
    shutil.rmtree(copy / "_build" / "doctrees")
    for figure in (copy / "docs" / "images").glob("*.png"):
        figure.unlink()
    try:
        output = make_html(copy)
        lines = list(re.finditer(SUMMARY_PATTERN, output))
        assert len(lines) == 2 and all(line["run"] == "0" for line in lines), output
        yield copy
    finally:
        stop_server(copy)  # make's build server for this copy leaves with the tests


@pytest.mark.parametrize("folder", ["_build/html", "docs/images"])
def test_a_build_from_the_cache_gives_the_cold_bytes(cold_copy, replayed, folder):
    assert differing(tree(cold_copy / folder), tree(replayed / folder)) == set()


def test_the_examples_are_what_a_cold_build_writes(cold_copy):
    assert differing(tree(ROOT / "examples"), tree(cold_copy / "examples")) == set()


def test_an_incremental_build_ends_on_the_bytes_of_a_cold_one(cold_copy, replayed):
    """Edit a paragraph, build, undo the edit, build: the site is the cold one again
    (myst-nb's stylesheet link, once bare in a cold build only, included)."""
    page = replayed / "docs" / "chap2_perceptron.rst"
    source = page.read_text(encoding="utf-8")
    edited = source.replace("voici quelques rappels.", "voici quelques rappels utiles.")
    assert edited != source
    page.write_text(edited, encoding="utf-8")
    make_html(replayed)
    page.write_text(source, encoding="utf-8")
    make_html(replayed)
    assert differing(tree(cold_copy / "_build/html"), tree(replayed / "_build/html")) == set()

"""On every test root and on the course: no source line with text is missing from the output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DOCS, ROOTS, copy_root
from nothing_lost import lost_lines

ALL_ROOTS = sorted(path.name.removeprefix("test-") for path in ROOTS.glob("test-*"))
LOCATION = re.compile(r"^(?P<path>\S+?\.rst):(?P<line>\d+): (?:ERROR|WARNING|CRITICAL)", re.M)


def reported_lines(warnings: str) -> dict[str, set[int]]:
    """Lines a build reported a problem at, by file name: what they lose is not silent."""
    reported: dict[str, set[int]] = {}
    for match in LOCATION.finditer(warnings):
        reported.setdefault(Path(match["path"]).name, set()).add(int(match["line"]))
    return reported


def silently_lost(lost: list[str], reported: dict[str, set[int]]) -> list[str]:
    """Lost lines that no message named: a problem reported up to 5 lines above covers it."""
    silent = []
    for entry in lost:
        name, line, _ = entry.split(":", 2)
        near = reported.get(name, set())
        if not any(0 <= int(line) - at <= 5 for at in near):
            silent.append(entry)
    return silent


@pytest.mark.parametrize("root", ALL_ROOTS)
def test_every_line_of_every_root_reaches_the_page(make_app, tmp_path, root):
    srcdir = copy_root(tmp_path, root)
    # The programs' outputs are not source lines: no need to run them here,
    # nor the notebook pages' cells.
    overrides = {"coursekit_execute": False}
    if "myst_nb" in (srcdir / "conf.py").read_text(encoding="utf-8"):
        overrides["nb_execution_mode"] = "off"
    text = make_app("html", srcdir=srcdir, confoverrides=overrides)
    text.build()
    outputs = [text.outdir]
    warnings = text.warning.getvalue()
    text.cleanup()  # the deck's app registers its nodes afresh
    if "sphinx_revealjs" in text.extensions:
        deck = make_app("revealjs", srcdir=srcdir, confoverrides=overrides)
        deck.build()
        outputs.append(deck.outdir)
        warnings += deck.warning.getvalue()
    lost = []
    for source in sorted(srcdir.glob("*.rst")):
        pages = [out / f"{source.stem}.html" for out in outputs]
        lost += lost_lines(source, pages)
    assert silently_lost(lost, reported_lines(warnings)) == []


def test_every_line_of_the_course_reaches_the_site(site):
    assert site["html"].returncode == 0, site["html"].stderr
    text = site["html"].outdir
    lost = []
    for source in sorted(DOCS.glob("*.rst")):
        lost += lost_lines(
            source,
            [text / f"{source.stem}.html", text / "slides" / source.name.replace(".rst", ".html")],
        )
    assert lost == []


def test_the_check_sees_a_dropped_line(tmp_path):
    source = tmp_path / "page.rst"
    source.write_text(
        "Titre\n===\n\nUne phrase gardée.\n\n.. note::\n\n    Une note perdue.\n",
        encoding="utf-8",
    )
    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>Titre</h1><p>Une phrase gardée.</p></body></html>")
    assert lost_lines(source, [page]) == ["page.rst:8: Une note perdue."]

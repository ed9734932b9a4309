"""The build engine: parallel reading, furniture in the page's language, layers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import assert_imports_no_sphinx, copy_root

PAGES = ("index", "un", "deux", "trois")


def built_pages(make_app, tmp_path: Path, name: str, parallel: int) -> dict[str, str]:
    """Build a copy of ``test-parallel`` with ``parallel`` processes; page -> its body."""
    srcdir = copy_root(tmp_path / name, "parallel")
    app = make_app("html", srcdir=srcdir, parallel=parallel)
    if parallel > 1:  # really read in parallel: every extension allows it
        assert app.is_parallel_allowed("read")
    app.build()
    assert app.warning.getvalue() == ""
    bodies = {}
    for page in PAGES:
        soup = BeautifulSoup((app.outdir / f"{page}.html").read_text(), "html.parser")
        bodies[page] = str(soup.select_one("div.body"))
    app.cleanup()  # the next app of this test registers its nodes afresh
    return bodies


def test_a_parallel_read_gives_the_same_pages_as_a_serial_one(make_app, tmp_path):
    serial = built_pages(make_app, tmp_path, "serial", parallel=0)
    parallel = built_pages(make_app, tmp_path, "parallel", parallel=2)
    assert parallel == serial
    # The programs of every page ran and show their output in both builds.
    for page in ("un", "deux", "trois"):
        assert f"chapitre {page} 45" in parallel[page]
        assert "Sortie" in parallel[page]
    # The figure a page shows is drawn by a forked reader too, not only by the build.
    assert 'src="_images/courbe_deux.png"' in parallel["deux"]


@pytest.mark.sphinx("html", testroot="english")
def test_furniture_follows_the_page_language(app, warning):
    app.build()
    assert warning.getvalue() == ""
    soup = BeautifulSoup((app.outdir / "index.html").read_text(), "html.parser")
    text = soup.get_text(" ", strip=True)
    assert soup.select_one("div.coursekit-output p.coursekit-output-label").get_text() == "Output"
    assert "Lecturer's notes" in text
    assert "Complete program « The whole program »" in text
    assert "Excerpt of the complete program" in text
    assert "Download:" in text
    assert soup.select_one("details.coursekit-spoiler summary").get_text(strip=True) == (
        "Show / hide"
    )
    for french in ("Sortie", "Télécharger", "Notes de l’enseignant", "Afficher", "diapo "):
        assert french not in text


def test_tools_and_cores_start_without_sphinx():
    """`import coursekit` and the pure layers import no Sphinx."""
    assert_imports_no_sphinx(
        "coursekit",
        "coursekit.config",
        "coursekit.core.dialect",
        "coursekit.core.slicing",
        "coursekit.core.programs",
        "coursekit.core.inline_math",
        "coursekit.core.encoding",
        "coursekit.run.executor",
        "coursekit.run.backends",
        "coursekit.run.scheduler",
        "coursekit.run.cluster",
        "coursekit.run.frozen",
        "coursekit.run.server",
        "coursekit.run.cache",
        "coursekit.run.figures",
        "coursekit.tools.fix",
        "coursekit.tools.buildserver",
        "coursekit.lecture.server",
        "coursekit.lecture.cli",
    )


def imports_of_each_module() -> dict[str, set[str]]:
    """Module -> the coursekit modules it imports (anywhere in its body)."""
    package = Path(__file__).parents[1] / "coursekit"
    graph = {}
    for path in package.rglob("*.py"):
        name = ".".join(path.relative_to(package.parent).with_suffix("").parts)
        name = name.removesuffix(".__init__")
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                found.add("<relative import>")  # the rules below need absolute names
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("coursekit"):
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("coursekit")}
        graph[name] = found - {name}
    return graph


def test_layers_are_kept_and_there_is_no_import_cycle():
    graph = imports_of_each_module()
    # The live lecture's server (coursekit.lecture) stands apart: it reads the
    # built site, imports only the configuration and itself, and nothing
    # imports it.
    below = {
        "coursekit.core": (
            "coursekit.sphinx",
            "coursekit.tools",
            "coursekit.run",
            "coursekit.lecture",
        ),
        "coursekit.run": ("coursekit.sphinx", "coursekit.tools", "coursekit.lecture"),
        "coursekit.sphinx": ("coursekit.tools", "coursekit.lecture"),
        "coursekit.tools": ("coursekit.sphinx", "coursekit.lecture"),
    }
    tools_may_use = ("coursekit.config", "coursekit.core", "coursekit.run", "coursekit.tools")
    lecture_may_use = ("coursekit.config", "coursekit.lecture")
    for module, imported in graph.items():
        assert "<relative import>" not in imported, module
        for layer, forbidden in below.items():
            if module.startswith(layer):
                assert not [m for m in imported if m.startswith(forbidden)], module
        if module.startswith("coursekit.tools"):
            assert all(m.startswith(tools_may_use) for m in imported), module
        if module.startswith("coursekit.lecture"):
            assert all(m.startswith(lecture_may_use) for m in imported), module

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, " -> ".join([*path, module])
        for imported in graph.get(module, ()):
            if imported != "coursekit":  # setup() imports the Sphinx side, lazily
                visit(imported, [*path, module])

    for module in graph:
        visit(module, [])

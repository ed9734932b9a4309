"""The command-line tools: no Sphinx in them, a ``main`` each, the facts of coursekit.config."""

from __future__ import annotations

import importlib
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import assert_imports_no_sphinx

from coursekit.config import BUILD_DIR, DECK_DIR, HANDOUT_DIR, SLIDES_CHECK_DIR

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ["slidecheck", "handout", "sitecheck", "bench", "browser", "sessionbench", "executorbench"]


def test_the_tools_import_no_sphinx():
    assert_imports_no_sphinx(*(f"coursekit.tools.{name}" for name in TOOLS))


def test_every_console_script_has_a_main():
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]
    assert set(scripts) == {
        "coursekit-slides-check",
        "coursekit-handout",
        "coursekit-sitecheck",
        "coursekit-bench",
        "coursekit-fix",
        "coursekit-sessionbench",
        "coursekit-executorbench",
        "coursekit-buildserver",
        "coursekit-lecture",
    }
    for target in scripts.values():
        module, _, function = target.partition(":")
        assert callable(getattr(importlib.import_module(module), function)), target


@pytest.mark.parametrize(
    "name", ["slidecheck", "handout", "sitecheck", "bench", "sessionbench", "executorbench"]
)
def test_each_tool_answers_help(name, capsys):
    module = importlib.import_module(f"coursekit.tools.{name}")
    with pytest.raises(SystemExit) as exit_:
        module.main(["--help"])
    assert exit_.value.code == 0
    assert "usage:" in capsys.readouterr().out


#: -B: every command, whether or not the site is already built here.
MAKE_DRY_RUN = ["make", "--no-print-directory", "-n", "-B", "STAMP="]


def test_the_makefile_and_the_tools_agree_on_the_folders():
    done = subprocess.run(
        [*MAKE_DRY_RUN, "slides-check", "slides-pdf", "linkcheck"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    html = f"{BUILD_DIR}/html"
    commands = done.stdout.splitlines()
    assert (
        f".venv/bin/python -m coursekit.tools.slidecheck {html}/{DECK_DIR} "
        f"{BUILD_DIR}/{SLIDES_CHECK_DIR}"
    ) in commands
    # The handout tool is given the HTML output and finds the folders in it itself.
    assert f".venv/bin/python -m coursekit.tools.handout {html}" in commands
    assert f".venv/bin/python -m coursekit.tools.sitecheck {html}" in commands
    assert any("-b revealjs" in c and c.endswith(f"docs {html}/{DECK_DIR}") for c in commands)


def test_the_tools_default_to_the_folders_of_coursekit_config(tmp_path, monkeypatch, capsys):
    from coursekit.tools import handout, sitecheck, slidecheck

    monkeypatch.chdir(tmp_path)  # no site here: each tool says where it looked
    html = Path(BUILD_DIR, "html")
    assert handout.main([]) == 1
    assert f"no deck found in {html / DECK_DIR}" in capsys.readouterr().err
    assert slidecheck.main([]) == 1
    assert f"no deck found in {html / DECK_DIR}" in capsys.readouterr().err
    assert sitecheck.main([]) == 1
    assert f"no site in {html}" in capsys.readouterr().err
    # The handouts go where the text's :handout: links look for them.
    (tmp_path / "site" / DECK_DIR).mkdir(parents=True)
    assert handout.main([str(tmp_path / "site")]) == 1
    assert f"no deck found in {tmp_path / 'site' / DECK_DIR}" in capsys.readouterr().err
    parser_help = subprocess.run(
        [sys.executable, "-m", "coursekit.tools.handout", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert f"HTML_DIR/{HANDOUT_DIR}" in parser_help


def test_bench_finds_what_to_edit_in_any_chapter(tmp_path):
    from coursekit.tools.bench import default_chapter, plain_paragraph_line, running_code_line

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a_intro.rst").write_text("Intro\n=====\n\nNo code here.\n", "utf-8")
    lines = [
        ".. slide::",
        "",
        "Titre",
        "=====",
        "",
        "- a list item",
        "",
        "First plain paragraph, on two",
        "lines.",
        "",
        ".. code-block:: python",
        "   :excerpt-of: full",
        "",
        "   print('excerpt')",
        "",
        ".. code-block:: python",
        "   :caption: runs",
        "",
        "   import math",
        "   print(math.pi)",
    ]
    (docs / "b_chapter.rst").write_text("\n".join(lines) + "\n", "utf-8")
    assert default_chapter(tmp_path) == Path("docs/b_chapter.rst")
    assert lines[plain_paragraph_line(lines)] == "lines."
    assert lines[running_code_line(lines)] == "   import math"


def test_bench_measures_what_a_cold_build_pays_beside_its_target(tmp_path):
    from coursekit.tools.bench import IMPORTS_SCRIPT, JOB_COST_SCRIPT, last_float, run

    conf = tmp_path / "conf.py"
    conf.write_text('coursekit_preload = ["numpy"]\n', "utf-8")
    imports = last_float(run([sys.executable, "-c", IMPORTS_SCRIPT, str(conf)], ROOT)[1])
    per_job = last_float(run([sys.executable, "-c", JOB_COST_SCRIPT, str(conf)], ROOT)[1])
    # matplotlib and IPython's shell take a tenth of a second at least; a job
    # that does nothing is a fork, not a new interpreter.
    assert 0.1 < imports < 30
    assert 0 < per_job < 0.5

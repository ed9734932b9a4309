"""Programs on small test roots: outputs, failures with chapter lines, the cache."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import copy_root, run_sphinx

from coursekit.config import SUMMARY_PATTERN


@pytest.mark.sphinx("html", testroot="programs")
def test_outputs_errors_on_purpose_and_full_programs(app, warning):
    app.build()
    assert warning.getvalue() == ""
    soup = BeautifulSoup((app.outdir / "index.html").read_text(), "html.parser")
    outputs = soup.select("div.coursekit-output")
    assert len(outputs) == 3  # standalone, expected error, full program; not the excerpt
    assert "total 10" in outputs[0].get_text()
    error = outputs[1].select_one("pre, div.highlight")
    assert "ValueError: invalid literal for int()" in outputs[1].get_text()
    assert 'File "' in outputs[1].get_text() and 'index.rst", line 16' in outputs[1].get_text()
    assert error is not None
    assert "9" in outputs[2].get_text()
    details = soup.select_one("details#program-square")
    assert "Le carré" in details.summary.get_text()
    assert soup.select_one("p.coursekit-excerpt-link a")["href"] == "#program-square"
    assert "never" not in soup.get_text().replace('SystemExit("never")', "")


@pytest.mark.sphinx("html", testroot="program-errors")
def test_failures_name_the_file_and_line_of_the_block(app, warning):
    app.build()
    messages = warning.getvalue()
    errors = re.findall(r"^(\S+?):(\d+): ERROR: (.*)$", messages, flags=re.M)
    by_line = {int(line): (path, text) for path, line, text in errors}
    assert all(path.endswith("index.rst") for path, _ in by_line.values())
    assert sorted(by_line) == [4, 10, 16, 21, 26]
    assert by_line[4][1] == "this code block raised an error:"
    # The traceback shows the chapter's own line numbers, not a temp file's.
    assert 'index.rst", line 8, in <module>' in messages
    assert "IndexError: list index out of range" in messages
    assert "ran past its timeout of 1 s" in by_line[10][1]
    assert "marked :expect-error: but ran without error" in by_line[16][1]
    assert "program 'nowhere', which this page does not define" in by_line[21][1]
    assert "no longer matches program 'prog'" in by_line[26][1]
    assert "'print(\"drifted\")'" in by_line[26][1]
    # The page does not look right: the failure is shown where the output would be.
    soup = BeautifulSoup((app.outdir / "index.html").read_text(), "html.parser")
    failed = soup.select("div.coursekit-output.coursekit-failed")
    assert len(failed) == 3
    assert "IndexError" in failed[0].get_text() and "before" in failed[0].get_text()


def build(src: Path, out: Path) -> str:
    done = run_sphinx(src, out)
    assert done.returncode == 0, done.stderr
    (line,) = [x for x in done.stdout.splitlines() if re.match(SUMMARY, x)]
    return line


#: The build's one summary line.
SUMMARY = r"coursekit: \d+ blocks \("


def counts(line: str) -> tuple[int, int, int]:
    """(jobs, run, from cache) from the summary line."""
    match = re.match(SUMMARY_PATTERN + r"(?:; Slidey habits read: .*)?$", line)
    assert match, line
    return int(match["jobs"]), int(match["run"]), int(match["cached"])


def build_in_process(make_app, src: Path) -> tuple[str, Path]:
    """One strict-looking build of ``src`` in this process: its summary line and outdir."""
    app = make_app("html", srcdir=src)
    app.build()
    assert app.warning.getvalue() == ""
    (line,) = [x for x in app.status.getvalue().splitlines() if re.match(SUMMARY, x)]
    app.cleanup()
    return line, app.outdir


def test_cache_runs_only_what_changed(make_app, tmp_path):
    src = copy_root(tmp_path, "programs")
    # Two jobs: the page's session (two blocks), the full program that runs alone.
    assert counts(build_in_process(make_app, src)[0]) == (2, 2, 0)
    assert counts(build_in_process(make_app, src)[0]) == (2, 0, 2)  # no change
    page = src / "index.rst"
    page.write_text(page.read_text().replace("A standalone program:", "A program:\n\nMore text."))
    assert counts(build_in_process(make_app, src)[0]) == (2, 0, 2)  # text-only edit
    page.write_text(page.read_text().replace("sum(range(5))", "sum(range(6))"))
    line, out = build_in_process(make_app, src)
    assert counts(line) == (2, 1, 1)  # one block edited: its page's session runs again
    assert "total 15" in (out / "index.html").read_text()
    assert not any((src / "_build" / ".coursekit-cache" / "tmp").glob("*"))


def test_a_new_chapter_needs_no_wiring(tmp_path):
    """Drop chap3_*.rst next to the others, list it in a toctree: deck, examples, outputs."""
    src = copy_root(tmp_path, "new-chapter")
    for builder, out in (("html", "html"), ("revealjs", "html/slides"), ("examples", "examples")):
        done = run_sphinx(src, tmp_path / out, builder)
        assert done.returncode == 0, done.stderr
    text = BeautifulSoup((tmp_path / "html" / "chap3_convolutions.html").read_text(), "html.parser")
    outputs = [box.get_text() for box in text.select("div.coursekit-output")]
    assert "taille du noyau : 3" in outputs[0] and "[-3, -6]" in outputs[1]
    assert len(text.select("span.math")) == 1
    deck = BeautifulSoup(
        (tmp_path / "html" / "slides" / "chap3_convolutions.html").read_text(), "html.parser"
    )
    assert len(deck.select("div.slides > section")) == 3
    scripts = sorted(p.name for p in (tmp_path / "examples" / "chap3_convolutions").glob("*.py"))
    # The page's block is a notebook (jupytext's percent format); the full program its own.
    assert scripts == ["02_s3-2_convolution.py", "chap3_convolutions.py"]
    script = (tmp_path / "examples" / "chap3_convolutions" / scripts[1]).read_text()
    assert script.count("# %%\n") == 1 and "# chap3_convolutions.rst:13\n" in script


@pytest.mark.sphinx("html", testroot="bad-inputs")
def test_bad_programs_end_as_documented(app, warning):
    before = sorted(p.name for p in Path(app.srcdir).rglob("*") if "_build" not in p.parts)
    app.build()
    messages = warning.getvalue()
    errors = re.findall(r"^(\S+?):(\d+): ERROR: (.*)$", messages, flags=re.M)
    lines = {int(line): text for _, line, text in errors}
    # Failures: os._exit(3), the segfault, the syntax error; nothing else.
    assert sorted(lines) == [40, 48, 55]
    assert "ended the interpreter with exit status 3" in lines[40]
    assert "was killed by signal SIGSEGV" in lines[48]
    assert lines[55].startswith("this code block is not valid Python")
    assert 'index.rst", line 57' in messages and "SyntaxError" in messages
    # The program wrote and moved around in its own temporary folder: the sources are untouched.
    after = sorted(p.name for p in Path(app.srcdir).rglob("*") if "_build" not in p.parts)
    assert after == before
    html = (app.outdir / "index.html").read_text()
    soup = BeautifulSoup(html, "html.parser")
    boxes = soup.select("div.coursekit-output")
    big = boxes[0].get_text()
    assert "sortie tronquée : 50,000,050 octets au total" in big
    assert len(html) < 1_000_000
    assert "still running in True" in boxes[1].get_text()
    assert "before the exit" in boxes[2].get_text() and "never printed" not in boxes[2].get_text()
    assert "&lt;script&gt;alert('boom')&lt;/script&gt;" in html
    assert not any("alert(" in (tag.string or "") for tag in soup.find_all("script"))
    assert "about to leave" in boxes[4].get_text()  # output up to the failure is shown
    assert len(soup.select("div.coursekit-failed")) == 3


def write_page(src: Path, body: bytes) -> None:
    (src / "conf.py").write_text('extensions = ["sphinx_revealjs", "coursekit"]\n')
    (src / "index.rst").write_bytes(body)


def test_mojibake_is_detected_and_the_repair_named(tmp_path):
    seed = "Chapitre 2 — Perceptron\n=======================\n\nLe modèle a été entraîné.\n"
    write_page(tmp_path, seed.encode("utf-8").decode("mac_roman").encode("utf-8"))
    done = run_sphinx(tmp_path, tmp_path / "out")
    assert done.returncode != 0
    assert (
        "index.rst:1: ERROR: this file looks like UTF-8 that was read as mac_roman" in done.stderr
    )
    assert ".encode('mac_roman').decode('utf-8')" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_file_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    write_page(tmp_path, "Titre\n=====\n\nLe modèle\n".encode("latin-1"))
    done = run_sphinx(tmp_path, tmp_path / "out")
    assert done.returncode != 0
    assert "index.rst:4: ERROR: this file is not UTF-8: byte 0xe8 at column 7" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_missing_figure_is_reported_with_its_line(tmp_path):
    write_page(tmp_path, b"Titre\n=====\n\n.. image:: images/chap9_absente.png\n")
    done = run_sphinx(tmp_path, tmp_path / "out")
    assert done.returncode != 0
    assert "index.rst:4: WARNING: image file not readable: images/chap9_absente.png" in done.stderr


def test_an_interrupted_build_leaves_no_half_written_result(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_page(
        src,
        b"Titre\n=====\n\n.. code-block:: python\n\n   import time\n   time.sleep(4)\n"
        b"   print('slept')\n",
    )
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", str(src), str(tmp_path / "out")]
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    scratch = src / "_build" / ".coursekit-cache" / "tmp"
    for _ in range(400):  # until the program is running
        if scratch.exists() and any(scratch.glob("run-*/*")):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the program never started")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    entries = [p for p in (src / "_build" / ".coursekit-cache").glob("??/*")]
    assert entries == []  # nothing was stored for the killed run
    line = build(src, tmp_path / "out")
    assert counts(line) == (1, 1, 0)
    assert "slept" in (tmp_path / "out" / "index.html").read_text()
    assert not any(scratch.glob("*"))


def test_a_failed_program_that_drew_a_figure_shows_it_with_its_failure(make_app, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_page(
        src,
        "Titre\n=====\n\n.. code-block:: python\n\n"
        "    import matplotlib.pyplot as plt\n"
        "    plt.plot([1, 2, 3]); plt.show()\n"
        "    raise ValueError('après la figure')\n".encode(),
    )
    app = make_app("html", srcdir=src)
    app.build()
    assert "index.rst:4: ERROR: this code block raised an error" in (app.warning.getvalue())
    soup = BeautifulSoup((app.outdir / "index.html").read_text(), "html.parser")
    failed = soup.select_one("div.coursekit-output.coursekit-failed")
    assert "ValueError: après la figure" in failed.get_text()
    (image,) = failed.select("img.coursekit-figure")
    assert (app.outdir / image["src"]).read_bytes().startswith(b"\x89PNG")
    # Once the pages are written, no run folder is left behind.
    assert not any((src / "_build" / ".coursekit-cache" / "tmp").glob("*"))

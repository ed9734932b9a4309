"""A page runs like the learners' notebook: its blocks are the cells of one session.

Small roots: fragments that use earlier names, a failure the next blocks
survive, a skeleton, magics and shell escapes, the network cut, a missing
module, the data folder, failure caching, the figure of a failed block, and
execution switched off and on.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import copy_root, run_sphinx

from coursekit.config import SUMMARY_PATTERN

SUMMARY = re.compile(SUMMARY_PATTERN)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def summary(stdout: str) -> tuple[dict[str, int], int, int]:
    """({status: blocks}, jobs run, jobs from cache) from the build's summary line."""
    match = SUMMARY.search(stdout)
    assert match, stdout
    found = re.findall(r"(\d+) ([\w-]+)", match["statuses"])
    return {name: int(count) for count, name in found}, int(match["run"]), int(match["cached"])


def errors(stderr: str) -> dict[int, str]:
    """Each error, by the chapter line it names."""
    found = re.findall(r"index\.rst:(\d+): ERROR: (.*?) \[coursekit\.\w+\](?=\n|\Z)", stderr, re.S)
    return {int(line): text for line, text in found}


@pytest.mark.sphinx("html", testroot="session")
def test_blocks_share_one_namespace_like_notebook_cells(app, warning):
    app.build()
    assert warning.getvalue() == ""
    boxes = soup(app.outdir / "index.html").select("div.coursekit-output")
    texts = [box.get_text() for box in boxes]
    assert len(boxes) == 9
    assert "x is 41" in texts[0]
    # The last expression's value, as Jupyter shows it.
    assert boxes[1].select_one("div.coursekit-value pre").get_text() == "42\n"
    # The error on purpose shows its traceback with the chapter's line...
    assert 'index.rst", line 23' in texts[2] and "ValueError: boom" in texts[2]
    # ...and the next block still ran, with the names the failing block defined.
    assert "y is 82" in texts[3] and len(boxes[3].select("img.coursekit-figure")) == 1
    # The skeleton is shown, marked as an exercise, not run.
    assert "coursekit-exercise" in boxes[4]["class"] and "Exercice" in texts[4]
    # Magics work; the shell escape is not run, and the page says so.
    assert "per loop" in texts[5] and "after the magics" in texts[5]
    note = boxes[5].select_one("p.coursekit-shell-note")
    assert note is not None and note.code.get_text() == "!pip install torchviz"
    # :isolated: runs alone; the session's names are not there.
    assert "alone: False" in texts[6]
    assert "coursekit-session" not in boxes[6]["class"]
    # A trailing semicolon hides the value, as in Jupyter.
    assert boxes[7].select("pre") == []
    # A shell escape alone: noted, not run, and no value shown.
    assert boxes[8].select_one("p.coursekit-shell-note code").get_text() == "!nvidia-smi"
    assert boxes[8].select("pre") == []
    statuses, ran, cached = summary(app.status.getvalue())
    assert statuses == {"ok": 5, "expected-error": 1, "exercise": 1, "shell": 2}
    assert (ran, cached) == (2, 0)  # the session, and the block that runs alone


def test_failures_are_errors_with_file_and_line_and_are_cached(tmp_path):
    src = copy_root(tmp_path, "session-errors")
    out = tmp_path / "out"
    first = run_sphinx(src, out)
    assert first.returncode != 0
    found = errors(first.stderr)
    assert sorted(found) == [6, 21, 28, 34], first.stderr
    assert found[6].startswith("this code block raised an error:")
    assert "NameError: name 'undefined_name' is not defined" in found[6]
    assert 'index.rst", line 11' in found[6] and "undefined_name + 1" in found[6]
    # The network is cut: one clear message, at once.
    assert found[21] == (
        'File "index.rst", line 24: this program needs the network (yann.lecun.com:443); '
        "build machines are offline: put its data in data/ or freeze its output"
    )
    assert found[28] == (
        "File \"index.rst\", line 30: this block imports 'cv2', which is not installed: "
        "add opencv-python-headless to docs/requirements.txt"
    )
    assert found[34].startswith("this code block is not valid Python")
    assert 'index.rst", line 37' in found[34] and "IndentationError" in found[34]
    assert "Traceback" not in first.stderr.replace("raised an error:\nTraceback", "")
    statuses, ran, cached = summary(first.stdout)
    assert statuses == {"ok": 1, "error": 1, "syntax": 1, "network": 1, "missing-module": 1}
    assert (ran, cached) == (1, 0)
    page = soup(out / "index.html")
    boxes = page.select("div.coursekit-output")
    # The failed block's figure is shown with its failure; the next block ran.
    (image,) = boxes[0].select("img.coursekit-figure")
    assert (out / image["src"]).read_bytes().startswith(b"\x89PNG")
    assert "still running" in boxes[1].get_text()
    # The same failing page, unchanged, is not run again; its failures are still errors.
    again = run_sphinx(src, out, "html", "-E")
    assert summary(again.stdout)[1:] == (0, 1)
    assert sorted(errors(again.stderr)) == [6, 21, 28, 34]
    # Its figure comes from the cache: writing the page again finds it (the crash seen).
    (image,) = soup(out / "index.html").select("div.coursekit-output")[0].select("img")
    assert (out / image["src"]).read_bytes().startswith(b"\x89PNG")


def test_the_network_attempt_fails_fast(tmp_path):
    """Measured inside the program: the attempt fails at once, never at the timeout."""
    from coursekit.run.runner import Cell, Job
    from coursekit.run.scheduler import Scheduler

    code = "import urllib.request\nurllib.request.urlopen('https://yann.lecun.com/', timeout=50)\n"
    with Scheduler(workers=1) as scheduler:
        (outcome,) = scheduler.run([Job("net", cells=(Cell(code, 1, 60),), session=True)])
    (cell,) = outcome.cells
    assert cell.status == "network"
    assert cell.duration < 2.0, cell.duration


def fake_mnist(raw: Path, count: int = 3) -> None:
    """MNIST's four files in the IDX format torchvision reads, ``count`` images each.

    (torchvision itself cannot be installed beside the pinned CPU torch: PyPI's
    wheel fails to import with it, so the page reads the format with numpy.)
    """
    raw.mkdir(parents=True)
    for split in ("train", "t10k"):
        images = struct.pack(">IIII", 2051, count, 28, 28) + bytes(range(count)) * 784
        labels = struct.pack(">II", 2049, count) + bytes([7, 2, 1][:count])
        (raw / f"{split}-images-idx3-ubyte").write_bytes(images)
        (raw / f"{split}-labels-idx1-ubyte").write_bytes(labels)


def test_the_data_folder_is_read_offline_and_left_unchanged(tmp_path):
    src = copy_root(tmp_path, "session-data")
    fake_mnist(src / "data" / "MNIST" / "raw")
    out = tmp_path / "out"
    done = run_sphinx(src, out)
    assert done.returncode == 0, done.stderr
    texts = [box.get_text() for box in soup(out / "index.html").select("div.coursekit-output")]
    assert "3 images, the first is a 7" in texts[0]
    # The page's :execution: field says isolated: the second block does not see the first's names.
    assert "False" in texts[1]
    # A program that writes into the data folder is an error of the build.
    page = src / "index.rst"
    page.write_text(
        page.read_text()
        + "\n.. code-block:: python\n\n   open('data/MNIST/raw/t10k-labels-idx1-ubyte', 'ab')"
        ".write(b'x')\n"
    )
    spoiled = run_sphinx(src, out)
    assert spoiled.returncode != 0
    assert (
        "the programs changed the data folder data/, which they must only read: "
        "MNIST/raw/t10k-labels-idx1-ubyte was modified." in spoiled.stderr
    )


def test_an_unknown_execution_mode_is_an_error(tmp_path):
    src = copy_root(tmp_path, "session-data")
    page = src / "index.rst"
    page.write_text(page.read_text().replace(":execution: isolated", ":execution: parallel"))
    done = run_sphinx(src, tmp_path / "out")
    assert "index.rst: ERROR: the page's :execution: field is 'parallel'" in done.stderr


def test_switching_execution_off_and_on_rewrites_the_pages(tmp_path):
    src = copy_root(tmp_path, "programs")
    out = tmp_path / "out"
    doctrees = ("-d", str(tmp_path / "doctrees"))

    def outputs(*options: str) -> int:
        done = run_sphinx(src, out, "html", *doctrees, *options)
        assert done.returncode == 0, done.stderr
        return len(soup(out / "index.html").select("div.coursekit-output"))

    assert outputs() == 3
    assert outputs("-D", "coursekit_execute=0") == 0
    assert outputs() == 3


@pytest.mark.parametrize(
    ("code", "hidden"),
    [("x;", True), ("x;  # the value is hidden", True), ("x;\n\n# end\n", True),
     ("x", False), ("x  # a comment;", False), ('f("a;")', False)],
)  # fmt: skip
def test_a_semicolon_hides_the_value_as_ipython_decides(code, hidden):
    from coursekit.run.cell import ends_with_semicolon

    assert ends_with_semicolon(code) is hidden

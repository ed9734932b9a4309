"""The notebook pages' warm kernel (coursekit/run/kernel.py): an ordinary
ipykernel, forked from the programs' zygote, started through the kernel spec
the build writes."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time

import nbformat
import pytest
from conftest import copy_root, run_sphinx
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from coursekit.run.kernel import KERNEL_NAME, write_kernel_spec
from coursekit.run.runner import Job
from coursekit.run.scheduler import Scheduler
from coursekit.run.warm import SWITCH

PRELOAD = ["numpy"]

ZYGOTE_OF_THE_PROGRAMS = (
    "import os\n"
    "server = os.getppid()\n"
    "print(open(f'/proc/{server}/stat').read().rsplit(')', 1)[1].split()[1])\n"
)


@pytest.fixture
def warm_spec(tmp_path, monkeypatch):
    """JUPYTER_PATH finds the warm ``python3`` spec first, as in a build."""
    data = tmp_path / "jupyter"
    write_kernel_spec(data, PRELOAD)
    monkeypatch.setenv("JUPYTER_PATH", str(data))
    return data


def execute(cells: list[str], folder) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3"}
    nb.cells = [nbformat.v4.new_code_cell(code) for code in cells]
    NotebookClient(nb, timeout=60, resources={"metadata": {"path": str(folder)}}).execute()
    return nb


def text_of(cell) -> str:
    return "".join(
        output.get("text", "") or output.get("data", {}).get("text/plain", "")
        for output in cell.outputs
    )


def test_the_kernel_is_a_child_of_the_programs_zygote_and_behaves_as_jupyter(warm_spec, tmp_path):
    with Scheduler(1, PRELOAD) as scheduler:
        (outcome,) = scheduler.run([Job("z", ZYGOTE_OF_THE_PROGRAMS, "z.py")], tmp_path / "run")
    assert outcome.ok, outcome.error
    zygote = int(outcome.stdout)
    # The notebook folder's matplotlibrc, which a fresh kernel reads when it imports matplotlib.
    (tmp_path / "matplotlibrc").write_text("lines.linewidth: 7\n")
    nb = execute(
        [
            # Preloaded before the first cell: the fork of a warm process.
            "import os, sys\nprint(os.getppid(), 'numpy' in sys.modules)",
            "print(os.getcwd())",
            "import matplotlib.pyplot as plt\nplt.plot([1, 2, 1])\nplt.show()",
            "6 * 7",
            "print(plt.rcParams['lines.linewidth'], plt.get_backend())",
        ],
        tmp_path,
    )
    assert text_of(nb.cells[0]) == f"{zygote} True\n"
    assert text_of(nb.cells[1]) == f"{tmp_path}\n"  # the notebook's folder, as myst-nb asks
    # Inline figures, as in any kernel (the zygote's programs draw with Agg).
    assert [o.output_type for o in nb.cells[2].outputs] == ["display_data"]
    assert "image/png" in nb.cells[2].outputs[0].data
    assert nb.cells[3].outputs[0].data["text/plain"] == "42"
    assert text_of(nb.cells[4]) == "7.0 module://matplotlib_inline.backend_inline\n"


@contextlib.contextmanager
def started_kernel(folder):
    """A kernel started as nbclient starts it: (its manager, a client)."""
    manager = KernelManager(kernel_name=KERNEL_NAME)
    manager.start_kernel(cwd=str(folder))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield manager, client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_an_interrupt_reaches_the_kernel_and_a_killed_client_takes_it_along(warm_spec, tmp_path):
    with started_kernel(tmp_path) as (manager, client):
        kernel = kernel_pid(client)
        assert kernel != manager.provisioner.pid  # the kernel is not the process started
        client.execute("import time\ntime.sleep(60)")
        time.sleep(1)
        manager.interrupt_kernel()
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline and status is None:
            message = client.get_shell_msg(timeout=20)
            if message["msg_type"] == "execute_reply":
                status = message["content"]
        assert status is not None and status["ename"] == "KeyboardInterrupt"
        os.kill(manager.provisioner.pid, signal.SIGKILL)  # the client dies outright
        assert gone(kernel, 10), "the kernel outlived its client"


def kernel_pid(client) -> int:
    """The pid of the process that runs the cells."""
    outputs: list[dict] = []
    reply = client.execute_interactive(
        "import os\nprint(os.getpid())", timeout=30, output_hook=outputs.append
    )
    assert reply["content"]["status"] == "ok"
    return int(next(m["content"]["text"] for m in outputs if m["msg_type"] == "stream"))


def gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


def test_with_warm_starts_off_the_kernel_is_the_process_jupyter_started(
    warm_spec, tmp_path, monkeypatch
):
    monkeypatch.setenv(SWITCH, "0")
    with started_kernel(tmp_path) as (manager, client):
        assert kernel_pid(client) == manager.provisioner.pid


# --- In a build (coursekit/sphinx/notebooks.py) -----------------------------------


def runs_of(outdir) -> list[tuple[float, float, str, str]]:
    """(start, end, parent's module, numpy preloaded) of each page's cell."""
    found = []
    for page in ("un", "deux"):
        text = (outdir / f"{page}.html").read_text(encoding="utf-8")
        match = re.search(rf"run {page} (\S+) (\S+) (\S+) (True|False)", text)
        assert match, page
        found.append((float(match[1]), float(match[2]), match[3], match[4]))
    return found


def test_a_build_executes_its_notebooks_side_by_side_in_warm_kernels(tmp_path):
    srcdir = copy_root(tmp_path, "notebooks")
    done = run_sphinx(srcdir, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    (start1, end1, parent1, numpy1), (start2, end2, parent2, numpy2) = runs_of(tmp_path / "out")
    # Forked from the programs' zygote, which imported the preload.
    assert parent1 == parent2 == "coursekit.run.warm" and numpy1 == numpy2 == "True"
    # Executed ahead of their reading, one per worker: the runs overlap.
    assert max(start1, start2) < min(end1, end2)
    # The reading found them in the cache: each ran once.
    assert done.stdout.count("Using cached notebook") == 2, done.stdout


def test_a_notebook_that_fails_is_one_error_at_the_failing_line_and_runs_once(tmp_path):
    srcdir = copy_root(tmp_path, "notebooks")
    page = srcdir / "deux.md"
    text = page.read_text(encoding="utf-8").replace(
        "time.sleep(1.5)", "open('runs.txt', 'a').write('x')\nraise ValueError('boum')"
    )
    page.write_text(text + "\nLa valeur {glue:text}`absente` manque.\n", encoding="utf-8")
    failing = text.splitlines().index("raise ValueError('boum')") + 1
    done = run_sphinx(srcdir, tmp_path / "out")
    assert done.returncode != 0
    # One message, at the line that raised, with the cell's own error; not
    # Sphinx's crash report, nor myst-nb's warnings that follow from the run.
    assert f"deux.md:{failing}: ERROR: a cell of this notebook failed" in done.stderr
    assert "ValueError: boum [coursekit.notebook]" in done.stderr, done.stderr
    assert "WARNING" not in done.stderr and "ERROR" in done.stderr
    assert done.stderr.count("ERROR") == 1, done.stderr
    assert "The full traceback has been saved" not in done.stderr, done.stderr
    # Run ahead, once: its reading did not run it again.
    assert (srcdir / "runs.txt").read_text() == "x"


def test_a_run_that_fails_at_the_reading_is_the_same_one_error(tmp_path):
    """The path of the build that finds the other's run failed (the deck after
    the text): the reading runs the notebook, and its failure is one error."""
    srcdir = copy_root(tmp_path, "notebooks")
    page = srcdir / "deux.md"
    text = page.read_text(encoding="utf-8").replace("time.sleep(1.5)", "raise ValueError('boum')")
    page.write_text(text + "\nLa valeur {glue:text}`absente` manque.\n", encoding="utf-8")
    failing = text.splitlines().index("raise ValueError('boum')") + 1
    code = (
        "import sys, coursekit.sphinx.notebooks as notebooks\n"
        "notebooks.execute_notebooks_ahead = lambda *args: None\n"
        "from sphinx.cmd.build import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "-W", "--keep-going", "-b", "html", srcdir, tmp_path / "o"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode != 0
    assert f"deux.md:{failing}: ERROR: a cell of this notebook failed" in done.stderr
    assert done.stderr.count("ERROR") == 1 and "WARNING" not in done.stderr, done.stderr
    assert "The full traceback has been saved" not in done.stderr, done.stderr

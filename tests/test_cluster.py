"""Programs on a Dask cluster: a scheduler and two workers on 127.0.0.1.

The same test roots built with the local executor and with
``coursekit_executor=tcp://...`` (``make html EXECUTOR=...``) give the same
pages, byte for byte. A job that needs a GPU goes only to a worker that
declares one; a scheduler that cannot be reached is one clear error.
"""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import copy_root, run_sphinx

from coursekit.config import FAKE_GPU, SUMMARY_PATTERN

distributed = pytest.importorskip("distributed")

#: The roots built both ways: sessions, programs alone, failures of every kind.
ROOTS = ("session", "programs", "session-errors")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dask", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def scheduler():
    """``dask scheduler`` and two ``dask worker`` processes, stopped at the end."""
    address = f"tcp://127.0.0.1:{free_port()}"
    port = address.rsplit(":", 1)[1]
    processes = [start("scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard")]
    worker = ["worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"]
    processes += [start(*worker, "--name", f"w{n}") for n in (1, 2)]
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with distributed.Client(address, timeout=5) as client:
                    client.wait_for_workers(2, timeout=max(1, deadline - time.monotonic()))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        # Killed: a graceful Dask shutdown takes seconds, and nothing here needs one.
        for process in processes:
            process.kill()
        for process in processes:
            process.wait(timeout=10)


#: What %timeit prints: a measure of this run, never the same twice.
TIMEIT = re.compile(rb"[\d.]+ [^ ]*s \xc2\xb1 [\d.]+ [^ ]*s per loop")


def pages(out: Path) -> dict[str, bytes]:
    """The pages and the figures of a build, by path (a %timeit measure masked)."""
    files = [*out.glob("*.html"), *out.glob("_images/**/*.png")]
    return {
        path.relative_to(out).as_posix(): TIMEIT.sub(b"<timeit>", path.read_bytes())
        for path in sorted(files)
    }


@pytest.mark.parametrize("root", ROOTS)
def test_a_dask_cluster_builds_the_same_pages_byte_for_byte(tmp_path, scheduler, root):
    local_src = copy_root(tmp_path / "local", root)
    dask_src = copy_root(tmp_path / "dask", root)
    local = run_sphinx(local_src, tmp_path / "local-out")
    remote = run_sphinx(
        dask_src, tmp_path / "dask-out", "html", "-D", f"coursekit_executor={scheduler}"
    )
    assert remote.returncode == local.returncode, remote.stderr
    # The same messages: the failures, with the same file and line.
    assert re.sub(r"\S*/(local|dask)/", "", remote.stderr) == re.sub(
        r"\S*/(local|dask)/", "", local.stderr
    )
    ran = re.search(SUMMARY_PATTERN, remote.stdout)
    assert ran and ran["run"] == ran["jobs"] != "0", remote.stdout
    assert pages(tmp_path / "dask-out") == pages(tmp_path / "local-out")
    assert pages(tmp_path / "dask-out")


def test_executor_dask_starts_a_local_cluster_for_the_build(tmp_path):
    local = run_sphinx(copy_root(tmp_path / "local", "programs"), tmp_path / "local-out")
    src = copy_root(tmp_path / "dask", "programs")
    dask = run_sphinx(src, tmp_path / "dask-out", "html", "-D", "coursekit_executor=dask")
    assert local.returncode == dask.returncode == 0, dask.stderr
    ran = re.search(SUMMARY_PATTERN, dask.stdout)
    assert ran and ran["run"] == ran["jobs"] == "2", dask.stdout
    assert pages(tmp_path / "dask-out") == pages(tmp_path / "local-out")


def test_an_unknown_executor_is_one_clear_error(tmp_path):
    src = copy_root(tmp_path, "programs")
    done = run_sphinx(src, tmp_path / "out", "html", "-D", "coursekit_executor=slurm")
    assert done.returncode != 0
    errors = re.findall(r"ERROR: (.*)", done.stderr)
    assert errors == [
        "cannot run the programs: unknown executor 'slurm' (coursekit_executor, make html "
        "EXECUTOR=...): it must be 'local', 'dask' or the address of a Dask scheduler, "
        "tcp://HOST:PORT [coursekit.executor]"
    ], done.stderr


def test_make_passes_executor_to_the_text_build():
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "STAMP=", "_text", "EXECUTOR=tcp://gpu:8786"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "-D coursekit_executor=tcp://gpu:8786 docs" in done.stdout


def gpu_root(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["coursekit"]\nlanguage = "fr"\n', "utf-8")
    (src / "index.rst").write_text(
        "Titre\n=====\n\n.. code-block:: python\n   :gpu:\n\n   print('sur le GPU')\n", "utf-8"
    )
    return src


def test_a_gpu_block_needs_a_worker_that_declares_a_gpu(tmp_path, scheduler):
    src = gpu_root(tmp_path)
    options = ("html", "-D", f"coursekit_executor={scheduler}")
    # Even on a machine that passes for one with a GPU: the cluster's workers decide.
    done = run_sphinx(src, tmp_path / "out", *options, env={FAKE_GPU: "Fake H100"})
    assert done.returncode != 0
    (error,) = re.findall(r"index\.rst:4: ERROR: (.*)", done.stderr)
    assert error.startswith(
        f"this block needs a GPU (:gpu:) and no worker of the Dask scheduler at {scheduler} "
        f"declares one (start one with: dask worker {scheduler} --resources GPU=1)"
    )
    # A worker that declares a GPU joins: the block runs there, and only there.
    gpu_worker = start(
        "worker", scheduler, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1",
        "--resources", "GPU=1", "--name", "gpu",
    )  # fmt: skip
    try:
        with distributed.Client(scheduler, timeout=10) as client:
            client.wait_for_workers(3, timeout=60)
        done = run_sphinx(src, tmp_path / "out2", *options)
        assert done.returncode == 0, done.stderr
        assert "sur le GPU" in (tmp_path / "out2" / "index.html").read_text("utf-8")
    finally:
        gpu_worker.kill()
        gpu_worker.wait(timeout=10)


def test_a_scheduler_that_cannot_be_reached_is_one_clear_error(tmp_path):
    src = copy_root(tmp_path, "programs")
    address = f"tcp://127.0.0.1:{free_port()}"
    options = ("-D", f"coursekit_executor={address}", "-D", "coursekit_connect_timeout=1")
    done = run_sphinx(src, tmp_path / "out", "html", *options)
    assert done.returncode != 0
    errors = re.findall(r"ERROR: (.*)", done.stderr)
    assert len(errors) == 1, done.stderr
    assert errors[0].startswith(
        f"cannot run the programs: the Dask scheduler at {address} cannot be reached ("
    )
    assert "Traceback" not in done.stderr
    assert re.search(SUMMARY_PATTERN, done.stdout)["statuses"].endswith("unreachable")

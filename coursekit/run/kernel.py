"""Jupyter kernels that start warm: a notebook page's kernel is forked from the
programs' zygote (:mod:`coursekit.run.warm`).

myst-nb executes a notebook page through jupyter-cache and nbclient, which
start the kernel the notebook names (``python3``) from its kernel spec. A plain
kernel is a fresh Python that imports ipykernel, then the notebook's torch, and
torch's optimizers import ``torch._dynamo`` at their first use: about three
seconds before the first cell's own work, at every notebook page of a cold
build. The build gives its kernels a spec of their own (:func:`write_kernel_spec`,
found first through ``JUPYTER_PATH``) whose command is this module:

``python -m coursekit.run.kernel CONNECTION_FILE [MODULE...] [--KERNEL-OPTION...]``
is a thin client (nbclient adds options for the kernel, such as
``--HistoryManager.hist_file=:memory:``).
It hands its standard streams, its folder and its environment to the zygote that
imported ``MODULE``\\ s (the course's ``coursekit_preload``, the programs' own
zygote), which forks; the child is an ordinary IPython kernel (ipykernel) on
that connection file, with the preload imported already.

- The connection is the kernel's lifeline: when nbclient kills the client (a
  kernel that does not shut down), the kernel ends too. An interrupt (SIGINT)
  is passed on to the kernel.
- The forked child is :func:`coursekit.run.ipkernel.run_kernel`: figures are
  shown inline, as in any kernel.
- With ``COURSEKIT_WARM_PROGRAMS=0``, or no zygote to be had, the client
  becomes an ordinary kernel (``ipykernel_launcher``) itself.

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from coursekit.run.forkserver import die_with_parent
from coursekit.run.warm import SWITCH, run_in_zygote

#: The kernel spec's name: the one Jupyter gives the kernel of its own Python.
KERNEL_NAME = "python3"
#: What the kernel takes from the programs' environment.
KERNEL_ENVIRONMENT = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "PYTHONHASHSEED")


def kernel_spec(preload: list[str] | tuple[str, ...]) -> dict:
    """The spec: this module, run by this Python, importing this coursekit (the
    programs' ``PYTHONPATH``: the client must find the zygote the build's
    programs use, whose key is the runner's code)."""
    from coursekit.run.scheduler import PROGRAM_ENVIRONMENT, program_environment

    return {
        "argv": [sys.executable, "-m", "coursekit.run.kernel", "{connection_file}", *preload],
        # The kernel's environment, in both paths: the programs' threads (one:
        # they run beside it) and the zygote's hash seed, which a forked
        # kernel keeps (an ordinary one, warm starts off, gets the same).
        "env": {
            "PYTHONPATH": program_environment()["PYTHONPATH"],
            **{name: PROGRAM_ENVIRONMENT[name] for name in KERNEL_ENVIRONMENT},
        },
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "metadata": {"debugger": False},
    }


def write_kernel_spec(data_dir: Path, preload: list[str] | tuple[str, ...]) -> Path:
    """Write the warm ``python3`` kernel spec under ``data_dir`` (a Jupyter data
    folder: put it first in ``JUPYTER_PATH``); returns its file. Written only
    when it changed."""
    target = data_dir / "kernels" / KERNEL_NAME / "kernel.json"
    text = json.dumps(kernel_spec(preload), indent=1) + "\n"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all: the text and the deck write it side by side.
        temporary = target.with_name(f".{target.name}.{os.getpid()}")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    return target


def main(argv: list[str]) -> int:
    if not argv:
        print(
            "usage: python -m coursekit.run.kernel CONNECTION_FILE [MODULE...] [--OPTION...]",
            file=sys.stderr,
        )
        return 2
    # Ends when the process that started it dies, and so does the kernel: a
    # killed build leaves no kernel behind (a forked kernel is not its child,
    # and ipykernel watches its own parent only).
    die_with_parent()
    connection_file = argv[0]
    preload = [a for a in argv[1:] if not a.startswith("-")]
    options = [a for a in argv[1:] if a.startswith("-")]
    if os.environ.get(SWITCH) != "0":
        from coursekit.run.scheduler import program_environment

        kernel_env = dict(os.environ)
        # The zygote's key is made from the programs' environment (at import time).
        os.environ.update(program_environment())

        def started(pid: int) -> None:
            # nbclient interrupts a cell with SIGINT to the process it started:
            # passed on to the kernel's group (the kernel leads one once it runs).
            def interrupt(*_) -> None:
                try:
                    os.killpg(pid, signal.SIGINT)
                except ProcessLookupError:
                    os.kill(pid, signal.SIGINT)

            signal.signal(signal.SIGINT, interrupt)

        request = {"kind": "kernel", "argv": [connection_file, *options], "env": kernel_env}
        status = run_in_zygote(["1", *preload], request, on_start=started)
        if status is not None:
            return status
        os.environ.clear()
        os.environ.update(kernel_env)
    launcher = [sys.executable, "-m", "ipykernel_launcher", "-f", connection_file, *options]
    os.execv(sys.executable, launcher)
    return 1  # not reached


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The local executor: one program server per build, fed as pages are read.

:class:`Scheduler` starts :mod:`coursekit.run.server` in a subprocess the first
time a job is submitted (or when :meth:`Scheduler.warm_up` asks for it), sends
it jobs as they become known, and collects their outcomes. There is one
scheduler per build, so ``workers`` bounds the whole build, whatever the
number of pages. The programs' environment (one thread each, no display) is
given to the server's process only: nothing of this process is changed.

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from dataclasses import asdict
from pathlib import Path

from coursekit.run.executor import Executor, outcome_of
from coursekit.run.runner import Job
from coursekit.run.warm import SWITCH

#: The folder that holds the coursekit package: the server imports it from there.
PACKAGE_PARENT = Path(__file__).resolve().parents[2]

#: What every program's process gets, whatever the environment of the build.
PROGRAM_ENVIRONMENT = {
    # Programs run side by side, one per core: each gets one thread (the
    # course's tensors are too small to gain from more; results are the same).
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "MPLBACKEND": "Agg",
    "PYTHONHASHSEED": "0",
}


def program_environment() -> dict[str, str]:
    """The program server's environment: this one, one thread, no display, coursekit importable."""
    env = {**os.environ, **PROGRAM_ENVIRONMENT}
    # First, once: a process started with this environment computes the same one.
    others = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(PACKAGE_PARENT), *(p for p in others if p and p != str(PACKAGE_PARENT))]
    )
    return env


def start_zygote_early(preload: list[str] | tuple[str, ...]) -> None:
    """Have the warm zygote of ``preload`` import its modules now, if none is running:
    a build that will need it then finds it ready (the build server calls this
    while it imports Sphinx). Returns at once."""
    if os.environ.get(SWITCH) == "0":
        return
    subprocess.Popen(
        [sys.executable, "-m", "coursekit.run.warm", "--early", "1", *preload],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=program_environment(),
        start_new_session=True,
    )


class Scheduler(Executor):
    """Runs jobs in children of one warm server, at most ``workers`` at a time.

    Thread-safe: :meth:`submit` may be called from any thread. Use as a
    context manager, or call :meth:`close`. ``keep_messages``: the server's
    message about each job is kept in :attr:`messages` (a Dask worker sends
    it back with the job's files).
    """

    def __init__(
        self,
        workers: int | None = None,
        preload: list[str] | tuple[str, ...] = (),
        keep_messages: bool = False,
    ) -> None:
        super().__init__(max(1, workers or os.cpu_count() or 1), preload)
        self.keep_messages = keep_messages
        self.messages: dict[str, dict] = {}
        self._process: subprocess.Popen | None = None
        #: Whether the server was given a job (a server started ahead may not be).
        self._given = False
        self._reader: threading.Thread | None = None
        self._stderr_reader: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------
    def _start(self) -> None:
        env = program_environment()
        # A warm start (coursekit.run.warm): the server is forked from a process
        # that imported the preload already, and stays for the next build.
        module = "coursekit.run.server" if os.environ.get(SWITCH) == "0" else "coursekit.run.warm"
        self._process = subprocess.Popen(
            [sys.executable, "-m", module, str(self.workers), *self.preload],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self._reader = threading.Thread(target=self._read, name="coursekit-results", daemon=True)
        self._reader.start()
        self._stderr_reader = threading.Thread(
            target=self._drain_stderr, name="coursekit-server-err", daemon=True
        )
        self._stderr_reader.start()

    def _stop(self) -> None:
        """Stop the server: children still running (an interrupted build) are killed.

        With nothing left to run the server ends as soon as its input is
        closed; otherwise it is told to stop (SIGTERM), kills its children and
        ends, and is killed outright if it does not.
        """
        process = self._process
        if process is None:
            return
        with contextlib.suppress(OSError):
            process.stdin.close()  # type: ignore[union-attr]
        try:
            # A server that was never given a job (started ahead, for a page
            # whose code had not changed) may still be importing: nothing to wait for.
            process.wait(timeout=1 if self._given else 0)
        except subprocess.TimeoutExpired:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for thread in (self._reader, self._stderr_reader):
            if thread is not None:
                thread.join(timeout=5)
        self._process = None

    def _alive(self) -> bool:
        reader = self._reader
        # When the reader has ended, everything the server said has been read.
        return self._process is not None and reader is not None and reader.is_alive()

    # -- jobs ------------------------------------------------------------
    def _send(self, job: Job, folder: Path) -> None:
        self._given = True
        line = json.dumps({**asdict(job), "folder": str(folder)})
        try:
            self._process.stdin.write(line + "\n")  # type: ignore[union-attr]
            self._process.stdin.flush()  # type: ignore[union-attr]
        except BrokenPipeError:
            self._failure = self._failure or "the program server stopped"

    # -- the server's messages ------------------------------------------
    def _read(self) -> None:
        """Read the server's messages until it ends; never dies on a bad one."""
        stdout = self._process.stdout  # type: ignore[union-attr]
        try:
            for line in stdout:
                self._handle(line)
        finally:
            if self._stderr_reader is not None:  # its last words explain a crash
                self._stderr_reader.join(timeout=5)
            self._wake()

    def _handle(self, line: str) -> None:
        try:
            message = json.loads(line)
        except ValueError:
            self.warnings.append(f"unreadable message from the program server: {line[:200]!r}")
            return
        if "warning" in message:
            self.warnings.append(message["warning"])
        elif "most_at_once" in message:
            self.most_at_once = message["most_at_once"]
        elif "key" in message:
            if self.keep_messages:
                self.messages[message["key"]] = message
            self._arrived(outcome_of(message))

    def _drain_stderr(self) -> None:
        stderr = self._process.stderr  # type: ignore[union-attr]
        tail = []
        for line in stderr:
            tail = [*tail[-40:], line]
        self._failure = "".join(tail) or "the program server ended unexpectedly"

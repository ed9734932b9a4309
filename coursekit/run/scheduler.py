"""The build's scheduler: one program server per build, fed as pages are read.

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
import tempfile
import threading
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from coursekit.run.runner import Job, Outcome, read_outcome

if TYPE_CHECKING:
    from collections.abc import Iterator

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


class Scheduler:
    """Runs jobs in children of one warm server, at most ``workers`` at a time.

    Thread-safe: :meth:`submit` may be called from any thread. Use as a
    context manager, or call :meth:`close`.
    """

    def __init__(
        self, workers: int | None = None, preload: list[str] | tuple[str, ...] = ()
    ) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.preload = list(preload)
        self.warnings: list[str] = []
        #: The most programs that ran at once, known once the server has ended.
        self.most_at_once = 0
        self._process: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._stderr_reader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._outcomes: dict[str, Outcome] = {}
        self._submitted: dict[str, Job] = {}
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._server_error = ""

    # -- lifecycle -------------------------------------------------------
    def __enter__(self) -> Scheduler:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def warm_up(self) -> None:
        """Start the server now, so that its imports overlap the build's reading."""
        with self._lock:
            self._ensure_started()

    def _ensure_started(self) -> None:
        if self._process is not None:
            return
        package_parent = str(PACKAGE_PARENT)
        env = {**os.environ, **PROGRAM_ENVIRONMENT}
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [package_parent, os.environ.get("PYTHONPATH", "")])
        )
        self._process = subprocess.Popen(
            [sys.executable, "-m", "coursekit.run.server", str(self.workers), *self.preload],
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

    def close(self) -> None:
        """Stop the server: children still running (an interrupted build) are killed.

        With nothing left to run the server ends as soon as its input is
        closed; otherwise it is told to stop (SIGTERM), kills its children and
        ends, and is killed outright if it does not.
        """
        process = self._process
        if process is not None:
            with contextlib.suppress(OSError):
                process.stdin.close()  # type: ignore[union-attr]
            try:
                process.wait(timeout=1)
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
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- jobs ------------------------------------------------------------
    def submit(self, job: Job, workdir: Path | None = None) -> None:
        """Queue ``job``; its files go in a fresh folder under ``workdir``.

        A job whose key was already submitted is not run again.
        """
        with self._lock:
            if job.key in self._submitted:
                return
            self._ensure_started()
            if workdir is None:
                if self._tmp is None:
                    self._tmp = tempfile.TemporaryDirectory(prefix="coursekit-jobs-")
                workdir = Path(self._tmp.name)
            workdir.mkdir(parents=True, exist_ok=True)
            folder = tempfile.mkdtemp(prefix=f"{job.key[:12]}-", dir=workdir)
            self._submitted[job.key] = job
            line = json.dumps({**asdict(job), "folder": folder})
            try:
                self._process.stdin.write(line + "\n")  # type: ignore[union-attr]
                self._process.stdin.flush()  # type: ignore[union-attr]
            except BrokenPipeError:
                self._server_error = self._server_error or "the program server stopped"

    def wait(self, keys: list[str]) -> dict[str, Outcome]:
        """Block until every job of ``keys`` has an outcome; returns them by key."""
        with self._done:
            while not all(key in self._outcomes for key in keys):
                reader = self._reader
                if self._process is None or reader is None or not reader.is_alive():
                    # The server is gone and everything it said has been read.
                    self._fail_unfinished(keys)
                    break
                self._done.wait(timeout=0.5)
            return {key: self._outcomes[key] for key in keys}

    def completed(self, keys: list[str]) -> Iterator[str]:
        """Yield each key of ``keys`` as its job ends (in the order they end)."""
        left = list(keys)
        while left:
            with self._done:
                done = [key for key in left if key in self._outcomes]
                if not done:
                    reader = self._reader
                    if self._process is None or reader is None or not reader.is_alive():
                        self._fail_unfinished(left)
                        continue
                    self._done.wait(timeout=0.5)
                    continue
            for key in done:
                left.remove(key)
                yield key

    def run(self, jobs: list[Job], workdir: Path | None = None) -> list[Outcome]:
        """Submit ``jobs`` and wait for them; outcomes come back in job order."""
        for job in jobs:
            self.submit(job, workdir)
        outcomes = self.wait([job.key for job in jobs])
        return [outcomes[job.key] for job in jobs]

    # -- the server's messages ------------------------------------------
    def _read(self) -> None:
        """Read the server's messages until it ends; never dies on a bad one."""
        stdout = self._process.stdout  # type: ignore[union-attr]
        try:
            for line in stdout:
                with self._done:
                    self._handle(line)
                    self._done.notify_all()
        finally:
            if self._stderr_reader is not None:  # its last words explain a crash
                self._stderr_reader.join(timeout=5)
            with self._done:
                self._done.notify_all()

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
            try:
                self._record(message)
            except Exception as error:  # a result folder half written by a killed child
                self._outcomes[message["key"]] = Outcome(
                    message["key"], "crash", reason=f"its result could not be read: {error}\n"
                )

    def _record(self, message: dict) -> None:
        key = message["key"]
        outcome = read_outcome(
            key, Path(message["folder"]), message["exitcode"], message["timed_out"]
        )
        if outcome.status in ("timeout", "crash"):
            outcome.duration = message["elapsed"]
        self._outcomes[key] = outcome

    def _drain_stderr(self) -> None:
        stderr = self._process.stderr  # type: ignore[union-attr]
        tail = []
        for line in stderr:
            tail = [*tail[-40:], line]
        self._server_error = "".join(tail)

    def _fail_unfinished(self, keys: list[str]) -> None:
        why = self._server_error.strip() or "the program server ended unexpectedly"
        for key in keys:
            if key not in self._outcomes:
                self._outcomes[key] = Outcome(key, "crash", reason=f"could not run: {why}\n")

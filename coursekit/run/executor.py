"""What runs the build's jobs, behind one small interface.

An :class:`Executor` takes jobs (:meth:`~Executor.submit`), runs them
somewhere, and hands their outcomes back as they end
(:meth:`~Executor.completed`, :meth:`~Executor.wait`). Two exist:

- ``local`` (the default): :class:`coursekit.run.scheduler.Scheduler`, one
  warm program server on this machine that forks a child per job;
- ``dask`` or ``tcp://HOST:PORT``: :class:`coursekit.run.cluster.DaskExecutor`,
  the same program server on each worker of a Dask cluster (a
  ``LocalCluster`` started for the build, or an existing scheduler), imported
  only then.

:func:`coursekit.run.backends.make_executor` makes the one a build names.

Either way a job runs the same: a fresh forked process, its own temporary
folder, no network, its timeouts (:mod:`coursekit.run.runner`). Its result
files come back into a folder on this machine, where :func:`outcome_of` reads
them.

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from coursekit.core.programs import probable_device
from coursekit.run.runner import Job, Outcome, read_outcome

if TYPE_CHECKING:
    from collections.abc import Iterator


class ExecutorError(Exception):
    """The executor cannot run anything (a scheduler that cannot be reached):
    the message is for people."""


def outcome_of(message: dict) -> Outcome:
    """The outcome of one finished job, from what its server said about it:
    ``key``, ``folder`` (its result files), ``exitcode``, ``timed_out``, ``elapsed``."""
    key = message["key"]
    try:
        outcome = read_outcome(
            key, Path(message["folder"]), message["exitcode"], message["timed_out"]
        )
    except Exception as error:  # a result folder half written by a killed child
        return Outcome(key, "crash", reason=f"its result could not be read: {error}\n")
    if outcome.status in ("timeout", "crash"):
        outcome.duration = message["elapsed"]
    return outcome


class Executor:
    """Runs jobs, and collects their outcomes by key. Thread-safe.

    Subclasses start their workers (:meth:`_start`, under the lock), send a
    job whose results go into a local folder (:meth:`_send`, under the lock),
    call :meth:`_arrived` with each outcome, and say whether more can still
    come (:meth:`_alive`).
    """

    #: What the summary line and messages call it.
    name = "local"

    def __init__(
        self, workers: int | None = None, preload: list[str] | tuple[str, ...] = ()
    ) -> None:
        self.workers = workers
        self.preload = list(preload)
        self.warnings: list[str] = []
        #: The most programs that ran at once, known once the executor is closed.
        self.most_at_once = 0
        self._lock = threading.RLock()  # a Dask callback may come inside submit()
        self._done = threading.Condition(self._lock)
        self._outcomes: dict[str, Outcome] = {}
        self._submitted: dict[str, Job] = {}
        self._tmp: tempfile.TemporaryDirectory | None = None
        self._started = False
        #: Why outcomes stopped coming, for the jobs left without one.
        self._failure = ""

    # -- what subclasses provide -------------------------------------------
    def _start(self) -> None:
        raise NotImplementedError

    def _send(self, job: Job, folder: Path) -> None:
        raise NotImplementedError

    def _alive(self) -> bool:
        raise NotImplementedError

    def _stop(self) -> None:
        raise NotImplementedError

    def gpu_available(self) -> bool:
        """Whether a job marked ``gpu`` can run here (this machine has CUDA)."""
        return probable_device() == "cuda"

    # -- lifecycle ---------------------------------------------------------
    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def warm_up(self) -> None:
        """Start the workers now, so that their imports overlap the build's reading."""
        with self._lock:
            self._ensure_started()

    def _ensure_started(self) -> None:
        if not self._started:
            self._start()
            self._started = True

    def close(self) -> None:
        """Stop the workers (jobs still running, in an interrupted build, are killed)."""
        if self._started:
            self._stop()
            self._started = False
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    # -- jobs --------------------------------------------------------------
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
            folder = Path(tempfile.mkdtemp(prefix=f"{job.key[:12]}-", dir=workdir))
            self._submitted[job.key] = job
            self._send(job, folder)

    def _arrived(self, outcome: Outcome) -> None:
        """Record one job's outcome (called with the lock held or not)."""
        with self._done:
            self._outcomes[outcome.key] = outcome
            self._done.notify_all()

    def _wake(self) -> None:
        with self._done:
            self._done.notify_all()

    def wait(self, keys: list[str]) -> dict[str, Outcome]:
        """Block until every job of ``keys`` has an outcome; returns them by key."""
        for _ in self.completed(keys):
            pass
        with self._lock:
            return {key: self._outcomes[key] for key in keys}

    def completed(self, keys: list[str]) -> Iterator[str]:
        """Yield each key of ``keys`` as its job ends (in the order they end)."""
        left = list(keys)
        while left:
            with self._done:
                done = [key for key in left if key in self._outcomes]
                if not done:
                    if not self._alive():
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

    def _fail_unfinished(self, keys: list[str]) -> None:
        """Outcomes will not come: each job left is a crash that says why (lock held)."""
        why = self._failure.strip() or f"the {self.name} executor ended unexpectedly"
        for key in keys:
            if key not in self._outcomes:
                self._outcomes[key] = Outcome(key, "crash", reason=f"could not run: {why}\n")

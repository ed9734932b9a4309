"""Programs on a Dask cluster: ``make html EXECUTOR=dask`` or ``EXECUTOR=tcp://HOST:PORT``.

:class:`DaskExecutor` sends each job to a worker of a ``dask.distributed``
cluster: a ``LocalCluster`` of worker processes started for the build
(``dask``), or an existing scheduler (``tcp://...``, started by hand on a
GPU server, or by ``dask-jobqueue`` on Slurm). On the worker, :func:`run_on_worker`
hands the job to that worker process's own program server
(:class:`coursekit.run.scheduler.Scheduler`, started once and kept warm), so a
job runs exactly as it does locally: a fresh forked process, its own
temporary folder, no network, its timeouts. The job's result files come
back with the task's result and are written into the build's folder, where
they are read as a local run's are.

A job marked ``gpu`` asks for the worker resource ``GPU``: only workers
started with ``--resources GPU=1`` take it.

The workers need the course's environment (the same packages, coursekit
installed) and, when the course has a data folder, the same path to it (a
shared file system). This module imports Dask, an optional dependency: it is
imported only when such an executor is asked for.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from pathlib import Path, PurePosixPath

import distributed

from coursekit.core.programs import probable_device
from coursekit.run.executor import Executor, ExecutorError, outcome_of
from coursekit.run.runner import Job, Outcome
from coursekit.run.scheduler import Scheduler

#: Seconds to wait for a scheduler before saying it cannot be reached.
CONNECT_TIMEOUT = 10
#: The worker resource that a job marked ``gpu`` asks for.
GPU = "GPU"

# -- on the worker ---------------------------------------------------------

_worker_lock = threading.Lock()
_worker_schedulers: dict[tuple[str, ...], Scheduler] = {}


def _worker_scheduler(preload: tuple[str, ...], threads: int) -> Scheduler:
    """This worker process's program server, started on its first job."""
    with _worker_lock:
        scheduler = _worker_schedulers.get(preload)
        if scheduler is None:
            scheduler = Scheduler(threads, preload, keep_messages=True)
            scheduler.warm_up()
            _worker_schedulers[preload] = scheduler
        return scheduler


def _files(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def run_on_worker(job: dict, preload: tuple[str, ...]) -> dict:
    """The task a worker runs: one job on its own program server; its files back."""
    import tempfile

    try:
        threads = distributed.get_worker().state.nthreads
    except (ValueError, AttributeError):  # not on a worker (a direct call)
        threads = 1
    scheduler = _worker_scheduler(tuple(preload), threads)
    began = time.time()
    with tempfile.TemporaryDirectory(prefix="coursekit-dask-") as tmp:
        scheduler.submit(Job.from_json(job), Path(tmp))
        scheduler.wait([job["key"]])
        message = scheduler.messages.pop(job["key"], None)
        if message is None:  # the worker's server died: say why
            outcome = scheduler.wait([job["key"]])[job["key"]]
            raise RuntimeError(outcome.reason.strip() or "the worker's program server failed")
        files = _files(Path(message["folder"]))
    return {
        "message": {k: message[k] for k in ("exitcode", "timed_out", "elapsed")},
        "files": files,
        "span": (began, time.time()),
        "warnings": list(scheduler.warnings),
    }


# -- on the build's side ---------------------------------------------------


class DaskExecutor(Executor):
    """Runs jobs on a Dask cluster: a LocalCluster (``address`` None) or a scheduler."""

    def __init__(
        self,
        address: str | None,
        workers: int | None = None,
        preload: list[str] | tuple[str, ...] = (),
        connect_timeout: float = CONNECT_TIMEOUT,
    ) -> None:
        super().__init__(workers, preload)
        self.address = address
        self.connect_timeout = connect_timeout
        self.name = address or "dask"
        self._cluster: distributed.LocalCluster | None = None
        self._client: distributed.Client | None = None
        self._futures: dict[str, distributed.Future] = {}
        self._spans: list[tuple[float, float]] = []

    def _start(self) -> None:
        if self.address is None:
            workers = max(1, self.workers or os.cpu_count() or 1)
            resources = {GPU: 1} if probable_device() == "cuda" else None
            self._cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                # Any free port: None would mean the default, 8787, maybe taken.
                dashboard_address=":0",
                silence_logs=logging.ERROR,
                resources=resources,
            )
            self._client = distributed.Client(self._cluster, set_as_default=False)
            return
        try:
            self._client = distributed.Client(
                self.address, timeout=self.connect_timeout, set_as_default=False
            )
        except (OSError, TimeoutError) as error:
            raise ExecutorError(
                f"the Dask scheduler at {self.address} cannot be reached ({error}); "
                "start it (dask scheduler, then dask worker "
                f"{self.address}), or build without EXECUTOR"
            ) from None

    def _stop(self) -> None:
        for future in list(self._futures.values()):
            future.cancel()
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.close()
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close()
        self._client = self._cluster = None
        self.most_at_once = most_overlapping(self._spans)

    def _alive(self) -> bool:
        return self._client is not None and self._client.status == "running"

    def gpu_available(self) -> bool:
        """Whether some worker of the cluster declares a ``GPU`` resource."""
        with self._lock:
            self._ensure_started()
            workers = self._client.scheduler_info(n_workers=-1)["workers"]  # type: ignore[union-attr]
        return any(info.get("resources", {}).get(GPU) for info in workers.values())

    def _send(self, job: Job, folder: Path) -> None:
        from dataclasses import asdict

        future = self._client.submit(  # type: ignore[union-attr]
            run_on_worker,
            asdict(job),
            tuple(self.preload),
            key=f"coursekit-{job.key}",
            resources={GPU: 1} if job.gpu else None,
            priority=int(job.expected * 1000),  # the longest first, as locally
            pure=False,
        )
        self._futures[job.key] = future
        future.add_done_callback(lambda done: self._returned(job.key, folder, done))

    def _returned(self, key: str, folder: Path, future: distributed.Future) -> None:
        """A task ended: its files written into ``folder``, its outcome recorded."""
        try:
            result = future.result()
        except Exception as error:  # the worker died, the task was cancelled...
            reason = f"the Dask cluster could not run it: {type(error).__name__}: {error}\n"
            self._arrived(Outcome(key, "crash", reason=reason))
            return
        finally:
            self._futures.pop(key, None)
        for name, data in result["files"].items():
            target = folder.joinpath(*PurePosixPath(name).parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        with self._lock:
            self._spans.append(tuple(result["span"]))
            for warning in result["warnings"]:
                if warning not in self.warnings:
                    self.warnings.append(warning)
        self._arrived(outcome_of({**result["message"], "key": key, "folder": str(folder)}))


def most_overlapping(spans: list[tuple[float, float]]) -> int:
    """The most intervals of ``spans`` open at one time."""
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    most = current = 0
    for _, step in events:
        current += step
        most = max(most, current)
    return most

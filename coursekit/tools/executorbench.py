"""What running the programs on a Dask cluster costs, against the local executor.

``make bench-executors`` runs the same jobs through each executor: the local
program server, a Dask ``LocalCluster`` (``EXECUTOR=dask``) and an existing
scheduler with workers on 127.0.0.1 (``EXECUTOR=tcp://...``, started here by
hand as a user would). For each it prints the start-up time (until the first
job can run), then the wall time of the jobs and the time per job, one worker
and then two, and the overhead per job against local execution. Each job is a
small program that prints and draws one figure, as the course's blocks do;
the wall times are medians of ``--repeat`` rounds.

Dask is an optional dependency: this tool needs ``.[dask]``.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from coursekit.run.backends import make_executor
from coursekit.run.executor import Executor
from coursekit.run.runner import Job

#: What each job runs: it prints, computes a little and draws, like a block of the course.
CODE = """\
import matplotlib.pyplot as plt
total = sum(i * i for i in range(20_000))
print("job {n}:", total)
plt.plot([1, 3, 2])
plt.show()
"""


def jobs(round_: int, count: int) -> list[Job]:
    return [
        Job(key=f"bench-{round_}-{n}", code=CODE.format(n=n), filename="bench.py")
        for n in range(count)
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_cluster(workers: int) -> tuple[str, list[subprocess.Popen]]:
    """``dask scheduler`` and ``workers`` ``dask worker`` processes on 127.0.0.1."""
    import distributed

    address = f"tcp://127.0.0.1:{free_port()}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    dask = [sys.executable, "-m", "dask"]
    port = address.rsplit(":", 1)[1]
    scheduler = [*dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"]
    processes = [subprocess.Popen(scheduler, **quiet)]
    worker = [*dask, "worker", address, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"]
    processes += [subprocess.Popen(worker, **quiet) for _ in range(workers)]
    deadline = time.monotonic() + 60
    while True:
        try:
            with distributed.Client(address, timeout=5) as client:
                client.wait_for_workers(workers, timeout=60)
            return address, processes
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def measure(spec: str, workers: int, count: int, repeat: int) -> tuple[float, float]:
    """(start-up seconds, median wall seconds of ``count`` jobs) for one executor."""
    executor: Executor = make_executor(spec, workers)
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        executor.warm_up()
        executor.run(jobs(-1, 1), Path(tmp))  # the first job: imports done, workers warm
        startup = time.perf_counter() - began
        for round_ in range(repeat):
            began = time.perf_counter()
            outcomes = executor.run(jobs(round_, count), Path(tmp))
            walls.append(time.perf_counter() - began)
            bad = [o for o in outcomes if not o.ok or len(o.figures) != 1]
            if bad:
                raise SystemExit(f"{spec}: a job failed: {bad[0].status} {bad[0].error}")
        executor.close()
    return startup, statistics.median(walls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=40, help="jobs per round (default 40)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds; the median is shown")
    args = parser.parse_args(argv)
    print(f"{args.jobs} jobs per round (print, compute, one figure), median of {args.repeat}")
    print(
        f"{'executor':<28}{'workers':>8}{'start-up':>10}{'wall':>9}{'per job':>10}{'overhead':>10}"
    )
    for workers in (1, 2):
        local = None
        address, processes = start_cluster(workers)
        try:
            for name, spec in (
                ("local", "local"),
                ("dask (LocalCluster)", "dask"),
                ("tcp://127.0.0.1", address),
            ):
                startup, wall = measure(spec, workers, args.jobs, args.repeat)
                per_job = wall / args.jobs * workers
                if local is None:
                    local = per_job
                overhead = f"{(per_job - local) * 1000:+.0f} ms"
                print(
                    f"{name:<28}{workers:>8}{startup:>9.2f}s{wall:>8.2f}s"
                    f"{per_job * 1000:>8.0f}ms{overhead:>10}",
                    flush=True,
                )
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=10)
    print("per job: wall x workers / jobs (the time one worker spends on a job, queueing included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

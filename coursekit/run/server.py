"""The program server: one process per build that runs every program.

Started by :class:`coursekit.run.scheduler.Scheduler` as
``python -m coursekit.run.server WORKERS [MODULE...]``. It imports matplotlib
and the ``MODULE``\\ s once (the course's ``coursekit_preload``), then reads
jobs, one JSON object per line, on its standard input. It keeps them in a
queue, longest expected first, forks a fresh child per job (so no state
leaks from one program to the next, and each starts warm), never runs more
than ``WORKERS`` at once, and kills a child that runs past its own timeout,
counted from the child's start (never from when the job was queued): the
sum of its cells' timeouts and a margin (each cell stops itself at its own). For
each finished job it writes one JSON line on its standard output: the key,
the folder the child wrote into, its exit status and, when it was killed,
the timeout it ran past.

It ends when its standard input is closed and nothing is left to run, or at
SIGTERM, killing its children first. Each child leads a process group of its
own, so a timeout kills what the program started too. Everything here is
plain POSIX: no Sphinx, no multiprocessing.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import importlib
import json
import os
import selectors
import shutil
import signal
import sys
import tempfile
import time
import traceback

from coursekit.run.forkserver import die_with_parent
from coursekit.run.runner import Job, run_child


def preload(modules: list[str]) -> list[str]:
    """Import matplotlib (Agg) and ``modules``; returns a message per module that failed."""
    import matplotlib

    matplotlib.use("Agg")
    # What every session needs: IPython's shell and its input transformation,
    # and what making a shell imports (a session's shell then takes 3 ms, not 25).
    import IPython.core.application
    import IPython.core.completer
    import IPython.core.completerlib
    import IPython.core.inputtransformer2
    import IPython.core.interactiveshell
    import IPython.core.magics  # noqa: F401
    import matplotlib.pyplot

    warm_up_drawing()
    problems = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as error:  # reported to the build, which goes on without it
            problems.append(f"could not preload {name!r}: {type(error).__name__}: {error}")
    os.register_at_fork(after_in_child=fresh_random_state)
    return problems


def fresh_random_state() -> None:
    """In each forked child: numpy's and torch's global generators seeded afresh
    from the system's entropy, as in a new process (Python's ``random`` does it
    itself). Else every program forked from one warm server would draw the same
    "random" numbers, run after run."""
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()
    torch = sys.modules.get("torch")
    if torch is not None:  # the CPU's: CUDA is first set up in the child, as in a new process
        torch.default_generator.seed()


def warm_up_drawing() -> None:
    """Draw one small figure (Agg, in memory): matplotlib's first drawing in a
    process sets up what every later one reuses, and each child forked from
    here then starts with it done (a quarter of a small figure's time)."""
    import io

    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(2, 2))
    axes.plot([0, 1], [0, 1], label="x")
    axes.set_title("x")
    axes.legend()
    figure.savefig(io.BytesIO(), format="png", dpi=50)
    plt.close(figure)


def fork_child(job: Job, folder: str, private_fd: int, workdir: str) -> int:
    """Fork a child that runs ``job`` in ``workdir``, its results into ``folder``;
    returns its pid.

    ``private_fd`` (the server's channel to the build) is closed in the child.
    The server's objects are frozen first (see :func:`forkserver.serve`).
    """
    gc.freeze()
    pid = os.fork()
    if pid:
        gc.unfreeze()  # the server's own garbage stays collectable
        with contextlib.suppress(OSError):  # also here: the child may not have run yet
            os.setpgid(pid, pid)
        return pid
    status = 0
    try:
        os.setpgid(0, 0)  # the program and whatever it starts: one group to kill
        die_with_parent()  # a build killed outright
        os.close(private_fd)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        run_child(job, folder, workdir)
    except BaseException:
        with contextlib.suppress(Exception):
            traceback.print_exc()
        status = 70
    finally:
        os._exit(status)  # never return into the server's loop


class Server:
    """The queue and the running children."""

    def __init__(self, workers: int, out) -> None:
        self.workers = max(1, workers)
        self.out = out
        self.queue: list[tuple[float, int, Job, str]] = []
        #: pid -> (job, results folder, start, working folder)
        self.running: dict[int, tuple[Job, str, float, str]] = {}
        self.serial = 0
        #: The most children that ran at once (reported to the build).
        self.most_at_once = 0

    def say(self, message: dict) -> None:
        self.out.write(json.dumps(message) + "\n")
        self.out.flush()

    def add(self, line: str) -> None:
        data = json.loads(line)
        folder = data.pop("folder")
        job = Job.from_json(data)
        self.serial += 1
        heapq.heappush(self.queue, (-job.expected, self.serial, job, folder))

    def start_what_fits(self) -> None:
        while self.queue and len(self.running) < self.workers:
            _, _, job, folder = heapq.heappop(self.queue)
            # Made here, removed here once the child is reaped: a child that is
            # killed, or ends with os._exit, cannot leave its files behind.
            workdir = tempfile.mkdtemp(prefix="coursekit-run-")
            pid = fork_child(job, folder, self.out.fileno(), workdir)
            self.running[pid] = (job, folder, time.monotonic(), workdir)
            self.most_at_once = max(self.most_at_once, len(self.running))

    def reap(self) -> None:
        now = time.monotonic()
        for pid, (job, folder, started, workdir) in list(self.running.items()):
            timed_out = None
            done, status = os.waitpid(pid, os.WNOHANG)
            if not done and now - started > job.limit:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
                done, status = os.waitpid(pid, 0)
                timed_out = job.limit
            if not done:
                continue
            del self.running[pid]
            shutil.rmtree(workdir, ignore_errors=True)
            self.say(
                {
                    "key": job.key,
                    "folder": folder,
                    "exitcode": os.waitstatus_to_exitcode(status),
                    "timed_out": timed_out,
                    "elapsed": time.monotonic() - started,
                }
            )

    def kill_all(self) -> None:
        for pid, (*_, workdir) in self.running.items():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            shutil.rmtree(workdir, ignore_errors=True)
        self.running.clear()

    def serve(self, stdin_fd: int) -> None:
        selector = selectors.DefaultSelector()
        selector.register(stdin_fd, selectors.EVENT_READ)
        pending = b""
        open_input = True
        try:
            while open_input or self.queue or self.running:
                self.start_what_fits()
                wait = 0.005 if self.running else None
                if open_input and selector.select(timeout=wait):
                    chunk = os.read(stdin_fd, 65536)
                    if not chunk:
                        open_input = False
                        selector.unregister(stdin_fd)
                    pending += chunk
                    *lines, pending = pending.split(b"\n")
                    for line in lines:
                        if line.strip():
                            self.add(line.decode("utf-8"))
                elif not open_input and self.running:
                    time.sleep(0.005)
                self.reap()
        finally:
            self.kill_all()
        self.say({"most_at_once": self.most_at_once})


def main(argv: list[str]) -> int:
    """Entry point: ``WORKERS [MODULE...]``."""
    workers, modules = int(argv[0]), argv[1:]
    # Results go on a private copy of stdout; fd 1 and 2 are left to stderr so
    # that whatever an imported module prints cannot break the protocol.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    server = Server(workers, out)
    for problem in preload(modules):
        server.say({"warning": problem})
    server.say({"ready": True})
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server.serve(0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Run programs in isolation, fast: a forkserver forks a fresh child per program.

The server imports torch and matplotlib once (:mod:`coursekit._preload`);
each program then runs in its own forked child, so no state leaks from one
program to the next, with its own temporary working directory, a timeout
enforced by the parent, its output captured at the file-descriptor level and
its figures saved where ``plt.show()`` is called. Up to ``workers`` children
run at once. Results come back as files, so a crash of the child cannot
corrupt the parent.

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
import types
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: Lines some libraries write straight to the terminal that say nothing about
#: the program (the PyTorch profiler's tracing probes, with a timestamp and pid).
NOISE_PREFIXES = ("USDT:",)
#: Output beyond this many characters is cut, with a note saying so.
MAX_OUTPUT = 200_000
#: The device recorded when CUDA is not available.
DEFAULT_DEVICE = "cpu"


@dataclass(frozen=True)
class Job:
    """One program to run.

    ``filename`` is what tracebacks show (the chapter file); ``first_line`` is
    the line of the chapter where the code starts, so that traceback line
    numbers are the chapter's own. ``collect`` names globals whose final value
    is returned (for tests).
    """

    key: str
    code: str
    filename: str
    first_line: int = 1
    timeout: float = 60.0
    collect: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What a program did: status is ``ok``, ``error``, ``timeout`` or ``crash``."""

    key: str
    status: str
    stdout: str = ""
    stderr: str = ""
    error: str = ""
    figures: list[Path] = field(default_factory=list)
    duration: float = 0.0
    device: str = DEFAULT_DEVICE
    values: dict = field(default_factory=dict)
    folder: Path | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def _jsonable(value, depth: int = 0):
    """Plain data from a program's value (tensors and arrays become lists)."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (int, float, str, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)) and depth < 4:
        return [_jsonable(item, depth + 1) for item in value]
    if isinstance(value, dict) and depth < 4:
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    return repr(value)


def _format_error(exc: BaseException, filename: str) -> str:
    """The traceback from the program's first frame on (the runner's frames dropped)."""
    tb_exc = traceback.TracebackException.from_exception(exc)
    frames = list(tb_exc.stack)
    for index, frame in enumerate(frames):
        if frame.filename == filename:
            tb_exc.stack = traceback.StackSummary.from_list(frames[index:])
            break
    else:
        tb_exc.stack = traceback.StackSummary.from_list([])
    return "".join(tb_exc.format())


def _child(job: Job, outdir: str) -> None:
    """Body of a forked child: run one program and write its results into ``outdir``."""
    out = Path(outdir)
    workdir = tempfile.mkdtemp(prefix="coursekit-run-")
    os.chdir(workdir)
    # Capture at the descriptor level, so output from C code is captured too.
    for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
        target = os.open(out / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.argv = [job.filename]

    import matplotlib.pyplot as plt

    figures: list[str] = []

    def save_figures(*args, **kwargs) -> None:
        for number in plt.get_fignums():
            path = out / f"figure-{len(figures) + 1:02d}.png"
            plt.figure(number).savefig(path, dpi=100, metadata={"Software": None})
            figures.append(path.name)
        plt.close("all")

    plt.show = save_figures
    device = DEFAULT_DEVICE
    result: dict = {"status": "ok", "error": "", "values": {}}
    namespace: dict = {"__name__": "__main__", "__file__": job.filename}
    start = time.perf_counter()
    try:
        code = compile("\n" * (job.first_line - 1) + job.code, job.filename, "exec")
        exec(code, namespace)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            result = {"status": "error", "error": f"SystemExit: {exc.code}\n", "values": {}}
    except BaseException as exc:  # the program's own error, reported as its output
        result = {"status": "error", "error": _format_error(exc, job.filename), "values": {}}
    duration = time.perf_counter() - start
    save_figures()
    try:
        import torch

        if torch.cuda.is_available():
            device = f"cuda ({torch.cuda.get_device_name(0)})"
    except Exception:  # a program may have broken torch; the device stays "cpu"
        pass
    for name in job.collect:
        if name in namespace:
            result["values"][name] = _jsonable(namespace[name])
    result.update(duration=duration, device=device, figures=figures)
    sys.stdout.flush()
    sys.stderr.flush()
    (out / "result.json").write_text(json.dumps(result), encoding="utf-8")
    shutil.rmtree(workdir, ignore_errors=True)


def _read_output(path: Path) -> str:
    if not path.exists():
        return ""
    with path.open(encoding="utf-8", errors="replace") as handle:
        text = handle.read(MAX_OUTPUT + 1)
    truncated = len(text) > MAX_OUTPUT
    lines = text[:MAX_OUTPUT].splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith(NOISE_PREFIXES)]
    text = "".join(lines)
    if truncated:
        size = path.stat().st_size
        text += f"\n[… sortie tronquée : {size:,} octets au total, {MAX_OUTPUT:,} affichés]\n"
    return text


def read_outcome(key: str, folder: Path, exitcode: int | None, timed_out: float | None) -> Outcome:
    """Build an Outcome from the files a child left in ``folder``."""
    stdout = _read_output(folder / "stdout.txt")
    stderr = _read_output(folder / "stderr.txt")
    if timed_out is not None:
        return Outcome(
            key, "timeout", stdout, stderr, error=f"ran past its timeout of {timed_out:g} s\n"
        )
    result_file = folder / "result.json"
    if not result_file.exists():
        if exitcode is not None and exitcode < 0:
            why = f"was killed by signal {signal.Signals(-exitcode).name}"
        else:
            why = f"ended the interpreter with exit status {exitcode}"
        return Outcome(key, "crash", stdout, stderr, error=f"the program {why}\n", folder=folder)
    result = json.loads(result_file.read_text(encoding="utf-8"))
    return Outcome(
        key=key,
        status=result["status"],
        stdout=stdout,
        stderr=stderr,
        error=result["error"],
        figures=[folder / name for name in result["figures"]],
        duration=result["duration"],
        device=result["device"],
        values=result["values"],
        folder=folder,
    )


@contextmanager
def _without_main_module():
    """Hide ``__main__`` while a child is started.

    multiprocessing re-imports the parent's main script in each child; under
    ``sphinx-build`` or pytest that would run their start-up code again. A
    child here needs nothing from ``__main__``.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


PRELOAD = ["coursekit._preload"]


def forkserver_context():
    """The forkserver context, its preload list set (once per process)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    return context


def warm_up() -> None:
    """Start the forkserver now (it imports torch and matplotlib, over a second),
    so that it is ready when the programs are known. Safe to call from a thread."""
    from multiprocessing import forkserver

    forkserver_context()
    with _without_main_module():
        forkserver.ensure_running()


class Runner:
    """Runs jobs in children forked from one warm server. Use as a context manager."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.context = forkserver_context()
        self._tmp: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> Runner:
        self._tmp = tempfile.TemporaryDirectory(prefix="coursekit-jobs-")
        return self

    def __exit__(self, *exc_info) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()

    def run(self, jobs: list[Job], workdir: Path | None = None) -> list[Outcome]:
        """Run every job, ``workers`` at a time; outcomes come back in job order.

        Each job's files are left in a folder of its own under ``workdir``
        (a temporary folder of the runner when not given).
        """
        base = Path(workdir or self._tmp.name)  # type: ignore[union-attr]
        base.mkdir(parents=True, exist_ok=True)
        pending = list(enumerate(jobs))
        running: dict[int, tuple[multiprocessing.process.BaseProcess, Path, float]] = {}
        outcomes: dict[int, Outcome] = {}
        # The environment of this process is left alone (a notebook kernel may be
        # starting beside us); the forkserver's preload sets up matplotlib.
        try:
            while pending or running:
                while pending and len(running) < self.workers:
                    index, job = pending.pop(0)
                    folder = Path(tempfile.mkdtemp(prefix=f"{job.key[:12]}-", dir=base))
                    process = self.context.Process(target=_child, args=(job, str(folder)))
                    with _without_main_module():
                        process.start()
                    running[index] = (process, folder, time.monotonic())
                for index, (process, folder, started) in list(running.items()):
                    job = jobs[index]
                    elapsed = time.monotonic() - started
                    if process.is_alive() and elapsed <= job.timeout:
                        continue
                    timed_out = None
                    if process.is_alive():
                        process.kill()
                        timed_out = job.timeout
                    process.join()
                    outcome = read_outcome(job.key, folder, process.exitcode, timed_out)
                    if outcome.status in ("timeout", "crash"):
                        outcome.duration = elapsed
                    outcomes[index] = outcome
                    del running[index]
                if running:
                    time.sleep(0.005)
        finally:
            for process, _, _ in running.values():
                process.kill()
        return [outcomes[index] for index in range(len(jobs))]

"""One program's run, inside the child the server forked for it, and its outcome.

The child gets its own temporary working directory, its output captured at
the file-descriptor level, its figures saved where ``plt.show()`` is called.
It writes its results as files into a folder, so a crash of the child cannot
corrupt anyone else; :func:`read_outcome` turns that folder into an
:class:`Outcome`. Scheduling and timeouts are :mod:`coursekit.run.server`'s.

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import tempfile
import time
import traceback
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
    is returned (for tests). ``expected`` is how long it ran last time, in
    seconds: the longest start first.
    """

    key: str
    code: str
    filename: str
    first_line: int = 1
    timeout: float = 60.0
    collect: tuple[str, ...] = ()
    expected: float = 0.0


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
    #: Streams cut at MAX_OUTPUT characters: name -> full size in bytes.
    cut: dict[str, int] = field(default_factory=dict)

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


def run_child(job: Job, outdir: str) -> None:
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
        # The device is only probed when the program itself used torch.
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_available():
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


def _read_output(path: Path) -> tuple[str, int | None]:
    """The text a child wrote, noise lines dropped, and its full size when it was cut."""
    if not path.exists():
        return "", None
    with path.open(encoding="utf-8", errors="replace") as handle:
        text = handle.read(MAX_OUTPUT + 1)
    truncated = len(text) > MAX_OUTPUT
    lines = text[:MAX_OUTPUT].splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith(NOISE_PREFIXES)]
    return "".join(lines), (path.stat().st_size if truncated else None)


def read_outcome(key: str, folder: Path, exitcode: int | None, timed_out: float | None) -> Outcome:
    """Build an Outcome from the files a child left in ``folder``."""
    stdout, stdout_size = _read_output(folder / "stdout.txt")
    stderr, stderr_size = _read_output(folder / "stderr.txt")
    cut = {
        name: size
        for name, size in (("stdout", stdout_size), ("stderr", stderr_size))
        if size is not None
    }
    if timed_out is not None:
        return Outcome(
            key,
            "timeout",
            stdout,
            stderr,
            error=f"ran past its timeout of {timed_out:g} s\n",
            cut=cut,
        )
    result_file = folder / "result.json"
    if not result_file.exists():
        if exitcode is not None and exitcode < 0:
            try:
                name = signal.Signals(-exitcode).name
            except ValueError:  # a real-time signal has no name
                name = f"number {-exitcode}"
            why = f"was killed by signal {name}"
        else:
            why = f"ended the interpreter with exit status {exitcode}"
        return Outcome(
            key, "crash", stdout, stderr, error=f"the program {why}\n", folder=folder, cut=cut
        )
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
        cut=cut,
    )

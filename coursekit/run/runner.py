"""One job's run, inside the child the server forked for it, and its outcome.

A job is one program, or the cells of one page run in order in one namespace
(a session, as in the learners' notebook; :mod:`coursekit.run.cell` runs each
cell). The child runs in the working directory its server made for it (and
removes once the child is gone: :mod:`coursekit.run.server`), with no network and the
course's data as ``./data`` (:mod:`coursekit.run.sandbox`), each cell's output
captured at the file-descriptor level and its figures saved where
``plt.show()`` is called or when the cell ends.
It writes its results as files into a folder, so a crash of the child cannot
corrupt anyone else; :func:`read_outcome` turns that folder into an
:class:`Outcome`. Scheduling and timeouts are :mod:`coursekit.run.server`'s.

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from coursekit.config import FAKE_GPU
from coursekit.run.cell import FAILURES

#: Lines some libraries write straight to the terminal that say nothing about
#: the program (the PyTorch profiler's tracing probes, with a timestamp and pid).
NOISE_PREFIXES = ("USDT:",)
#: Output beyond this many characters is cut, with a note saying so.
MAX_OUTPUT = 200_000
#: The device recorded when CUDA is not available.
DEFAULT_DEVICE = "cpu"


def fake_gpu() -> str:
    """The GPU name that ``COURSEKIT_FAKE_GPU`` declares, or ""."""
    return os.environ.get(FAKE_GPU, "").strip()


@dataclass(frozen=True)
class Cell:
    """One code block of a job: its code, the chapter line where the code starts
    (so that tracebacks give the chapter's own line numbers), its timeout, and
    the expressions whose values are wanted right after it (the numbers the
    prose below it quotes)."""

    code: str
    first_line: int = 1
    timeout: float = 60.0
    collect: tuple[str, ...] = ()


@dataclass(frozen=True)
class Job:
    """What one child runs: one program, or the cells of a page's session.

    A program is given by ``code`` (its chapter line ``first_line``, its
    ``timeout``); a session by ``cells``, run in order in one namespace, as in
    a notebook (``session=True``: the last expression's value is shown). When
    ``cells`` is given, ``code`` is ignored. ``filename`` is what tracebacks
    show (the chapter file). ``collect`` holds expressions (a name, or any
    Python expression over the job's globals) evaluated once every cell has
    run; their values are returned (the numbers a page quotes, the tests'
    probes). ``expected`` is how long it ran last time, in seconds: the
    longest start first. ``data`` is a folder shown to the
    program as ``./data`` (``data_label`` is what messages call it).
    ``gpu``: it needs CUDA (an executor sends it only where there is a GPU).
    """

    key: str
    code: str = ""
    filename: str = "program.py"
    first_line: int = 1
    timeout: float = 60.0
    collect: tuple[str, ...] = ()
    expected: float = 0.0
    cells: tuple[Cell, ...] = ()
    session: bool = False
    data: str = ""
    data_label: str = "docs/data/"
    gpu: bool = False

    def all_cells(self) -> tuple[Cell, ...]:
        return self.cells or (Cell(self.code, self.first_line, self.timeout),)

    @property
    def limit(self) -> float:
        """How long the whole child may run: every cell's timeout, and a margin."""
        return sum(cell.timeout for cell in self.all_cells()) + 5.0

    @classmethod
    def from_json(cls, data: dict) -> Job:
        data = dict(data)
        data["collect"] = tuple(data.get("collect", ()))
        data["cells"] = tuple(
            Cell(**{**cell, "collect": tuple(cell.get("collect", ()))})
            for cell in data.get("cells", ())
        )
        return cls(**data)


@dataclass
class CellOutcome:
    """What one cell printed, drew and did (see :class:`coursekit.run.cell.CellResult`)."""

    status: str = "not-run"
    stdout: str = ""
    stderr: str = ""
    error: str = ""
    value: str = ""
    shell: list[str] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    duration: float = 0.0
    #: Streams cut at MAX_OUTPUT characters: name -> full size in bytes.
    cut: dict[str, int] = field(default_factory=dict)
    #: The chapter line the cell started at when it ran (tracebacks name it).
    first_line: int = 1
    #: The values of the cell's ``collect`` expressions, right after it ran...
    values: dict = field(default_factory=dict)
    #: ...and why those that have none have none: expression -> the error.
    value_errors: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status in FAILURES


@dataclass
class Outcome:
    """What a job did.

    ``status`` is ``ok`` (every cell ran, none failed), ``error`` (some cell
    failed: an error, a syntax error, a network attempt, a missing module),
    ``timeout`` or ``crash`` (the child was cut short). ``cells`` holds one
    :class:`CellOutcome` per cell; ``stdout``, ``error``, ``figures``… are
    the cells' own, put together (a program is a job of one cell).
    """

    key: str
    status: str
    cells: list[CellOutcome] = field(default_factory=list)
    duration: float = 0.0
    device: str = DEFAULT_DEVICE
    #: The torch version the job used ("" when it did not import torch).
    torch: str = ""
    values: dict = field(default_factory=dict)
    #: Why an expression of ``collect`` has no value: expression -> the error.
    value_errors: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None
    #: Why the child was cut short (a timeout, a signal), when it was.
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def stdout(self) -> str:
        return "".join(cell.stdout for cell in self.cells)

    @property
    def stderr(self) -> str:
        return "".join(cell.stderr for cell in self.cells)

    @property
    def error(self) -> str:
        return "".join(cell.error for cell in self.cells) or self.reason

    @property
    def figures(self) -> list[Path]:
        return [figure for cell in self.cells for figure in cell.figures]

    @property
    def cut(self) -> dict[str, int]:
        return {name: size for cell in self.cells for name, size in cell.cut.items()}


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


def evaluate(expressions: tuple[str, ...], namespace: dict) -> tuple[dict, dict[str, str]]:
    """The values of ``expressions`` in ``namespace`` (as plain data), and the errors."""
    values, errors = {}, {}
    for expression in expressions:
        try:
            values[expression] = _jsonable(eval(expression, namespace))
        except BaseException as error:  # the page's own expression: say why it failed
            errors[expression] = f"{type(error).__name__}: {error}"
    return values, errors


def _capture(folder: Path) -> None:
    """Point fd 1 and 2 (and sys.stdout/err) at files in ``folder``.

    At the descriptor level, so output from C code is captured too.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(Exception):
        ctypes.CDLL(None).fflush(None)  # what C code buffered belongs to the last cell
    folder.mkdir(parents=True, exist_ok=True)
    for fd, name in ((1, "stdout.txt"), (2, "stderr.txt")):
        target = os.open(folder / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(target, fd)
        os.close(target)


def cell_folder(out: Path, index: int) -> Path:
    return out / f"cell-{index:02d}"


def run_child(job: Job, outdir: str, workdir: str) -> None:
    """Body of a forked child: run a job's cells in ``workdir`` (an empty
    folder, the server's to remove) and write their results into ``outdir``.

    Each cell writes ``cell-NN/`` (its streams, its figures, ``result.json``)
    as soon as it ends, so a session cut short keeps what its cells did; the
    job's own ``result.json`` is written last.
    """
    from coursekit.run.cell import Notebook
    from coursekit.run.sandbox import NetworkCut, mirror

    out = Path(outdir)
    os.chdir(workdir)
    if job.data and Path(job.data).is_dir():
        mirror(Path(job.data), Path(workdir) / "data")
    network = NetworkCut(job.data_label)
    network.install()
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)  # noqa: SIM115
    sys.argv = [job.filename]

    import matplotlib.pyplot as plt

    figures: list[str] = []
    folder = out

    def save_figures(*args, **kwargs) -> None:
        for number in plt.get_fignums():
            path = folder / f"figure-{len(figures) + 1:02d}.png"
            plt.figure(number).savefig(path, dpi=100, metadata={"Software": None})
            figures.append(path.name)
        plt.close("all")

    plt.show = save_figures
    notebook = Notebook(job.filename, interactive=job.session, network=network)
    start = time.perf_counter()
    for index, cell in enumerate(job.all_cells(), start=1):
        folder = cell_folder(out, index)
        _capture(folder)
        figures = []
        began = time.perf_counter()
        result = notebook.run(cell.code, cell.first_line, cell.timeout)
        duration = time.perf_counter() - began
        save_figures()  # what the cell left open is shown under it, as inline figures are
        values, value_errors = evaluate(cell.collect, notebook.namespace)
        sys.stdout.flush()
        sys.stderr.flush()
        record = {
            **asdict(result),
            "duration": duration,
            "figures": figures,
            "first_line": cell.first_line,
            "values": values,
            "value_errors": value_errors,
        }
        (folder / "result.json").write_text(json.dumps(record), encoding="utf-8")
        if result.status == "timeout":
            break  # as nbclient does: what follows a cell that hung is not run
    duration = time.perf_counter() - start
    device, torch_version = DEFAULT_DEVICE, ""
    try:
        # The device is only probed when the program itself used torch.
        torch = sys.modules.get("torch")
        if torch is not None:
            torch_version = str(torch.__version__)
            if torch.cuda.is_available():
                device = f"cuda ({torch.cuda.get_device_name(0)})"
    except Exception:  # a program may have broken torch; the device stays "cpu"
        pass
    if fake_gpu():
        device = f"cuda ({fake_gpu()})"
    values, value_errors = evaluate(job.collect, notebook.namespace)
    summary = {
        "duration": duration,
        "device": device,
        "torch": torch_version,
        "values": values,
        "value_errors": value_errors,
    }
    (out / "result.json").write_text(json.dumps(summary), encoding="utf-8")


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


def _read_cell(folder: Path) -> CellOutcome:
    stdout, stdout_size = _read_output(folder / "stdout.txt")
    stderr, stderr_size = _read_output(folder / "stderr.txt")
    cut = {
        name: size
        for name, size in (("stdout", stdout_size), ("stderr", stderr_size))
        if size is not None
    }
    result_file = folder / "result.json"
    if not result_file.exists():  # the cell that was running when the child was cut short
        return CellOutcome("crash", stdout, stderr, cut=cut)
    result = json.loads(result_file.read_text(encoding="utf-8"))
    return CellOutcome(
        status=result["status"],
        stdout=stdout,
        stderr=stderr,
        error=result["error"],
        value=result["value"],
        shell=result["shell"],
        figures=[folder / name for name in result["figures"]],
        duration=result["duration"],
        cut=cut,
        first_line=result["first_line"],
        values=result.get("values", {}),
        value_errors=result.get("value_errors", {}),
    )


def read_outcome(key: str, folder: Path, exitcode: int | None, timed_out: float | None) -> Outcome:
    """Build an Outcome from the files a child left in ``folder``."""
    cells = []
    index = 1
    while cell_folder(folder, index).is_dir():
        cells.append(_read_cell(cell_folder(folder, index)))
        index += 1
    result_file = folder / "result.json"
    if timed_out is not None or not result_file.exists():
        if timed_out is not None:
            status, why = "timeout", f"ran past its timeout of {timed_out:g} s\n"
        elif exitcode is not None and exitcode < 0:
            try:
                name = signal.Signals(-exitcode).name
            except ValueError:  # a real-time signal has no name
                name = f"number {-exitcode}"
            status, why = "crash", f"was killed by signal {name}\n"
        else:
            status = "crash"
            why = f"ended the interpreter with exit status {exitcode}\n"
        for cell in cells:
            if cell.status == "crash":  # the cell that was running
                cell.status = status
                cell.error = why
        return Outcome(key, status, cells, folder=folder, reason=why)
    summary = json.loads(result_file.read_text(encoding="utf-8"))
    cut_short = [cell for cell in cells if cell.status == "timeout"]
    status = "timeout" if cut_short else "error" if any(cell.failed for cell in cells) else "ok"
    return Outcome(
        key=key,
        status=status,
        cells=cells,
        duration=summary["duration"],
        device=summary["device"],
        torch=summary.get("torch", ""),
        values=summary["values"],
        value_errors=summary.get("value_errors", {}),
        folder=folder,
    )

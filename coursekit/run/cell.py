"""One code block run as a cell of the learners' notebook.

What Jupyter does, and what a build machine must not:

- code that is not plain Python goes through IPython's input transformation
  (``%timeit``, ``%matplotlib inline``, ``!cmd``), as in a notebook;
- the value of the last expression is shown, as Jupyter shows it (IPython's
  pretty printer), unless the cell ends with ``;``;
- shell escapes (``!pip install …``, ``%pip``, ``%%bash``) are recorded, never
  run;
- a block that does not compile and holds placeholders (``...``, ``…``,
  ``TODO``) is an exercise skeleton: shown, not run;
- any other syntax error is reported with the chapter's own line;
- a module that is not installed is named with the package that provides it.

:class:`Notebook` holds one namespace (and, when a cell needs it, one
IPython shell) for the cells of a page. This module knows nothing of Sphinx.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import linecache
import re
import signal
import tokenize
import traceback
from dataclasses import dataclass, field
from types import CodeType

#: An exercise skeleton's placeholders.
PLACEHOLDER = re.compile(r"\.\.\.|…|\bTODO\b")
#: Magics that would run a shell command (or install a package).
SHELL_MAGICS = ("pip", "conda", "mamba", "micromamba", "uv", "sx", "system", "bash", "sh", "script")
#: Import name -> the distribution that provides it, where they differ.
PACKAGES = {
    "cv2": "opencv-python-headless",
    "PIL": "pillow",
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "yaml": "pyyaml",
    "bs4": "beautifulsoup4",
    "torchsummary": "torch-summary",
    "google.protobuf": "protobuf",
    "dateutil": "python-dateutil",
}
#: A default repr's address changes at every run: it is shown as 0x….
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
#: Statuses of a cell that ran to its end, or was not run on purpose.
FAILURES = ("error", "network", "missing-module", "syntax", "timeout", "crash")


class CellTimeout(BaseException):  # not the program's own error: BaseException
    """Raised in a cell that ran past its timeout."""


@dataclass
class CellResult:
    """What one cell did; ``status`` is one of ok, error, exercise, shell, network,
    missing-module, syntax, timeout."""

    status: str = "ok"
    error: str = ""
    value: str = ""
    shell: list[str] = field(default_factory=list)
    duration: float = 0.0


@dataclass
class Compiled:
    body: CodeType | None = None
    last: CodeType | None = None
    status: str = "ok"
    error: str = ""


#: Tokens that do not count when looking for a cell's last one.
SKIPPED_TOKENS = frozenset(
    {
        tokenize.COMMENT,
        tokenize.NL,
        tokenize.NEWLINE,
        tokenize.ENDMARKER,
        tokenize.INDENT,
        tokenize.DEDENT,
    }
)


def ends_with_semicolon(code: str) -> bool:
    """Whether the cell's last token is ``;`` (comments and blank lines aside), the
    way IPython decides to hide the last expression's value."""
    tokens = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type not in SKIPPED_TOKENS:
                tokens.append(token)
    except (tokenize.TokenError, SyntaxError):
        return code.rstrip().endswith(";")
    return bool(tokens) and tokens[-1].string == ";"


def compile_cell(code: str, filename: str, first_line: int, interactive: bool) -> Compiled:
    """Compile a cell with the chapter's line numbers; classify what cannot run."""
    pad = "\n" * (first_line - 1)
    try:
        tree = ast.parse(pad + code, filename)
    except SyntaxError:
        tree = None
    if tree is None:
        from IPython.core.inputtransformer2 import TransformerManager

        try:
            tree = ast.parse(pad + TransformerManager().transform_cell(code), filename)
        except SyntaxError as error:
            if PLACEHOLDER.search(code):
                return Compiled(status="exercise")
            return Compiled(status="syntax", error="".join(traceback.format_exception_only(error)))
    last = None
    if (
        interactive
        and tree.body
        and isinstance(tree.body[-1], ast.Expr)
        and not ends_with_semicolon(code)
    ):
        last = ast.Expression(tree.body.pop().value)
    return Compiled(
        body=compile(tree, filename, "exec"),
        last=compile(last, filename, "eval") if last is not None else None,
    )


def shown_value(value: object) -> str:
    """The value of a cell's last expression as Jupyter shows it (text/plain)."""
    if value is None or hasattr(value, "savefig"):  # a figure is shown as a figure
        return ""
    from IPython.lib.pretty import pretty

    return ADDRESS.sub(" at 0x…", pretty(value)) + "\n"


def format_error(exc: BaseException, filename: str) -> str:
    """The traceback from the chapter's first frame on (the runner's frames dropped)."""
    tb_exc = traceback.TracebackException.from_exception(exc)
    frames = list(tb_exc.stack)
    for index, frame in enumerate(frames):
        if frame.filename == filename:
            tb_exc.stack = traceback.StackSummary.from_list(frames[index:])
            break
    else:
        tb_exc.stack = traceback.StackSummary.from_list([])
    return "".join(tb_exc.format())


def where_in(exc: BaseException, filename: str) -> str:
    """``File "chapter", line N`` of the deepest frame in the chapter, or ""."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return f'File "{filename}", line {frames[-1].lineno}: ' if frames else ""


def missing_module(exc: BaseException) -> str | None:
    """The module a ModuleNotFoundError names when it is really not installed."""
    name = getattr(exc, "name", None)
    if not isinstance(exc, ModuleNotFoundError) or not name:
        return None
    top = name.split(".")[0]
    try:
        if importlib.util.find_spec(top) is not None:
            return None  # the package is there: the error is the program's own
    except (ImportError, ValueError):
        pass
    return name


def package_for(module: str) -> str:
    for name in (module, module.split(".")[0]):
        if name in PACKAGES:
            return PACKAGES[name]
    return module.split(".")[0].replace("_", "-")


class Notebook:
    """The namespace the cells of one page share, as in one Jupyter kernel."""

    def __init__(self, filename: str, interactive: bool, network=None) -> None:
        self.filename = filename
        self.interactive = interactive
        self.network = network
        self.namespace: dict = {"__name__": "__main__"}
        if not interactive:
            self.namespace["__file__"] = filename
        self.shell = None
        self.commands: list[str] = []
        #: The chapter's lines as far as the cells go: tracebacks quote them.
        self.lines: list[str] = []

    def _shell(self):
        """IPython's shell, made the first time a cell needs one (its magics)."""
        if self.shell is None:
            from IPython.core.interactiveshell import InteractiveShell
            from traitlets.config import Config

            config = Config()
            config.HistoryManager.enabled = False
            config.InteractiveShell.colors = "nocolor"
            shell = InteractiveShell.instance(config=config, user_ns=self.namespace)
            shell.system = shell.system_raw = shell.system_piped = self._record_shell
            shell.getoutput = self._record_output

            def not_run(line: str, cell: str | None = None) -> None:
                first = cell.strip().splitlines()[0] if cell and cell.strip() else ""
                shown = f"%%{line} {first}".strip() if cell is not None else f"%{line}"
                self.commands.append(shown)

            for name in SHELL_MAGICS:
                shell.register_magic_function(
                    _named(not_run, name), magic_kind="line_cell", magic_name=name
                )
            # Figures are shown under each cell already, as the inline backend does.
            shell.register_magic_function(lambda line="": None, "line", "matplotlib")
            self.shell = shell
        return self.shell

    def _record_shell(self, command: str) -> None:
        """``!command``: recorded, not run (IPython's ``system`` returns None too)."""
        self.commands.append(f"!{command}")

    def _record_output(self, command: str, *args, **kwargs) -> list[str]:
        self.commands.append(f"!{command}")
        return []

    def run(self, code: str, first_line: int, timeout: float) -> CellResult:
        """Run one cell; its output goes wherever fd 1 and 2 point."""
        self._remember(code, first_line)
        compiled = compile_cell(code, self.filename, first_line, self.interactive)
        if compiled.status != "ok":
            return CellResult(status=compiled.status, error=compiled.error)
        if "get_ipython" in compiled.body.co_names or self.interactive:
            self._shell()
        self.commands = []
        attempts = len(self.network.attempts) if self.network else 0
        result = CellResult()
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        try:
            exec(compiled.body, self.namespace)
            if compiled.last is not None:
                value = eval(compiled.last, self.namespace)
                if value is not None:
                    self.namespace["_"] = value
                result.value = shown_value(value)
        except CellTimeout:
            result.status = "timeout"
            result.error = f"ran past its timeout of {timeout:g} s\n"
        except SystemExit as exc:
            if exc.code not in (None, 0):
                result.status, result.error = "error", f"SystemExit: {exc.code}\n"
        except BaseException as exc:  # the program's own error, shown as its output
            result.status, result.error = self._explain(exc, attempts)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        result.shell = list(self.commands)
        if result.status == "ok" and result.shell:
            result.status = "shell"
        return result

    def _remember(self, code: str, first_line: int) -> None:
        """Let tracebacks quote the cell's lines, at the chapter's line numbers."""
        lines = code.splitlines(keepends=True)
        end = first_line - 1 + len(lines)
        if len(self.lines) < end:
            self.lines.extend(["\n"] * (end - len(self.lines)))
        self.lines[first_line - 1 : end] = lines
        text_size = sum(len(line) for line in self.lines)
        linecache.cache[self.filename] = (text_size, None, self.lines, self.filename)

    def _explain(self, exc: BaseException, attempts: int) -> tuple[str, str]:
        if self.network is not None and len(self.network.attempts) > attempts:
            return "network", where_in(exc, self.filename) + self.network.attempts[attempts] + "\n"
        module = missing_module(exc)
        if module is not None:
            return "missing-module", (
                f"{where_in(exc, self.filename)}this block imports '{module}', which is not "
                f"installed: add {package_for(module)} to docs/requirements.txt\n"
            )
        return "error", format_error(exc, self.filename)


def _alarm(signum, frame) -> None:
    raise CellTimeout


def _named(function, name: str):
    def magic(line: str = "", cell: str | None = None):
        return function(f"{name} {line}".strip(), cell)

    magic.__name__ = name
    return magic

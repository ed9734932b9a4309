"""Notebook pages (myst-nb): the kernel that executes them at build time.

The kernel runs on this machine and talks to Sphinx over loopback. ipykernel
logs a warning about unencrypted TCP at every start, which is noise in a
strict build; the build gives the kernel its own IPython directory (under the
build folder, never the user's ``~/.ipython``) whose kernel configuration logs
errors only; its kernel spec gives it the programs' one thread per process
(they run beside it).

The kernel is warm: the build's kernel spec for ``python3`` (first in
``JUPYTER_PATH``) starts it as a fork of the programs' zygote, which imported
the course's ``coursekit_preload`` once (:mod:`coursekit.run.kernel`).

The text and the deck share one notebook cache, and a notebook is executed by
one build at a time: the build that reads it first holds a lock from
``source-read`` to ``doctree-read`` (myst-nb executes it while parsing it);
the other waits, then finds it in the cache. The deck, built beside the text,
never runs the notebook a second time.

Notebooks are executed ahead of their reading (``env-before-read-docs``), side
by side (one per worker), each under its lock, into that cache: myst-nb
executes a notebook while it parses it, one page after the other, and the
build reads notebooks last (after the chapters, whose programs then run
meanwhile). A notebook whose run fails is left out of the cache.

A failed run is one error at the line of the cell that failed, with the
cell's error and traceback (:func:`report_failed_run`), not myst-nb's crash
report: the build's parser for notebook pages is myst-nb's, which raises when
a run fails (``nb_execution_raise_on_error``); a page whose run ahead failed
is not run again, and its text is left out of the build that failed.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import queue
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.util import logging as sphinx_logging

from coursekit.config import DECK_BUILDERS
from coursekit.run.kernel import write_kernel_spec

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

#: Builders that myst-nb does not know, and the outputs they show, best first.
OTHER_BUILDERS = (*DECK_BUILDERS, "examples")
MIME_PRIORITY = (
    "text/html",
    "image/svg+xml",
    "image/png",
    "image/jpeg",
    "text/markdown",
    "text/latex",
    "text/plain",
)

KERNEL_CONFIG = """\
# Written by coursekit for notebook execution at build time.
c.IPKernelApp.log_level = "ERROR"
"""


def isolate_kernel_profile(app: Sphinx, config: Config) -> None:
    """Point the build's kernels at a profile of their own, and at the warm kernel."""
    if "myst_nb" not in config.extensions:
        return
    jupyter_dir = Path(app.doctreedir).parent / ".jupyter"
    write_kernel_spec(jupyter_dir, config.coursekit_preload)
    paths = os.environ.get("JUPYTER_PATH", "").split(os.pathsep)
    others = [p for p in paths if p and p != str(jupyter_dir)]
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(jupyter_dir), *others])
    ipython_dir = Path(app.doctreedir).parent / ".ipython"
    profile = ipython_dir / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    target = profile / "ipython_kernel_config.py"
    if not target.exists() or target.read_text() != KERNEL_CONFIG:
        target.write_text(KERNEL_CONFIG)
    os.environ["IPYTHONDIR"] = str(ipython_dir)


def outputs_for_other_builders(app: Sphinx, config: Config) -> None:
    """Tell myst-nb which output of a notebook cell our builders render."""
    if "nb_mime_priority_overrides" not in config:
        return
    overrides = list(config.nb_mime_priority_overrides)
    for builder in OTHER_BUILDERS:
        for rank, mime in enumerate(MIME_PRIORITY):
            overrides.append((builder, mime, (rank + 1) * 10))
    config.nb_mime_priority_overrides = overrides


def deck_runs_notebooks_apart(app: Sphinx) -> None:
    """The deck leaves the notebooks' outputs out, and keeps its executed copies
    out of the published site.

    - A notebook page quotes results of its run in its prose (myst-nb's
      ``glue`` roles): without the run, those roles have nothing to paste and
      warn. So the deck reads the page's run too (from the cache the text
      shares), and removes every cell output from its slides (as for the
      chapters' programs).
    - myst-nb writes each executed notebook (and its glue data) into
      ``jupyter_execute/`` beside the builder's output folder: for the deck,
      whose folder is inside the text's, that is inside the site. They go
      under the deck's doctrees instead.

    This changes myst-nb's own settings (``env.mystnb_config``, made from
    Sphinx's at ``builder-inited``, priority 500), never Sphinx's configuration:
    a value changed there after the environment is loaded would differ from
    the next build's ``conf.py``, and Sphinx would read every page again.
    """
    if app.builder.name not in DECK_BUILDERS or not getattr(app.env, "mystnb_config", None):
        return
    config = app.env.mystnb_config
    changes = {
        "remove_code_outputs": True,
        "output_folder": str(Path(app.doctreedir) / "jupyter_execute"),
    }
    app.env.mystnb_config = config.copy(**changes)


#: The suffixes of notebook pages (MyST notebooks, ipynb).
NOTEBOOKS = (".md", ".ipynb")
#: Locks held by this build, by docname: the notebooks it is executing.
_HELD: dict[str, object] = {}


def executes_notebooks(app: Sphinx) -> bool:
    config = getattr(app.env, "mystnb_config", None)
    return config is not None and config.execution_mode in ("cache", "force", "auto")


def notebook_cache(app: Sphinx) -> Path:
    return Path(str(app.env.mystnb_config.execution_cache_path or ".jupyter_cache"))


def notebook_lock(app: Sphinx, path: Path, wait: bool = True):
    """The notebook's lock file, open and locked (closing it unlocks); None if
    ``wait`` is false and another holds it."""
    cache = notebook_cache(app)
    locks = cache.parent / f"{cache.name}.locks"
    locks.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
    handle = open(locks / f"{name}.lock", "w")  # noqa: SIM115 (the caller closes it)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def one_build_runs_the_notebook(app: Sphinx, docname: str, source: list[str]) -> None:
    """``source-read``: wait until no other build executes this notebook, then hold it.

    Held until the page is read (``doctree-read``), when myst-nb has executed
    it and stored it in the cache; a build that waited then finds it there.
    """
    path = Path(app.env.doc2path(docname))
    if path.suffix not in NOTEBOOKS or not executes_notebooks(app):
        return
    _HELD[docname] = notebook_lock(app, path)


_SILENT = logging.getLogger("coursekit.notebooks.ahead")
_SILENT.addHandler(logging.NullHandler())
_SILENT.propagate = False


class _Quiet(logging.LoggerAdapter):
    """myst-nb's logger, saying nothing: the page's reading reports what matters."""

    def __init__(self) -> None:
        super().__init__(_SILENT, {})

    def process(self, msg, kwargs):
        kwargs.pop("subtype", None)
        kwargs.pop("line", None)
        return msg, kwargs


def notebook_reader(app: Sphinx, path: Path):
    """myst-nb's reader of the page ``path`` and its text, or None (plain Markdown)."""
    from myst_nb.core.read import create_nb_reader

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # its reading reports it
    reader = create_nb_reader(str(path), app.env.myst_config, app.env.mystnb_config, text)
    return None if reader is None else (reader, text)


logger = sphinx_logging.getLogger(__name__)
#: Notebook pages whose run ahead failed: path -> (the text that ran, why).
_FAILED: dict[str, tuple[str, BaseException]] = {}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: nbclient's message for a failed cell: the cell's source between two rules.
FAILED_CELL = re.compile(r"executing the following cell:\n-+\n(.*?)\n-+\n", re.S)
#: IPython's traceback: the line of the cell that raised.
CELL_LINE = re.compile(r"Cell In\[\d+\], line (\d+)")


def report_failed_run(docname: str, text: str, why: BaseException, path: str) -> None:
    """One error for a notebook page whose run failed: at the failing cell's
    line, with its error and the kernel's traceback (colours removed)."""
    _FAILED_PAGES.update((docname, path))
    message = ANSI.sub("", str(why)).strip() or type(why).__name__
    line = 1
    cell = FAILED_CELL.search(message)
    if cell is not None:
        rows = cell.group(1).splitlines()
        skipped = next((n for n, row in enumerate(rows) if row.strip()), 0)
        found = text.find(rows[skipped]) if rows and rows[skipped].strip() else -1
        if found >= 0:  # the cell's first line in the page, then the failing one
            line = text.count("\n", 0, found) + 1 - skipped
            failing = CELL_LINE.search(message)
            line += int(failing.group(1)) - 1 if failing else skipped
        message = message[cell.end() :].strip() or message
    name = getattr(why, "ename", "")
    heading = f"{name}: {getattr(why, 'evalue', '')}" if name else message.splitlines()[0]
    logger.error(
        "a cell of this notebook failed when it ran: %s\n%s",
        heading,
        message,
        location=(docname, line),
        type="coursekit",
        subtype="notebook",
    )


def notebook_parser():
    """myst-nb's parser for notebook pages, with a failed run reported by
    :func:`report_failed_run` instead of raised (Sphinx's crash report)."""
    from myst_nb.core.execute import ExecutionError
    from myst_nb.sphinx_ import Parser

    class NotebookParser(Parser):
        def parse(self, inputstring: str, document) -> None:
            env = document.settings.env
            path = str(Path(env.doc2path(env.docname)))
            failed = _FAILED.pop(path, None)
            if failed is not None and failed[0] == inputstring:
                report_failed_run(env.docname, inputstring, failed[1], path)
                self.parse_without_run(inputstring, document)  # not run a second time
                return
            try:
                super().parse(inputstring, document)
            except ExecutionError as error:
                # myst-nb warned that the run failed before it raised: the
                # error says it once (AfterAFailedRun leaves the warning out).
                report_failed_run(env.docname, inputstring, error.__cause__ or error, path)
                del document[:]  # what was parsed before the run
                self.parse_without_run(inputstring, document)

        def parse_without_run(self, inputstring: str, document) -> None:
            """The page as its text says, without outputs: myst-nb's other
            warnings (its glued values, missing without the run) are left out,
            the failed run being the error."""
            env = document.settings.env
            config, settings = env.config, env.mystnb_config
            before = list(config.suppress_warnings)
            config.suppress_warnings = [*before, "mystnb"]
            env.mystnb_config = settings.copy(execution_mode="off")
            try:
                super().parse(inputstring, document)
            finally:
                env.mystnb_config = settings
                config.suppress_warnings = before

    return NotebookParser


#: Pages whose run failed (docnames and source paths): myst-nb's warnings about
#: them (their glued values, missing without the run) follow from that error.
_FAILED_PAGES: set[str] = set()


class AfterAFailedRun(logging.Filter):
    """Leaves out myst-nb's warnings about a page whose run failed: that it
    failed (the error says it) and what follows from it (its glued values).

    Warnings of the reading are held until it ends (``--keep-going``), so the
    failure is known when myst-nb's own warning about it comes here. Not
    across processes: pages read in parallel keep myst-nb's warnings.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "type", "") != "mystnb" or not _FAILED_PAGES:
            return True
        location = getattr(record, "location", None)
        where = [str(getattr(record, "docname", "") or "")]
        if isinstance(location, tuple):
            where.append(str(location[0]))
        elif location is not None:
            node = location
            while node is not None and not getattr(node, "source", None):
                node = getattr(node, "parent", None)
            where.append(str(getattr(node, "source", None) or location))
        return _FAILED_PAGES.isdisjoint(where)


def use_notebook_parser(app: Sphinx, config: Config) -> None:
    """``config-inited``: myst-nb's notebook pages are read by :func:`notebook_parser`'s."""
    if "myst_nb" in config.extensions:
        app.add_source_parser(notebook_parser(), override=True)
        for handler in logging.getLogger(sphinx_logging.NAMESPACE).handlers:
            if isinstance(handler, sphinx_logging.WarningStreamHandler):
                handler.filters.insert(0, AfterAFailedRun())  # before it is counted


def execute_into_cache(app: Sphinx, path: Path, reader, text: str, lock) -> None:
    """Execute the notebook page ``path`` into the notebook cache, with the
    notebook and the settings myst-nb's parser makes of it (nothing if it is
    cached already, or if the page asks for another execution mode); then
    release its ``lock``, held until then."""
    from myst_nb.core.execute import ExecutionError, create_client
    from myst_nb.core.nb_to_tokens import nb_node_to_dict

    try:
        nb_config = app.env.mystnb_config
        notebook = reader.read(text)
        # As myst-nb's parser does: kernel aliases, then the notebook's own settings.
        kernel = notebook.metadata.get("kernelspec", {}).get("name")
        for pattern, alias in (nb_config.kernel_rgx_aliases or {}).items():
            if kernel is not None and re.fullmatch(pattern, kernel):
                notebook.metadata["kernelspec"]["name"] = alias
                break
        if nb_config.metadata_key in notebook.metadata:
            overrides = nb_node_to_dict(notebook.metadata[nb_config.metadata_key])
            overrides.pop("output_folder", None)
            nb_config = nb_config.copy(**overrides)
        if nb_config.execution_mode != "cache":
            return  # run at its reading, as it asks (or not at all)
        with create_client(notebook, str(path), nb_config, _Quiet(), reader.read_fmt):
            pass  # entering executes it into the cache, or finds it there
    except ExecutionError as error:  # the page's reading reports it
        _FAILED[str(path)] = (text, error.__cause__ or error)
    except Exception:
        pass  # not cached: the page's reading runs it again, and reports why
    finally:
        lock.close()


def execute_notebooks_ahead(app: Sphinx, env, docnames: list[str]) -> None:
    """``env-before-read-docs``: start executing the notebook pages to read, side
    by side, into the cache their reading then finds them in.

    Not when pages are read in parallel: the readers, forked from this process,
    would hold the locks taken here. The runs are daemon threads: a build that
    stops (an error, Ctrl-C) does not wait for the notebooks still to run, and
    their kernels end with it (:mod:`coursekit.run.kernel`).
    """
    config = getattr(env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache" or app.parallel > 1:
        return
    pages = [Path(env.doc2path(name)) for name in docnames]
    read = [(path, notebook_reader(app, path)) for path in pages if path.suffix in NOTEBOOKS]
    # Locked here, before any page is read: the reading waits for the run. A
    # notebook the other build (text or deck) is running is left to it.
    locked = [(path, *found, notebook_lock(app, path, wait=False)) for path, found in read if found]
    locked = [entry for entry in locked if entry[-1] is not None]
    if not locked:
        return
    # The cache's database, made once (under a lock: the text and the deck start
    # together), before runs side by side would each try to make its tables.
    from jupyter_cache import get_cache

    with notebook_lock(app, notebook_cache(app) / "database"):
        get_cache(str(notebook_cache(app))).list_cache_records()
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for entry in locked:
        todo.put(entry)

    def worker() -> None:
        while True:
            try:
                entry = todo.get_nowait()
            except queue.Empty:
                return
            execute_into_cache(app, *entry)

    workers = min(len(locked), app.config.coursekit_workers or os.cpu_count() or 1)
    for number in range(workers):
        threading.Thread(target=worker, name=f"coursekit-notebook-{number}", daemon=True).start()


def release_notebook(app: Sphinx, doctree=None) -> None:
    """``doctree-read`` (this page's lock) and ``build-finished`` (every lock left)."""
    names = [app.env.docname] if doctree is not None else list(_HELD)
    for docname in names:
        handle = _HELD.pop(docname, None)
        if handle is not None:
            handle.close()  # closing the file releases its lock


def notebook_css_before_pages(app: Sphinx, env) -> None:
    """``env-updated``: put myst-nb's stylesheet in place before pages are written.

    myst-nb copies ``mystnb.<hash>.css`` at ``build-finished``, after the pages;
    Sphinx adds ``?v=<checksum>`` to a stylesheet link only when the file is
    already there. So a cold build linked it bare and the next build with
    ``?v=``: two builds of the same sources differed. Copying it first (with
    myst-nb's own function) makes every build write the same link.
    """
    if app.builder.format != "html" or "nb_execution_mode" not in app.config:
        return
    from myst_nb.sphinx_ext import add_global_html_resources

    Path(app.builder.outdir, "_static").mkdir(parents=True, exist_ok=True)  # a cold build
    add_global_html_resources(app, None)


def setup_notebooks(app: Sphinx) -> None:
    """Prepare notebook execution."""
    app.connect("builder-inited", deck_runs_notebooks_apart, priority=600)
    app.connect("env-before-read-docs", execute_notebooks_ahead, priority=700)
    app.connect("source-read", one_build_runs_the_notebook)
    app.connect("doctree-read", release_notebook)
    app.connect("build-finished", lambda app, exception: release_notebook(app))
    app.connect("config-inited", isolate_kernel_profile)
    app.connect("config-inited", use_notebook_parser)
    app.connect("config-inited", outputs_for_other_builders, priority=400)
    app.connect("env-updated", notebook_css_before_pages)

"""The execution phase: every page's session and every program runs once, on one scheduler.

A page's Python blocks run as the cells of one notebook (a session), except
those that run alone (``:isolated:``, ``full-program``, a page in isolated
mode); :func:`page_units` says which jobs a page makes.

- ``builder-inited``: on a first build, the program server starts, so that
  its imports overlap Sphinx's reading.
- ``doctree-read``: a page's jobs whose result is not cached are sent to
  the scheduler at once (longest first, by the last build's timings), so
  they run while Sphinx reads the next pages.
- ``env-updated``: excerpts are checked; whatever was not sent yet (a
  parallel read, a cache emptied under an unchanged page) is sent; the phase
  waits (showing progress), stores the results by content (failures too, but
  not timeouts and killed runs), records one run per block in the
  environment and reports each failing block, cached or not, as one error
  naming the chapter file and line; it checks that the programs left the
  data folder as it was; then one summary line.

A job marked ``:freeze:`` (a block's option, or the page's field) whose
frozen output matches its code is shown from the frozen store
(:mod:`coursekit.run.frozen`) and never run; ``make freeze``
(``coursekit_freeze``) runs the others and stores them. A job marked
``:gpu:`` runs only where the executor has a GPU; elsewhere it is an error
that says how to get its output.

One :class:`BuildExecution` object per Sphinx application holds the build's
executor (:mod:`coursekit.run.executor`: the local program server, or a
Dask cluster): one per build, whatever the number of pages.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.util import logging
from sphinx.util.display import status_iterator

from coursekit.config import BUILD_DIR, DECK_BUILDERS, NO_RUN_BUILDERS, SUMMARY_FORMAT
from coursekit.core.programs import MODES, Program, Session, fingerprint_of, split_page
from coursekit.run.backends import make_executor
from coursekit.run.cache import ResultCache
from coursekit.run.cell import FAILURES
from coursekit.run.executor import Executor, ExecutorError
from coursekit.run.frozen import FrozenStore, Origin
from coursekit.run.runner import Cell, CellOutcome, Job, Outcome
from coursekit.run.sandbox import changes, snapshot
from coursekit.run.scheduler import Scheduler
from coursekit.sphinx.dialect import describe_habits, habit_counts
from coursekit.sphinx.examples import check_excerpts
from coursekit.sphinx.state import state

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment

    from coursekit.core.quoting import Quote

logger = logging.getLogger(__name__)

#: File, in the cache folder, of the last build's run times (for the order of runs).
TIMINGS = "timings.json"
#: Statuses in the order the summary line gives them.
STATUSES = (
    "ok",
    "expected-error",
    "exercise",
    "shell",
    "error",
    "syntax",
    "network",
    "missing-module",
    "timeout",
    "crash",
    "no-gpu",
    "unreachable",
    "not-run",
)
#: Page fields (before the title) that mark every block of the page.
PAGE_FLAGS = ("freeze", "gpu")


@dataclass
class RunRecord:
    """One line of the execution report: one block, and the job it ran in."""

    program: Program
    #: The block's place among its page's programs (its output placeholder's).
    index: int
    key: str
    #: The block's place among its job's cells (0 for a program that runs alone).
    cell: int
    status: str
    duration: float
    device: str
    cached: bool
    session: bool
    #: Where its frozen output was made, when it was shown from the frozen store.
    frozen: Origin | None = None


@dataclass
class Unit:
    """One job of a page: its session, or one program that runs alone.

    ``key`` addresses its result in the cache; ``frozen_key``, made of its
    code and the declared environment only, in the frozen store.
    """

    docname: str
    key: str
    programs: list[Program]
    session: bool
    where: str
    frozen_key: str = ""
    freeze: bool = False
    gpu: bool = False
    #: Per block, the expressions the prose below it quotes (``:output:``).
    collect: tuple[tuple[str, ...], ...] = ()

    def job(self, app: Sphinx, expected: float) -> Job:
        first = self.programs[0]
        data = data_folder(app)
        common = {
            "key": self.key,
            # Relative to the project: the page shows it, on any machine the same.
            "filename": first.source,
            "expected": expected,
            "data": str(data) if data.is_dir() else "",
            "data_label": data_label(app),
            "gpu": self.gpu,
        }
        collect = self.collect or ((),) * len(self.programs)
        cells = tuple(
            Cell(p.code, p.line, p.timeout, wanted)
            for p, wanted in zip(self.programs, collect, strict=True)
        )
        return Job(cells=cells, session=self.session, **common)


def cache_for(config: Config, confdir: str | os.PathLike) -> ResultCache:
    """The result cache this project's configuration names."""
    folder = config.coursekit_cache_dir or str(Path(confdir) / BUILD_DIR / ".coursekit-cache")
    return ResultCache(Path(folder))


def frozen_store(app: Sphinx) -> FrozenStore:
    """The course's frozen outputs (``docs/_frozen/``)."""
    return FrozenStore(Path(app.srcdir, app.config.coursekit_frozen_dir))


def execution_enabled(app: Sphinx) -> bool:
    """Whether this build runs the programs and shows their outputs (the text)."""
    return bool(app.config.coursekit_execute) and app.builder.name not in NO_RUN_BUILDERS


def values_only(app: Sphinx) -> bool:
    """Whether this build runs only the jobs whose values the prose quotes
    (``:output:``): the deck shows no output, but its prose shows the numbers."""
    return bool(app.config.coursekit_execute) and app.builder.name in DECK_BUILDERS


def runs_programs(app: Sphinx) -> bool:
    """Whether this build runs jobs at all: all of them (the text), or those its
    prose quotes (the deck)."""
    return execution_enabled(app) or values_only(app)


def load_outcome(app: Sphinx, docname: str, record: RunRecord) -> Outcome | None:
    """The result a run record names: frozen, this build's failure, or cached."""
    if record.frozen is not None:
        return frozen_store(app).load(record.key)
    failed = state(app.env).data["failed"].get(docname, {})
    return failed.get(record.key) or cache_for(app.config, app.confdir).load(record.key)


def data_folder(app: Sphinx) -> Path:
    """The course's data folder (``./data`` for every program)."""
    return Path(app.srcdir, app.config.coursekit_data_dir)


def data_label(app: Sphinx) -> str:
    """The data folder as messages name it: from the project's top."""
    folder = data_folder(app)
    try:
        return folder.resolve().relative_to(Path(app.confdir).resolve()).as_posix() + "/"
    except ValueError:
        return folder.as_posix() + "/"


def declared_environment(app: Sphinx) -> str:
    """What the course declares its programs need: its requirements and its data
    folder (the same on every machine: frozen outputs are keyed by it)."""
    parts = []
    requirements = Path(app.srcdir, app.config.coursekit_requirements)
    if requirements.is_file():
        parts.append("requirements " + hashlib.sha256(requirements.read_bytes()).hexdigest()[:16])
    data = snapshot(data_folder(app))
    if data:
        parts.append("data " + hashlib.sha256(json.dumps(data).encode()).hexdigest()[:16])
    return "; ".join(parts)


def environment(app: Sphinx) -> str:
    """What, besides their code, shapes what the programs do here: the versions,
    the device, and what the course declares."""
    fingerprint = fingerprint_of(tuple(app.config.coursekit_cache_packages))
    return "; ".join(filter(None, [fingerprint, declared_environment(app)]))


def origin_text(origin: Origin) -> str:
    """Where a frozen output was made, for the reader: "NVIDIA H100, torch 2.11.0"."""
    parts = [origin.device_name]
    if origin.torch:
        parts.append(f"torch {origin.torch}")
    return ", ".join(parts)


def page_flag(env: BuildEnvironment, docname: str, name: str) -> bool:
    """Whether the page's field ``:name:`` (written before its title) is on."""
    metadata = env.metadata.get(docname, {})
    if name not in metadata:
        return False
    return str(metadata[name]).strip().lower() not in ("no", "false", "0", "off")


def declared_mode(env: BuildEnvironment, config: Config, docname: str) -> str:
    """The page's ``:execution:`` field, else conf.py's, as written (checked by
    :meth:`BuildExecution.finish`)."""
    mode = str(env.metadata.get(docname, {}).get("execution", config.coursekit_execution))
    return mode.strip().lower()


def page_mode(env: BuildEnvironment, config: Config, docname: str) -> str:
    """``session`` or ``isolated``: how the page's blocks run (an unknown mode,
    reported as an error, runs as a session)."""
    mode = declared_mode(env, config, docname)
    return mode if mode in MODES else "session"


def page_units(app: Sphinx, docname: str, fingerprint: str, declared: str) -> list[Unit]:
    """The jobs of a page: its session (when it has one), then its isolated programs.

    ``fingerprint`` keys their results in the cache, ``declared`` (the
    declared environment) in the frozen store.
    """
    programs = state(app.env).programs(docname)
    if not programs:
        return []
    cells, alone = split_page(programs, page_mode(app.env, app.config, docname))
    flags = {name: page_flag(app.env, docname, name) for name in PAGE_FLAGS}
    quotes = state(app.env).quotes(docname)
    place = {id(program): index for index, program in enumerate(programs)}
    jobs: list[tuple[Session | Program, list[Program], bool]] = []
    if cells:
        jobs.append((Session(docname, cells[0].source, tuple(cells)), cells, True))
    jobs += [(program, [program], False) for program in alone]
    units = []
    for job, blocks, session in jobs:
        collect = tuple(quotes_of(quotes, place[id(p)], p.name) for p in blocks)
        if not any(collect):
            collect = ()
        # What the job returns is part of its result, so part of its keys.
        wanted = f"\ncollect {[list(c) for c in collect]}" if collect else ""
        units.append(
            Unit(
                docname,
                job.key(fingerprint + wanted),
                blocks,
                session,
                job.where,
                frozen_key=job.key(f"frozen 1; {declared}{wanted}"),
                freeze=flags["freeze"] or any(p.freeze for p in blocks),
                gpu=flags["gpu"] or any(p.gpu for p in blocks),
                collect=collect,
            )
        )
    return units


def quotes_of(quotes: list[Quote], block: int, name: str) -> tuple[str, ...]:
    """The expressions the page quotes right after its block number ``block``
    (the block above the sentence), or from the program ``name``."""
    return tuple(
        sorted(
            {
                q.reference.expression
                for q in quotes
                if (q.reference.program and q.reference.program == name)
                or (not q.reference.program and q.block == block)
            }
        )
    )


def cacheable(outcome: Outcome) -> bool:
    """Failures are kept like successes; a run cut short (timeout, killed) is not."""
    return outcome.status not in ("timeout", "crash")


def block_status(program: Program, cell: CellOutcome | None) -> str:
    """What a block's run means: ``expected-error`` for an error that is the point."""
    if cell is None:
        return "not-run"
    if program.expect_error:
        if cell.status == "error":
            return "expected-error"
        return "error" if cell.status == "ok" else cell.status
    return cell.status


def failure_message(program: Program, cell: CellOutcome | None, session: bool) -> str:
    """What went wrong with a block, and what it printed on its error stream."""
    what = f"program '{program.name}'" if program.name else "this code block"
    status = block_status(program, cell)
    if cell is None or status == "not-run":
        return f"{what} did not run: the page's session stopped at an earlier block."
    if program.expect_error and cell.status == "ok":
        return f"{what} is marked :expect-error: but ran without error."
    if status == "syntax":
        return (
            f"{what} is not valid Python (an exercise skeleton would hold ..., … or TODO):\n"
            f"{cell.error.rstrip()}"
        )
    if status in ("network", "missing-module"):
        return cell.error.rstrip()
    if status == "error":
        return f"{what} raised an error:\n{cell.error.rstrip()}"
    head = f"{what} {cell.error.strip()}"
    if status == "timeout":
        head += " (raise it with the block's :timeout: option or coursekit_timeout)"
        if session:
            head += "; the blocks after it did not run"
    tail = cell.stderr.strip()[-2000:]
    return f"{head}\n{tail}" if tail else head


class BuildExecution:
    """One build's execution: its executor, what was sent, the timings."""

    def __init__(self) -> None:
        self.executor: Executor | None = None
        self.sent: dict[str, Unit] = {}
        #: Jobs another live build is running (their results will be in the cache).
        self.awaited: dict[str, Unit] = {}
        #: Jobs this build claimed in the cache (see ResultCache.claim).
        self.claimed: set[str] = set()
        self.started: float | None = None
        self.owner = os.getpid()
        self.timings: dict[str, float] = {}
        self.fingerprint: str | None = None
        self.declared: str | None = None
        self.data_before: dict[str, tuple[int, int]] | None = None
        #: Why the executor cannot run anything (reported once), when it cannot.
        self.broken = ""
        self._gpu: bool | None = None
        #: Where figures are drawn when the programs run elsewhere (or not at all).
        self.figures: Scheduler | None = None

    # -- helpers ---------------------------------------------------------
    def _units(self, app: Sphinx, docname: str) -> list[Unit]:
        """The page's jobs this build runs: all of them, or (a deck) those quoted."""
        if self.fingerprint is None:
            self.fingerprint = environment(app)
            self.declared = declared_environment(app)
        units = page_units(app, docname, self.fingerprint, self.declared or "")
        return [unit for unit in units if unit.collect] if values_only(app) else units

    def _executor(self, app: Sphinx) -> Executor:
        if self.executor is None:
            self.executor = make_executor(
                app.config.coursekit_executor,
                workers=app.config.coursekit_workers or None,
                preload=app.config.coursekit_preload,
                connect_timeout=app.config.coursekit_connect_timeout,
            )
            cache = cache_for(app.config, app.confdir)
            try:
                self.timings = json.loads((cache.root / TIMINGS).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.timings = {}
            if self.data_before is None:
                self.data_before = snapshot(data_folder(app))
        return self.executor

    def _guarded(self, app: Sphinx, action) -> bool:
        """Run ``action(executor)``; an executor that cannot run is reported once."""
        if self.broken:
            return False
        try:
            action(self._executor(app))
        except ExecutorError as error:
            self.broken = str(error)
            logger.error("cannot run the programs: %s", error, type="coursekit", subtype="executor")
            return False
        return True

    def _gpu_available(self, app: Sphinx) -> bool:
        if self._gpu is None:
            found: list[bool] = []
            self._guarded(app, lambda executor: found.append(executor.gpu_available()))
            self._gpu = bool(found and found[0])
        return self._gpu

    def _shown_frozen(self, app: Sphinx, unit: Unit) -> bool:
        """Whether ``unit`` is shown from the frozen store (and so not run)."""
        return unit.freeze and frozen_store(app).has(unit.frozen_key)

    def _runnable(self, app: Sphinx, unit: Unit) -> bool:
        return not unit.gpu or self._gpu_available(app)

    def _send(self, app: Sphinx, docnames: list[str]) -> None:
        if self.broken:
            return
        cache = cache_for(app.config, app.confdir)
        todo = [
            unit
            for docname in docnames
            for unit in self._units(app, docname)
            if unit.key not in self.sent
            and unit.key not in self.awaited
            and not cache.has(unit.key)
            and not self._shown_frozen(app, unit)
            and self._runnable(app, unit)
        ]
        mine = []
        for unit in todo:
            if unit.key in self.claimed or cache.claim(unit.key):
                self.claimed.add(unit.key)
                mine.append(unit)
            else:  # the other build (the text beside the deck) runs it
                self.awaited[unit.key] = unit
        todo = mine
        if not todo:
            return
        if self.started is None:
            self.started = time.perf_counter()
        workdir = cache.workdir()

        def submit(executor: Executor) -> None:
            for unit in todo:
                expected = self.timings.get(unit.key, self.timings.get(unit.where, 0.0))
                executor.submit(unit.job(app, expected), workdir)
                self.sent[unit.key] = unit

        self._guarded(app, submit)

    def figure_executor(self, app: Sphinx) -> Executor:
        """Where figure scripts run: the build's program server when it is local
        (warm, the course's modules imported: no interpreter and no torch import
        per figure), else a local server of the figures' own, started once."""
        local = str(app.config.coursekit_executor or "local") == "local"
        if runs_programs(app) and local and not self.broken:
            return self._executor(app)
        if self.figures is None:
            self.figures = figure_scheduler(app)
        return self.figures

    # -- events ----------------------------------------------------------
    def warm_up(self, app: Sphinx) -> None:
        """``builder-inited``: start the executor on a first build (an empty environment)."""
        if execution_enabled(app) and not state(app.env).data["programs"]:
            self._guarded(app, lambda executor: executor.warm_up())

    def warm_up_for(self, app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
        """``env-before-read-docs``: start the executor while Sphinx reads, when a page
        to read had programs (an edit of its code runs it: the server's imports,
        torch's, then overlap the reading instead of following it)."""
        programs = state(env).data["programs"]
        if runs_programs(app) and any(programs.get(name) for name in docnames):
            self._guarded(app, lambda executor: executor.warm_up())

    def page_read(self, app: Sphinx, doctree: nodes.document) -> None:
        """``doctree-read``: send the page's uncached jobs to the executor."""
        # In a parallel read this runs in a forked reader: env-updated sends them.
        if runs_programs(app) and os.getpid() == self.owner:
            self._send(app, [app.env.docname])

    def finish(self, app: Sphinx, env: BuildEnvironment) -> list[str]:
        """``env-updated``: wait for every run, record and report them."""
        records = state(env)
        for docname, line, message in check_excerpts(env):
            logger.error(message, location=(docname, line), type="coursekit", subtype="excerpt")
        records.data["runs"] = {}
        records.data["failed"] = {}
        habits = describe_habits(habit_counts(env))
        if not runs_programs(app):
            if habits:
                logger.info("coursekit: Slidey habits read: %s", habits)
            self.close()
            return []
        docnames = sorted(records.data["programs"])
        for docname in docnames:
            mode = declared_mode(env, app.config, docname)
            if mode not in MODES:
                logger.error(
                    "the page's :execution: field is %r; it must be one of: %s.",
                    mode,
                    ", ".join(MODES),
                    location=docname,
                    type="coursekit",
                    subtype="execution",
                )
        self._send(app, docnames)
        cache = cache_for(app.config, app.confdir)
        fresh = self._store(cache, self._wait(app))
        # What another build was running is in the cache once it is done; what
        # it did not store (it died, or the run was cut short) runs here. Our
        # own results are stored first: the other build may be waiting for them.
        left = [unit for key, unit in self.awaited.items() if not cache.wait_for(key)]
        self.awaited = {}
        if left:
            self._send(app, sorted({unit.docname for unit in left}))
            fresh.update(self._store(cache, self._wait(app)))
        freezing = bool(app.config.coursekit_freeze)
        counts: collections.Counter[str] = collections.Counter()
        blocks = ran = jobs = 0
        keep: set[str] = set()
        for docname in docnames:
            position = {id(p): i for i, p in enumerate(records.programs(docname))}
            for unit in self._units(app, docname):
                jobs += 1
                if unit.freeze:
                    keep.add(unit.frozen_key)
                outcome = fresh.get(unit.key)
                cached = outcome is None
                if outcome is not None and not cacheable(outcome):
                    records.data["failed"].setdefault(docname, {})[unit.key] = outcome
                outcome, key, origin, refusal = self._result(app, unit, outcome)
                ran += not cached
                for index, program in enumerate(unit.programs):
                    record = self._record(
                        unit, index, program, outcome, cached, position[id(program)], refusal
                    )
                    record.key, record.frozen = key, origin
                    records.data["runs"].setdefault(docname, []).append(record)
                    counts[record.status] += 1
                    blocks += 1
                self.timings[unit.where] = self.timings[unit.key] = (
                    outcome.duration if outcome else 0.0
                )
        if freezing and not self.broken:
            store = frozen_store(app)
            gone = store.prune(keep)
            logger.info(
                "coursekit: frozen outputs in %s: %d, %d removed",
                store.root,
                len(keep),
                len(gone),
            )
        self._release(cache)
        self._save_timings(cache)
        self._check_data(app)
        elapsed = time.perf_counter() - self.started if self.started is not None else 0.0
        at_once = self.executor.most_at_once if self.executor is not None else 0
        by_status = ", ".join(f"{counts[name]} {name}" for name in STATUSES if counts[name])
        logger.info(
            SUMMARY_FORMAT,
            blocks,
            by_status or "none",
            jobs,
            ran,
            jobs - ran,
            elapsed,
            f", at most {at_once} at once" if at_once else "",
            f"; Slidey habits read: {habits}" if habits else "",
        )
        self.close()
        return []

    def _result(
        self, app: Sphinx, unit: Unit, fresh: Outcome | None
    ) -> tuple[Outcome | None, str, Origin | None, str]:
        """A job's result: (outcome, its key, where it was frozen, why it did not run).

        ``fresh`` is this build's run of it, if any (already in the cache, see
        :meth:`_store`); when freezing, it goes into the frozen store too.
        """
        cache, store = cache_for(app.config, app.confdir), frozen_store(app)
        outcome, refusal = fresh, ""
        if fresh is None and self._shown_frozen(app, unit):
            key = unit.frozen_key
            return store.load(key), key, store.origin(key), ""
        if fresh is None and cache.has(unit.key):
            outcome = cache.load(unit.key)
        elif fresh is None and not self._runnable(app, unit):
            refusal = self._no_gpu_message(app, unit, store)
        elif fresh is None and self.broken:
            refusal = "unreachable"
        freezing = app.config.coursekit_freeze and unit.freeze
        if freezing and outcome is not None and cacheable(outcome):
            key = unit.frozen_key
            origin = store.freeze(outcome, key, unit.where)
            return store.load(key), key, origin, ""
        return outcome, unit.key, None, refusal

    def _no_gpu_message(self, app: Sphinx, unit: Unit, store: FrozenStore) -> str:
        """Why a job that needs a GPU has no output here, and what to do."""
        spec = str(app.config.coursekit_executor or "local")
        if unit.freeze:
            if store.keys_for(unit.where):
                return (
                    "frozen output is stale (the code changed since it was frozen); "
                    "run `make freeze` on a machine with CUDA"
                )
            return "this block has no frozen output yet; run `make freeze` on a machine with CUDA"
        if spec == "local":
            where = "this machine has none"
        elif spec == "dask":
            where = "this machine's Dask workers have none"
        else:
            where = (
                f"no worker of the Dask scheduler at {spec} declares one "
                f"(start one with: dask worker {spec} --resources GPU=1)"
            )
        return (
            f"this block needs a GPU (:gpu:) and {where}; mark it :freeze: and run "
            "`make freeze` on a machine with CUDA, or build with EXECUTOR=tcp://HOST:PORT "
            "(a Dask scheduler with a GPU worker)"
        )

    def _wait(self, app: Sphinx) -> dict[str, Outcome]:
        """Wait for what was sent, showing which pages are done."""
        if not self.sent or self.executor is None:
            return {}
        keys = list(self.sent)
        labels = {
            key: unit.docname if unit.session else f"{unit.docname} ({unit.programs[0].slug})"
            for key, unit in self.sent.items()
        }
        for _ in status_iterator(
            self.executor.completed(keys),
            "running programs... ",
            "darkgreen",
            len(keys),
            app.verbosity,
            stringify_func=labels.__getitem__,
        ):
            pass
        fresh = self.executor.wait(keys)
        self.executor.close()  # every run is over; the executor reports its figures
        for warning in self.executor.warnings:
            logger.warning(warning, type="coursekit", subtype="preload")
        return fresh

    def _record(
        self,
        unit: Unit,
        index: int,
        program: Program,
        outcome: Outcome | None,
        cached: bool,
        position: int,
        refusal: str = "",
    ) -> RunRecord:
        """The run of one block, reported as an error when it failed.

        ``refusal``: why the job was not run ("unreachable": the executor could
        not run anything, already reported once); its first block says why.
        """
        cell = outcome.cells[index] if outcome and index < len(outcome.cells) else None
        if refusal:
            status = "unreachable" if refusal == "unreachable" else "no-gpu"
            if status == "no-gpu" and index == 0:
                logger.error(
                    refusal,
                    location=(program.docname, program.directive_line),
                    type="coursekit",
                    subtype="gpu",
                )
        else:
            status = block_status(program, cell) if outcome else "absent"
            if status in FAILURES or status == "not-run":
                logger.error(
                    failure_message(program, cell, unit.session),
                    location=(program.docname, program.directive_line),
                    type="coursekit",
                    subtype="execution",
                )
        return RunRecord(
            program=program,
            index=position,
            key=unit.key,
            cell=index,
            status=status,
            duration=cell.duration if cell else 0.0,
            device=outcome.device if outcome else "-",
            cached=cached,
            session=unit.session,
        )

    def _store(self, cache: ResultCache, fresh: dict[str, Outcome]) -> dict[str, Outcome]:
        """This build's results, stored in the cache (not a run cut short) and
        their claims released at once: another build may be waiting for them."""
        stored = {}
        for key, outcome in fresh.items():
            stored[key] = cache.store(outcome) if cacheable(outcome) else outcome
            cache.release(key)
            self.claimed.discard(key)
        return stored

    def _release(self, cache: ResultCache) -> None:
        for key in self.claimed:
            cache.release(key)
        self.claimed = set()

    def _check_data(self, app: Sphinx) -> None:
        if self.data_before is None:
            return
        changed = changes(self.data_before, snapshot(data_folder(app)))
        if changed:
            logger.error(
                "the programs changed the data folder %s, which they must only read: %s.",
                data_label(app),
                "; ".join(changed),
                type="coursekit",
                subtype="data",
            )

    def _save_timings(self, cache: ResultCache) -> None:
        """Add this build's run times to the file (the deck's build knows only
        the jobs it quotes: what the text's build wrote is kept)."""
        cache.root.mkdir(parents=True, exist_ok=True)
        try:
            timings = json.loads((cache.root / TIMINGS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            timings = {}
        timings.update(self.timings)
        tmp = cache.root / f"{TIMINGS}.{os.getpid()}"
        tmp.write_text(json.dumps(timings, sort_keys=True), encoding="utf-8")
        tmp.replace(cache.root / TIMINGS)

    def build_finished(self, app: Sphinx, exception: BaseException | None) -> None:
        """``build-finished``: no server left behind, and no run folder once pages are
        written (a run cut short is shown from its folder until then)."""
        if self.claimed:  # a build that stopped before its execution phase ended
            self._release(cache_for(app.config, app.confdir))
        self.close()
        if execution_enabled(app):
            cache_for(app.config, app.confdir).clean_scratch()

    def close(self, *args) -> None:
        """Stop the executor (an interrupted build leaves no server behind)."""
        if self.executor is not None:
            self.executor.close()
            self.executor = None
        if self.figures is not None:
            self.figures.close()
            self.figures = None
        self.sent = {}
        self.started = None
        self.fingerprint = self.declared = None
        self.data_before = None
        self.broken = ""
        self._gpu = None


def read_notebooks_last(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``: read reST chapters first, so that their programs
    run while notebooks (which execute in a kernel) are read."""
    docnames.sort(key=lambda name: (Path(env.doc2path(name)).suffix != ".rst", name))


#: Each build's execution, for the modules that run something in its server
#: (the figures). Weak: it goes with its application.
_EXECUTIONS: weakref.WeakKeyDictionary[Sphinx, BuildExecution] = weakref.WeakKeyDictionary()


def figure_scheduler(app: Sphinx) -> Scheduler:
    """A local program server for figures alone (the course's modules imported)."""
    return Scheduler(app.config.coursekit_workers or None, app.config.coursekit_preload)


def build_execution(app: Sphinx) -> BuildExecution:
    """This build's execution."""
    return _EXECUTIONS[app]


def setup_execution(app: Sphinx) -> None:
    """One execution object for this build, hooked to the build's phases."""
    execution = BuildExecution()
    _EXECUTIONS[app] = execution
    app.connect("builder-inited", execution.warm_up)
    app.connect("env-before-read-docs", read_notebooks_last)
    app.connect("env-before-read-docs", execution.warm_up_for)
    # After Sphinx's metadata collector (the page's fields say how it runs).
    app.connect("doctree-read", execution.page_read)
    app.connect("env-updated", execution.finish)
    app.connect("build-finished", execution.build_finished)

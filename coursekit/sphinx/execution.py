"""The execution phase: every program of the build runs once, on one scheduler.

- ``builder-inited``: on a first build, the program server starts, so that
  its imports overlap Sphinx's reading.
- ``doctree-read``: a page's programs whose result is not cached are sent to
  the scheduler at once (longest first, by the last build's timings), so
  they run while Sphinx reads the next pages.
- ``env-updated``: excerpts are checked; whatever was not sent yet (a
  parallel read, a cache emptied under an unchanged page) is sent; the phase
  waits, stores the results by content, records one run per program in the
  environment and reports each failure as one error naming the chapter file
  and line; then one summary line.

One :class:`BuildExecution` object per Sphinx application holds the build's
scheduler: there is one scheduler per build, whatever the number of pages.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.util import logging

from coursekit.config import BUILD_DIR, NO_RUN_BUILDERS
from coursekit.core.programs import Program, fingerprint_of
from coursekit.run.cache import ResultCache
from coursekit.run.runner import Job, Outcome
from coursekit.run.scheduler import Scheduler
from coursekit.sphinx.dialect import describe_habits, habit_counts
from coursekit.sphinx.examples import check_excerpts
from coursekit.sphinx.state import state

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment

logger = logging.getLogger(__name__)

#: File, in the cache folder, of the last build's run times (for the order of runs).
TIMINGS = "timings.json"


@dataclass
class RunRecord:
    """One line of the execution report."""

    program: Program
    key: str
    status: str
    duration: float
    device: str
    cached: bool


def cache_for(config: Config, confdir: str | os.PathLike) -> ResultCache:
    """The result cache this project's configuration names."""
    folder = config.coursekit_cache_dir or str(Path(confdir) / BUILD_DIR / ".coursekit-cache")
    return ResultCache(Path(folder))


def execution_enabled(app: Sphinx) -> bool:
    return bool(app.config.coursekit_execute) and app.builder.name not in NO_RUN_BUILDERS


def program_key(config: Config, program: Program) -> str:
    return program.key(fingerprint_of(tuple(config.coursekit_cache_packages)))


def failure_message(program: Program, outcome: Outcome) -> str:
    """What went wrong with a program, and what it printed on its error stream."""
    what = f"program '{program.name}'" if program.name else "the program of this code block"
    if program.expect_error and outcome.ok:
        return f"{what} is marked :expect-error: but ran without error."
    if outcome.status == "error":
        return f"{what} raised an error:\n{outcome.error.rstrip()}"
    head = f"{what} {outcome.error.strip()}"
    if outcome.status == "timeout":
        head += " (raise it with the block's :timeout: option or coursekit_timeout)"
    tail = outcome.stderr.strip()[-2000:]
    return f"{head}\n{tail}" if tail else head


def as_expected(program: Program, outcome: Outcome) -> bool:
    """A result worth caching: it ran to its end, failing only when it should."""
    return outcome.status in ("ok", "error") and (outcome.status == "error") == program.expect_error


class BuildExecution:
    """One build's execution: its scheduler, what was sent, the timings."""

    def __init__(self) -> None:
        self.scheduler: Scheduler | None = None
        self.sent: dict[str, Program] = {}
        self.started: float | None = None
        self.owner = os.getpid()
        self.timings: dict[str, float] = {}

    # -- helpers ---------------------------------------------------------
    def _scheduler(self, app: Sphinx) -> Scheduler:
        if self.scheduler is None:
            self.scheduler = Scheduler(
                workers=app.config.coursekit_workers or None,
                preload=app.config.coursekit_preload,
            )
            cache = cache_for(app.config, app.confdir)
            try:
                self.timings = json.loads((cache.root / TIMINGS).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.timings = {}
        return self.scheduler

    def _send(self, app: Sphinx, programs: list[Program]) -> None:
        cache = cache_for(app.config, app.confdir)
        todo = []
        for program in programs:
            key = program_key(app.config, program)
            if key not in self.sent and not cache.has(key):
                todo.append((program, key))
        if not todo:
            return
        scheduler = self._scheduler(app)
        if self.started is None:
            self.started = time.perf_counter()
        workdir = cache.workdir()
        for program, key in todo:
            self.sent[key] = program
            expected = self.timings.get(key, self.timings.get(program.where, 0.0))
            scheduler.submit(
                Job(
                    key=key,
                    code=program.code,
                    # Relative to the project: the page shows it, on any machine the same.
                    filename=program.source,
                    first_line=program.line,
                    timeout=program.timeout,
                    expected=expected,
                ),
                workdir,
            )

    # -- events ----------------------------------------------------------
    def warm_up(self, app: Sphinx) -> None:
        """``builder-inited``: start the server on a first build (an empty environment)."""
        if execution_enabled(app) and not state(app.env).data["programs"]:
            self._scheduler(app).warm_up()

    def page_read(self, app: Sphinx, doctree: nodes.document) -> None:
        """``doctree-read``: send the page's uncached programs to the scheduler."""
        # In a parallel read this runs in a forked reader: env-updated sends them.
        if execution_enabled(app) and os.getpid() == self.owner:
            self._send(app, state(app.env).programs(app.env.docname))

    def finish(self, app: Sphinx, env: BuildEnvironment) -> list[str]:
        """``env-updated``: wait for every run, record and report them."""
        records = state(env)
        for docname, line, message in check_excerpts(env):
            logger.error(message, location=(docname, line), type="coursekit", subtype="excerpt")
        records.data["runs"] = {}
        records.data["failed"] = {}
        habits = describe_habits(habit_counts(env))
        if not execution_enabled(app):
            if habits:
                logger.info("coursekit: Slidey habits read: %s", habits)
            self.close()
            return []
        programs = records.all_programs()
        self._send(app, programs)
        fresh: dict[str, Outcome] = {}
        at_once = 0
        if self.sent and self.scheduler is not None:
            fresh = self.scheduler.wait(list(self.sent))
            self.scheduler.close()  # every run is over; the server reports its figures
            at_once = self.scheduler.most_at_once
            for warning in self.scheduler.warnings:
                logger.warning(warning, type="coursekit", subtype="preload")
        cache = cache_for(app.config, app.confdir)
        ran = 0
        for program in programs:
            key = program_key(app.config, program)
            record = self._record(cache, program, key, fresh.get(key), records.data["failed"])
            ran += not record.cached
            records.data["runs"].setdefault(program.docname, []).append(record)
            self.timings[program.where] = self.timings[key] = record.duration
        self._save_timings(cache)
        total = len(programs)
        elapsed = time.perf_counter() - self.started if self.started is not None else 0.0
        logger.info(
            "coursekit: %d programs, %d run, %d from cache, %.1f s%s%s",
            total,
            ran,
            total - ran,
            elapsed,
            f", at most {at_once} at once" if at_once else "",
            f"; Slidey habits read: {habits}" if habits else "",
        )
        self.close()
        return []

    def _record(
        self,
        cache: ResultCache,
        program: Program,
        key: str,
        outcome: Outcome | None,
        failed: dict[str, dict[str, Outcome]],
    ) -> RunRecord:
        """The run of ``program``: fresh (``outcome``), or from the cache when None."""
        if outcome is None:
            stored = cache.load(key)
            status = stored.status if stored else "absent"
            duration = stored.duration if stored else 0.0
            device = stored.device if stored else "-"
            return RunRecord(program, key, status, duration, device, True)
        if as_expected(program, outcome):
            outcome = cache.store(outcome)
            status = outcome.status
        else:
            logger.error(
                failure_message(program, outcome),
                location=(program.docname, program.directive_line),
                type="coursekit",
                subtype="execution",
            )
            failed.setdefault(program.docname, {})[key] = outcome
            status = "failed"
        return RunRecord(program, key, status, outcome.duration, outcome.device, False)

    def _save_timings(self, cache: ResultCache) -> None:
        cache.root.mkdir(parents=True, exist_ok=True)
        tmp = cache.root / f"{TIMINGS}.{os.getpid()}"
        tmp.write_text(json.dumps(self.timings, sort_keys=True), encoding="utf-8")
        tmp.replace(cache.root / TIMINGS)

    def build_finished(self, app: Sphinx, exception: BaseException | None) -> None:
        """``build-finished``: no server left behind, and no run folder once pages are
        written (a failed program's figures are shown from its folder until then)."""
        self.close()
        if execution_enabled(app):
            cache_for(app.config, app.confdir).clean_scratch()

    def close(self, *args) -> None:
        """Stop the scheduler (an interrupted build leaves no server behind)."""
        if self.scheduler is not None:
            self.scheduler.close()
            self.scheduler = None
        self.sent = {}
        self.started = None


def read_notebooks_last(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``: read reST chapters first, so that their programs
    run while notebooks (which execute in a kernel) are read."""
    docnames.sort(key=lambda name: (Path(env.doc2path(name)).suffix != ".rst", name))


def setup_execution(app: Sphinx) -> None:
    """One execution object for this build, hooked to the build's phases."""
    execution = BuildExecution()
    app.connect("builder-inited", execution.warm_up)
    app.connect("env-before-read-docs", read_notebooks_last)
    app.connect("doctree-read", execution.page_read)
    app.connect("env-updated", execution.finish)
    app.connect("build-finished", execution.build_finished)

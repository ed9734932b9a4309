"""Running the programs at build time and showing what they print and draw.

After all pages are read (``env-updated``), every program whose result is not
in the cache runs (see :mod:`coursekit.execution`), and its result is stored
by content (:mod:`coursekit.cache`). When a page is written, each program's
output replaces its placeholder: in the text, under the code; in the deck,
nowhere (a slide keeps its size; the text is where outputs are read).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util import logging

from coursekit.cache import ResultCache
from coursekit.downloads import links_for
from coursekit.examples import check_excerpts, program_listing, program_output
from coursekit.execution import Job, Outcome, Runner, warm_up
from coursekit.programs import Program, current_fingerprint
from coursekit.slides import DECK_BUILDERS

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

#: Builders that do not show outputs: nothing to run for them. The deck
#: leaves outputs out, so its build never waits for a program.
NO_RUN_BUILDERS = ("examples", "linkcheck", "gettext", "dummy", *DECK_BUILDERS)


class program_figure(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """A figure a program drew; ``path`` is the PNG in the cache."""


@dataclass
class RunRecord:
    """One line of the execution report."""

    program: Program
    key: str
    status: str
    duration: float
    device: str
    cached: bool


def cache_for(app: Sphinx) -> ResultCache:
    folder = app.config.coursekit_cache_dir or str(
        Path(app.confdir) / "_build" / ".coursekit-cache"
    )
    return ResultCache(Path(folder))


def execution_enabled(app: Sphinx) -> bool:
    return bool(app.config.coursekit_execute) and app.builder.name not in NO_RUN_BUILDERS


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


def report_error(program: Program, message: str, subtype: str) -> None:
    logger.error(
        message,
        location=(program.docname, program.directive_line),
        type="coursekit",
        subtype=subtype,
    )


def _jobs(env: BuildEnvironment, todo: list[tuple[Program, str]]) -> list[Job]:
    return [
        Job(
            key=key,
            code=program.code,
            filename=str(Path(env.doc2path(program.docname))),
            first_line=program.line,
            timeout=program.timeout,
        )
        for program, key in todo
    ]


def _execute(
    app: Sphinx, jobs: list[Job], programs: list[Program]
) -> dict[str, tuple[Outcome, str | None]]:
    """Run jobs; store the results that are as expected in the cache.

    Returns key -> (outcome, failure message or None).

    Touches neither Sphinx's logging nor the environment: it may run in a thread.
    """
    cache = cache_for(app)
    with Runner(workers=app.config.coursekit_workers or None) as runner:
        outcomes = runner.run(jobs, workdir=cache.workdir())
    results = {}
    for program, outcome in zip(programs, outcomes, strict=True):
        expected = (outcome.status == "error") == program.expect_error
        if expected and outcome.status in ("ok", "error"):
            results[outcome.key] = (cache.store(outcome), None)
        else:
            results[outcome.key] = (outcome, failure_message(program, outcome))
    return results


def _uncached(app: Sphinx, programs: list[Program]) -> list[tuple[Program, str]]:
    cache = cache_for(app)
    print_ = current_fingerprint()
    return [(p, k) for p in programs if not cache.has(k := p.key(print_))]


def run_as_soon_as_read(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: start a page's uncached programs in the background.

    They run while Sphinx reads the other pages (a notebook's kernel, say);
    ``run_programs`` waits for them.
    """
    if not execution_enabled(app):
        return
    docname = app.env.docname
    todo = _uncached(app, app.env.coursekit_programs.get(docname, []))
    if not todo:
        return
    if not hasattr(app, "coursekit_started"):
        app.coursekit_started = time.perf_counter()
    jobs = _jobs(app.env, todo)
    programs = [program for program, _ in todo]
    results: dict[str, tuple[Outcome, str | None]] = {}

    def work() -> None:
        results.update(_execute(app, jobs, programs))

    thread = threading.Thread(target=work, name=f"coursekit-{docname}", daemon=True)
    thread.start()
    app.coursekit_background.append((thread, results))


def read_notebooks_last(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """``env-before-read-docs``: read reST chapters first, so that their programs
    run while notebooks (which execute in a kernel) are read."""
    docnames.sort(key=lambda name: (Path(env.doc2path(name)).suffix != ".rst", name))


def run_programs(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-updated``: check excerpts, finish running what the cache lacks, report failures.

    Each failure is one error naming the chapter file and the block's line;
    the page then shows the failure where the output would be, and the
    strict build (``-W``) ends with a non-zero status.
    """
    for docname, line, message in check_excerpts(env):
        logger.error(message, location=(docname, line), type="coursekit", subtype="excerpt")
    app.coursekit_runs = []
    app.coursekit_failed = {}
    if not execution_enabled(app):
        return []
    start = getattr(app, "coursekit_started", time.perf_counter())
    fresh: dict[str, tuple[Outcome, str | None]] = {}
    for thread, results in app.coursekit_background:
        thread.join()
        fresh.update(results)
    app.coursekit_background = []
    all_programs = [p for d in sorted(env.coursekit_programs) for p in env.coursekit_programs[d]]
    remaining = [(p, k) for p, k in _uncached(app, all_programs) if k not in fresh]
    if remaining:  # e.g. the cache was emptied while the pages did not change
        fresh.update(_execute(app, _jobs(env, remaining), [p for p, _ in remaining]))
    cache = cache_for(app)
    print_ = current_fingerprint()
    ran = 0
    for program in all_programs:
        key = program.key(print_)
        if key in fresh:
            outcome, failure = fresh[key]
            ran += 1
            if failure is not None:
                report_error(program, failure, "execution")
                app.coursekit_failed[key] = outcome
                status = "failed"
            else:
                status = outcome.status
            app.coursekit_runs.append(
                RunRecord(program, key, status, outcome.duration, outcome.device, False)
            )
            continue
        outcome = cache.load(key)
        status = outcome.status if outcome else "absent"
        duration = outcome.duration if outcome else 0.0
        device = outcome.device if outcome else "-"
        app.coursekit_runs.append(RunRecord(program, key, status, duration, device, True))
    cache.clean_scratch()
    total = len(app.coursekit_runs)
    print(  # the build's one line about programs, also under -q
        f"coursekit: {total} programs, {ran} run, {total - ran} from cache, "
        f"{time.perf_counter() - start:.1f} s",
        flush=True,
    )
    return []


def render_outcome(outcome: Outcome, figure_prefix: str) -> nodes.container:
    """The nodes that show a program's output under its code."""
    # "no-search": search finds the course, not the numbers programs print.
    box = nodes.container(classes=["coursekit-output", "no-search"])
    label = nodes.paragraph(classes=["coursekit-output-label"])
    label += nodes.Text("Sortie")
    box += label
    for text, cls in (
        (outcome.stdout, "coursekit-stdout"),
        (outcome.stderr, "coursekit-stderr"),
        (outcome.error, "coursekit-error"),
    ):
        if text.strip():
            block = nodes.literal_block(text, text, classes=[cls])
            block["language"] = "none"
            box += block
    for number, path in enumerate(outcome.figures, start=1):
        box += program_figure(path=str(path), name=f"{figure_prefix}-{number}.png")
    if len(box.children) == 1:
        label += nodes.Text(" : (rien n'est affiché)")
    return box


def place_outputs(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: put each program's output in place of its placeholder."""
    deck = app.builder.name in DECK_BUILDERS
    if deck:
        for node in list(doctree.findall(program_listing)):
            node.parent.remove(node)
        for node in list(doctree.findall(nodes.paragraph)):
            if "coursekit-excerpt-link" in node["classes"]:
                node.parent.remove(node)
    placeholders = list(doctree.findall(program_output))
    if not placeholders:
        return
    cache = cache_for(app)
    print_ = current_fingerprint()
    programs = app.env.coursekit_programs.get(docname, [])
    for placeholder in placeholders:
        if deck or not execution_enabled(app):
            placeholder.parent.remove(placeholder)
            continue
        program = programs[placeholder["program_index"]]
        key = program.key(print_)
        outcome = cache.load(key) or app.coursekit_failed.get(key)
        if outcome is None:  # only when run_programs did not run (execution switched off)
            placeholder.parent.remove(placeholder)
            continue
        box = render_outcome(outcome, key[:16])
        box += links_for(docname, placeholder["program_index"] + 1, program)
        if key in app.coursekit_failed:
            box["classes"].append("coursekit-failed")
            box[0].replace_self(
                nodes.paragraph("", "Échec du programme", classes=["coursekit-output-label"])
            )
        placeholder.replace_self(box)


def visit_figure_html(self: HTML5Translator, node: program_figure) -> None:
    """Copy the PNG next to the site's images and show it."""
    target = Path(self.builder.outdir) / self.builder.imagedir / "coursekit" / node["name"]
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(node["path"], target)
    src = f"{self.builder.imgpath}/coursekit/{node['name']}"
    self.body.append(
        f'<img class="coursekit-figure" src="{src}" alt="Figure tracée par le programme"/>\n'
    )
    raise nodes.SkipNode


def visit_figure_text(self, node: program_figure) -> None:
    self.add_text("[figure]")
    raise nodes.SkipNode


def skip_node(self, node: nodes.Element) -> None:
    raise nodes.SkipNode


def visit_listing_html(self: HTML5Translator, node: program_listing) -> None:
    self.body.append(
        f'<details class="coursekit-program" id="program-{node["name"]}">'
        f"<summary>Programme complet « {self.encode(node['title'])} » "
        f"(<code>{self.encode(node['name'])}</code>)</summary>\n"
    )


def depart_listing_html(self: HTML5Translator, node: program_listing) -> None:
    self.body.append("</details>\n")


def pass_through(self, node: nodes.Element) -> None:
    pass


def start_runner_early(app: Sphinx) -> None:
    """``builder-inited``: warm the forkserver while Sphinx reads the sources."""
    app.coursekit_background = []
    # Programs run side by side, one per core, next to a notebook kernel: each
    # gets one thread (the course's tensors are far too small to gain from more,
    # and the results are the same).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    # Only a first build (an empty environment) is sure to run programs; an
    # incremental one starts the forkserver when a page turns out to need it,
    # instead of importing torch for nothing beside Sphinx.
    first_build = not getattr(app.env, "coursekit_programs", None)
    if execution_enabled(app) and first_build:
        threading.Thread(target=warm_up, name="coursekit-warm-up", daemon=True).start()


def setup_outputs(app: Sphinx) -> None:
    """Register the execution phase, the output nodes and their visitors."""
    app.add_node(
        program_output,
        html=(skip_node, None),
        latex=(skip_node, None),
        text=(skip_node, None),
        man=(skip_node, None),
        texinfo=(skip_node, None),
    )
    app.add_node(
        program_figure,
        html=(visit_figure_html, None),
        latex=(skip_node, None),
        text=(visit_figure_text, None),
        man=(skip_node, None),
        texinfo=(skip_node, None),
    )
    app.add_node(
        program_listing,
        html=(visit_listing_html, depart_listing_html),
        latex=(pass_through, pass_through),
        text=(pass_through, pass_through),
        man=(pass_through, pass_through),
        texinfo=(pass_through, pass_through),
    )
    app.connect("builder-inited", start_runner_early)
    app.connect("env-before-read-docs", read_notebooks_last)
    app.connect("doctree-read", run_as_soon_as_read)
    app.connect("env-updated", run_programs)
    app.connect("doctree-resolved", place_outputs)

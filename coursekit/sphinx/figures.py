"""Figures drawn at build time: an image a page shows, drawn by the script beside it.

When a page is read (``doctree-read``, before Sphinx's image collector looks
for the files), each image it shows from ``coursekit_figures_dir`` whose
``NAME.py`` sits beside ``NAME.png`` is drawn again if it is missing or
stale (:mod:`coursekit.run.figures`). Only such scripts are figure scripts:
other scripts in the folder (helpers, data makers) are left alone. A script
that fails is one error naming the script and the page's image line; the
build goes on reading the other pages.

Reading does not wait for the drawing. A stale figure's image is set aside
as a :class:`figure_being_drawn` node (the image collector would find no
file yet); its script runs while the other pages are read, and
``env-updated`` waits for every drawing and records each drawn image, as the
collector would have. ``doctree-resolved`` puts the image back before the
writer sees it. A course's figures then run side by side with its reading
and its programs, instead of one page at a time. Where pages are read in
forked processes (``-j N``) a page's figures are drawn before it is read on.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.util import logging
from sphinx.util.i18n import search_image_for_language

from coursekit.run.figures import draw_if_stale, is_stale
from coursekit.sphinx.execution import build_execution, figure_scheduler

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

logger = logging.getLogger(__name__)

#: How many figures are drawn at once (each drawing mostly waits for its job).
DRAWING_THREADS = 16

#: What a drawing gives: (whether it drew, what went wrong).
Drawn = tuple[bool, str | None]


class figure_being_drawn(nodes.General, nodes.Inline, nodes.Element):  # noqa: N801 (docutils)
    """An image whose figure is being drawn: the image node's attributes, and
    ``coursekit_image``, the image's path from the source folder."""


@dataclass
class Place:
    """Where a figure drawn meanwhile is shown: the page, the image's path, and
    the image node (detached: its file and line, for messages)."""

    docname: str
    image: str
    node: nodes.image


@dataclass
class Drawings:
    """The figures a build draws while it reads: each script's drawing, and
    where it is shown.

    Each drawing runs in a daemon thread, at most DRAWING_THREADS at once: an
    interrupted build (Ctrl-C, which Sphinx does not follow with
    ``build-finished``) exits without waiting for the figures left.
    """

    futures: dict[Path, Future[Drawn]] = field(default_factory=dict)
    places: dict[Path, list[Place]] = field(default_factory=dict)
    #: Scripts already reported: whether their image is in place.
    reported: dict[Path, bool] = field(default_factory=dict)
    stopped: threading.Event = field(default_factory=threading.Event)
    slots: threading.Semaphore = field(default_factory=lambda: threading.Semaphore(DRAWING_THREADS))

    def start(self, script: Path, draw: Callable[[Path], Drawn]) -> Future[Drawn]:
        if script not in self.futures:
            future: Future[Drawn] = Future()

            def run() -> None:
                with self.slots:
                    if self.stopped.is_set() or not future.set_running_or_notify_cancel():
                        return
                    try:
                        future.set_result(draw(script))
                    except Exception as error:  # it becomes the page's error
                        future.set_result((True, f"{type(error).__name__}: {error}"))

            threading.Thread(target=run, name="coursekit-figure", daemon=True).start()
            self.futures[script] = future
        return self.futures[script]

    def stop(self) -> None:
        """No drawing starts from now on (those running end with their jobs)."""
        self.stopped.set()
        for future in self.futures.values():
            future.cancel()


#: The drawings of each build. Weak: they go with their application.
_DRAWINGS: weakref.WeakKeyDictionary[Sphinx, Drawings] = weakref.WeakKeyDictionary()


def drawings(app: Sphinx) -> Drawings:
    return _DRAWINGS.setdefault(app, Drawings())


def figure_script(app: Sphinx, docname: str, uri: str) -> Path | None:
    """The script that draws the image ``uri`` of ``docname``, or None."""
    if "://" in uri or uri.startswith("data:"):
        return None
    _, path = app.env.relfn2path(uri, docname)
    image = Path(path)
    if image.suffix in (".*", ".png"):
        image = image.with_suffix(".png")
    else:
        return None
    folder = (Path(app.srcdir) / app.config.coursekit_figures_dir).resolve()
    script = image.with_suffix(".py")
    if image.parent.resolve() != folder or not script.is_file():
        return None
    return script


def report(app: Sphinx, script: Path, drawn: Drawn, location) -> bool:
    """Say what drawing ``script`` did; whether its image is in place."""
    did_draw, problem = drawn
    shown = os.path.relpath(script, app.confdir)
    if problem is None:
        if did_draw:
            logger.info("coursekit: drew %s", Path(shown).with_suffix(".png"))
        return True
    logger.error(
        "the figure script %s, which draws this image, failed:\n%s",
        shown,
        problem,
        location=location,
        type="coursekit",
        subtype="figure",
    )
    return False


def in_a_title(node: nodes.Node) -> bool:
    """Whether ``node`` is in a title: Sphinx copies titles (the page's title,
    its table of contents) as they are read, without their images."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.title):
            return True
        parent = parent.parent
    return False


def draw_page_figures(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: start drawing the page's stale figures."""
    docname = app.env.docname
    wanted: dict[Path, list[nodes.image]] = {}
    for node in doctree.findall(nodes.image):
        script = figure_script(app, docname, node["uri"])
        if script is not None:
            app.env.note_dependency(str(script))
            wanted.setdefault(script, []).append(node)
    stale = [script for script in wanted if is_stale(script)]
    if not stale:
        return
    timeout = app.config.coursekit_figure_timeout
    if os.getpid() != build_execution(app).owner:
        # A page read in a forked reader (-j N): the build's executor and
        # threads are the parent's. A server of the page's own draws its
        # figures, and the page waits for them.
        with figure_scheduler(app) as executor:
            page = Drawings()
            for script in stale:
                page.start(script, lambda script: draw_if_stale(script, timeout, executor))
            for script in stale:
                report(app, script, page.futures[script].result(), wanted[script][0])
        return
    executor = build_execution(app).figure_executor(app)
    state = drawings(app)
    for script in stale:
        future = state.start(script, lambda script: draw_if_stale(script, timeout, executor))
        # A ``NAME.*`` image (the collector globs for its files) or one in a
        # title (copied as it is read): the file must be there now; rare.
        if any(node["uri"].endswith(".*") or in_a_title(node) for node in wanted[script]):
            if script not in state.reported:
                state.reported[script] = report(app, script, future.result(), wanted[script][0])
            continue
        for node in wanted[script]:
            uri = search_image_for_language(node["uri"], app.env)
            image, _ = app.env.relfn2path(uri, docname)
            state.places.setdefault(script, []).append(Place(docname, image, node))
            placeholder = figure_being_drawn(**node.attributes)
            placeholder["coursekit_image"] = image
            placeholder.source, placeholder.line = node.source, node.line
            node.replace_self(placeholder)
            app.env.note_dependency(image)


def figures_drawn(app: Sphinx, env: BuildEnvironment) -> None:
    """``env-updated``: wait for the figures drawn while pages were read; record
    each image, as the image collector would have (a script that failed
    leaves the image it drew before, if any, and an error)."""
    state = _DRAWINGS.pop(app, None)
    if state is None:
        return
    try:
        for script, future in state.futures.items():
            places = state.places.get(script, [])
            if script not in state.reported:
                location = places[0].node if places else None
                state.reported[script] = report(app, script, future.result(), location)
    finally:
        state.stop()
    shown: dict[str, set[str]] = {}
    for places in state.places.values():
        for place in places:
            if os.access(Path(env.srcdir, place.image), os.R_OK):
                env.images.add_file(place.docname, place.image)
            shown.setdefault(place.docname, set()).add(place.image)
    for docname, images in shown.items():
        read_after_its_figures(env, docname, images)


def read_after_its_figures(env: BuildEnvironment, docname: str, images: set[str]) -> None:
    """The page counts as read once its figures are drawn, when nothing else it
    depends on changed since it was read: its ``images``, written after, must
    not make the next build read it again (nor hide an edit made meanwhile)."""
    read = env.all_docs[docname]
    drawn = {Path(env.srcdir, image) for image in images}

    def mtime(path: Path) -> int:  # microseconds, rounded up, as Sphinx compares them
        try:
            return -(-path.stat().st_mtime_ns // 1_000)
        except OSError:
            return 0

    others = [env.doc2path(docname), *(Path(d) for d in env.dependencies[docname])]
    if all(mtime(path) <= read for path in others if path not in drawn):
        env.all_docs[docname] = max(read, *(mtime(image) for image in drawn))


def stop_drawing(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``: a build that stopped before ``env-updated`` leaves no thread."""
    state = _DRAWINGS.pop(app, None)
    if state is not None:
        state.stop()


def put_images_back(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: each figure drawn while the page was read is an image again."""
    for placeholder in list(doctree.findall(figure_being_drawn)):
        attributes = dict(placeholder.attributes)
        image = attributes.pop("coursekit_image")
        attributes.update(uri=image, candidates={"*": image})
        if placeholder.get("uri") != image:
            attributes["original_uri"] = placeholder["uri"]
        node = nodes.image(**attributes)
        node.source, node.line = placeholder.source, placeholder.line
        placeholder.replace_self(node)


def setup_figures(app: Sphinx) -> None:
    """Draw figures as pages are read, before the image collector checks the files."""
    app.add_node(figure_being_drawn)
    app.connect("doctree-read", draw_page_figures, priority=400)
    # Before the programs' wait (priority 500), which closes the executor.
    app.connect("env-updated", figures_drawn, priority=400)
    app.connect("doctree-resolved", put_images_back, priority=100)
    # Before the executor is closed (execution.py, priority 500).
    app.connect("build-finished", stop_drawing, priority=400)

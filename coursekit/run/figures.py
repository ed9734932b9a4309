"""Figures drawn by matplotlib scripts kept beside them.

``images/NAME.py`` draws ``images/NAME.png``: it runs, in a child of the
build's warm program server, when the PNG is missing or was drawn by another
version of the script. The
PNG records the hash of its script (a PNG text chunk), so nothing else keeps
state. Which scripts are figure scripts is the extension's business
(:mod:`coursekit.sphinx.figures`: those whose image a page shows).

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from coursekit.run.runner import Job

if TYPE_CHECKING:
    from coursekit.run.executor import Executor

#: PNG text key that holds the hash of the script that drew the image.
SOURCE_KEY = "coursekit-source-sha256"


def script_hash(script: Path) -> str:
    """The hash that says which version of a script drew an image."""
    return hashlib.sha256(script.read_bytes()).hexdigest()


def recorded_hash(png: Path) -> str | None:
    """The script hash stored in a PNG, or None when absent or unreadable."""
    from PIL import Image

    try:
        with Image.open(png) as image:
            return image.text.get(SOURCE_KEY)  # type: ignore[attr-defined]
    except (OSError, ValueError):
        return None


def is_stale(script: Path) -> bool:
    """Whether the PNG of ``script`` is missing or was drawn by another version of it."""
    return recorded_hash(script.with_suffix(".png")) != script_hash(script)


@contextlib.contextmanager
def drawing_lock(script: Path):
    """Held while ``script``'s figure is checked and drawn.

    The text and the deck are built side by side and both read the page that
    shows the figure: the second waits, then finds the figure fresh, instead
    of drawing it again under the first one's feet.
    """
    digest = hashlib.sha256(str(script.resolve()).encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"coursekit-figure-{digest}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def draw_if_stale(script: Path, timeout: int, executor: Executor) -> tuple[bool, str | None]:
    """Draw ``script``'s figure unless it is fresh: (whether it was drawn, what went wrong)."""
    with drawing_lock(script):
        if not is_stale(script):
            return False, None  # drawn meanwhile (the other build)
        return True, draw(script, timeout, executor)


#: What the child runs: the script as ``python SCRIPT PNG`` would. The
#: figures it leaves open are closed: its output is the PNG it saved (the
#: runner would draw them again, as a cell's shown figures).
RUN_SCRIPT = """\
import runpy, sys
sys.argv = [{script!r}, {png!r}]
try:
    runpy.run_path({script!r}, run_name="__main__")
finally:
    import matplotlib.pyplot
    matplotlib.pyplot.close("all")
"""

#: Figures hold up the reading of their page: they go before every program.
FIRST = 1e9


def draw(script: Path, timeout: int, executor: Executor) -> str | None:
    """Run one figure script and store its PNG, tagged with the script's hash.

    The script runs in a child of ``executor``'s warm server (matplotlib and
    the course's modules already imported, Agg backend, its own folder, no
    network), as ``python SCRIPT PNG``: it receives the output path as its
    only argument. Returns None when the PNG is in place, else what went wrong
    (with the script's error output). The PNG is written beside and renamed
    into place, so that two builds drawing the same figure never leave half a
    file.
    """
    from PIL import Image, PngImagePlugin

    png = script.with_suffix(".png")
    source = script_hash(script)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / png.name
        where = hashlib.sha256(f"{script.resolve()}\0{source}".encode()).hexdigest()
        job = Job(
            key=f"figure-{where}",
            code=RUN_SCRIPT.format(script=str(script.resolve()), png=str(raw)),
            filename=str(script),
            timeout=timeout,
            expected=FIRST,
        )
        (outcome,) = executor.run([job], Path(tmp) / "run")
        if outcome.status == "timeout":
            return (
                f"ran past {timeout} s (coursekit_figure_timeout); it must save its figure and end."
            )
        if not outcome.ok or not raw.exists():
            problem = (outcome.error or outcome.stderr).strip()
            return problem or "it ended without writing the PNG it was given."
        info = PngImagePlugin.PngInfo()
        info.add_text(SOURCE_KEY, source)
        tagged = png.with_name(f".{png.name}.{os.getpid()}.tmp")
        with Image.open(raw) as image:
            image.save(tagged, format="PNG", pnginfo=info)
        tagged.replace(png)
    return None

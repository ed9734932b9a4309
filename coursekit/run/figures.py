"""Figures drawn by matplotlib scripts kept beside them.

``images/NAME.py`` draws ``images/NAME.png``: it runs, in its own process,
when the PNG is missing or was drawn by another version of the script. The
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
import subprocess
import sys
import tempfile
from pathlib import Path

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


def draw_if_stale(script: Path, timeout: int) -> str | None:
    """Draw ``script``'s figure unless it is fresh; what went wrong, or None."""
    with drawing_lock(script):
        return draw(script, timeout) if is_stale(script) else None


def draw(script: Path, timeout: int) -> str | None:
    """Run one figure script and store its PNG, tagged with the script's hash.

    The script receives the output path as its only argument. Returns None
    when the PNG is in place, else what went wrong (with the script's error
    output). The PNG is written beside and renamed into place, so that two
    builds drawing the same figure never leave half a file.
    """
    from PIL import Image, PngImagePlugin

    png = script.with_suffix(".png")
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONHASHSEED": "0"}
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / png.name
        try:
            done = subprocess.run(
                [sys.executable, str(script.resolve()), str(raw)],
                cwd=tmp,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return (
                f"ran past {timeout} s (coursekit_figure_timeout); it must save its figure and end."
            )
        if done.returncode != 0 or not raw.exists():
            return done.stderr.strip() or "it ended without writing the PNG it was given."
        info = PngImagePlugin.PngInfo()
        info.add_text(SOURCE_KEY, script_hash(script))
        tagged = png.with_name(f".{png.name}.{os.getpid()}.tmp")
        with Image.open(raw) as image:
            image.save(tagged, format="PNG", pnginfo=info)
        tagged.replace(png)
    return None

"""Figures drawn by matplotlib scripts kept beside them.

``docs/images/NAME.py`` draws ``docs/images/NAME.png``. At the start of each
build every script whose PNG is missing or was drawn from another version of
the script runs again, in its own process. The PNG records the hash of its
script (a PNG text chunk), so nothing else keeps state.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.errors import ExtensionError
from sphinx.util import logging

if TYPE_CHECKING:
    from sphinx.application import Sphinx

logger = logging.getLogger(__name__)

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


def stale_figures(folder: Path) -> list[Path]:
    """The scripts in ``folder`` whose PNG is missing or out of date."""
    return [
        script
        for script in sorted(folder.glob("*.py"))
        if recorded_hash(script.with_suffix(".png")) != script_hash(script)
    ]


def draw(script: Path, timeout: int) -> None:
    """Run one figure script and store its PNG, tagged with the script's hash.

    The script receives the output path as its only argument. Raises
    ExtensionError with the script's name and its error output when it fails.
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
            raise ExtensionError(
                f"{script}: the figure script ran past {timeout} s "
                "(coursekit_figure_timeout); it must save its figure and end."
            ) from None
        if done.returncode != 0 or not raw.exists():
            why = done.stderr.strip() or "it ended without writing the PNG"
            raise ExtensionError(f"{script}: the figure script failed:\n{why}")
        info = PngImagePlugin.PngInfo()
        info.add_text(SOURCE_KEY, script_hash(script))
        with Image.open(raw) as image:
            image.save(png, pnginfo=info)


def draw_stale_figures(app: Sphinx) -> None:
    """``builder-inited`` handler: redraw every figure that is out of date."""
    folder = Path(app.srcdir) / app.config.coursekit_figures_dir
    scripts = stale_figures(folder) if folder.is_dir() else []
    for script in scripts:
        logger.info("drawing figure %s", script.with_suffix(".png").name)
    # One process per script, as many at once as there are cores.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for future in [pool.submit(draw, s, app.config.coursekit_figure_timeout) for s in scripts]:
            future.result()


def setup_figures(app: Sphinx) -> None:
    """Redraw out-of-date figures before Sphinx reads the sources."""
    app.connect("builder-inited", draw_stale_figures)

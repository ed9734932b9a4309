"""Every coursekit setting and shared fact, declared once.

This module imports nothing from Sphinx: the extension registers the
configuration values below (:func:`setup_config`), and the command-line
tools, the Makefile (``python -m coursekit.config NAME``) and the tests read
the same facts from here. The deck script and the slides checker read them
from the deck page, where the extension writes them (``Reveal.getConfig()``).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx

#: Builders that produce a slide deck (sphinx-revealjs).
DECK_BUILDERS = ("revealjs", "dirrevealjs")
#: The builder of the HTML text, the one that shows program outputs.
TEXT_BUILDER = "html"
#: Builders that never show program outputs: nothing runs for them.
NO_RUN_BUILDERS = ("examples", "linkcheck", "gettext", "dummy", *DECK_BUILDERS)

#: coursekit's own directives whose content is code (the dialect reader and
#: ``make fix`` leave their content untouched).
CODE_DIRECTIVES = frozenset({"full-program"})

#: The slide's own size in CSS px; reveal.js scales it to the screen.
SLIDE_WIDTH = 1280
SLIDE_HEIGHT = 720

#: Output folders, relative to the project's top (the Makefile's BUILD).
BUILD_DIR = "_build"
#: Inside the HTML output: the decks, the PDF handouts.
DECK_DIR = "slides"
HANDOUT_DIR = "pdf"
#: Inside BUILD_DIR: the slides check's screenshots.
SLIDES_CHECK_DIR = "slides-check"
#: The live lecture's data (its SQLite file and the polls' CSV results),
#: relative to the project's top. Outside BUILD_DIR: ``make clean`` must not
#: lose the students' answers.
LECTURE_DIR = "lecture"

#: For tests only: a machine with this variable set passes for one with a GPU
#: of that name (programs marked ``:gpu:`` run there; results say they did).
FAKE_GPU = "COURSEKIT_FAKE_GPU"

#: The build's one-line summary of its runs, as coursekit.sphinx.execution
#: logs it; the benchmarks and the tests read it with SUMMARY_PATTERN.
SUMMARY_FORMAT = "coursekit: %d blocks (%s) in %d jobs; %d run, %d from cache, %.1f s%s%s"
SUMMARY_PATTERN = (
    r"coursekit: (?P<blocks>\d+) blocks \((?P<statuses>[^)]*)\) in (?P<jobs>\d+) jobs; "
    r"(?P<run>\d+) run, (?P<cached>\d+) from cache, (?P<seconds>[\d.]+) s"
    r"(?:, at most (?P<at_once>\d+) at once)?"
)

#: name -> (default, rebuild, types, help)
CONFIG_VALUES: dict[str, tuple[object, str, tuple[type, ...], str]] = {
    "coursekit_figures_dir": (
        "images",
        "env",
        (str,),
        "Folder, relative to the source dir, whose *.py scripts draw the "
        "figure of the same name (*.png) at build time.",
    ),
    "coursekit_figure_timeout": (
        120,
        "",
        (int,),
        "Seconds a figure script may run before the build fails.",
    ),
    "coursekit_slide_continuation": (
        " (suite)",
        "env",
        (str,),
        "Suffix added to a section title repeated on a slide that starts mid-section.",
    ),
    "coursekit_inline_math_suffixes": (
        [".rst"],
        "env",
        (list,),
        "Source suffixes in which $$…$$ inside a sentence is inline math.",
    ),
    "coursekit_execute": (
        True,
        "html",
        (bool,),
        "Run the chapters' programs at build time and show their output. "
        "Switch off with -D coursekit_execute=0 (every page is written again).",
    ),
    "coursekit_execution": (
        "session",
        "env",
        (str,),
        "How a page's Python blocks run: 'session' (in order, in one namespace, "
        "like the cells of a notebook) or 'isolated' (each alone). A page's "
        ":execution: field overrides it; a block's :isolated: option too.",
    ),
    "coursekit_data_dir": (
        "data",
        "",
        (str,),
        "Folder, relative to the source dir, that every program sees as ./data "
        "(data sets put there by a maintainer: build machines are offline).",
    ),
    "coursekit_requirements": (
        "requirements.txt",
        "",
        (str,),
        "File, relative to the source dir, listing what the course's programs "
        "import beyond the toolkit (make installs it; its content is part of "
        "every result's key).",
    ),
    "coursekit_timeout": (
        60,
        "env",
        (int, float),
        "Seconds a program may run (its own run time, not time spent waiting "
        "for a worker); a code block's :timeout: option overrides it.",
    ),
    "coursekit_cache_dir": (
        "",
        "",
        (str,),
        f"Where program results are kept, by content; empty means "
        f"<config dir>/{BUILD_DIR}/.coursekit-cache.",
    ),
    "coursekit_executor": (
        "local",
        "",
        (str,),
        "Where programs run: 'local' (a program server on this machine), 'dask' "
        "(a Dask LocalCluster started for the build) or tcp://HOST:PORT (an "
        "existing Dask scheduler). make html EXECUTOR=... sets it.",
    ),
    "coursekit_connect_timeout": (
        10,
        "",
        (int, float),
        "Seconds to wait for the Dask scheduler of coursekit_executor=tcp://... "
        "before the build says it cannot be reached.",
    ),
    "coursekit_frozen_dir": (
        "_frozen",
        "",
        (str,),
        "Folder, relative to the source dir, of the frozen outputs (committed): "
        "results of blocks marked :freeze:, made by make freeze where they can run.",
    ),
    "coursekit_freeze": (
        False,
        "",
        (bool,),
        "Freeze: run the blocks marked :freeze: whose frozen output is missing "
        "or stale, and store their results in coursekit_frozen_dir (make freeze).",
    ),
    "coursekit_workers": (
        0,
        "",
        (int,),
        "How many programs run at once in the whole build; 0 means one per CPU core.",
    ),
    "coursekit_preload": (
        [],
        "",
        (list,),
        "Modules the program server imports once, before it forks a child per "
        "program (e.g. ['numpy', 'torch']): each program then starts warm.",
    ),
    "coursekit_cache_packages": (
        ["numpy", "matplotlib", "pillow"],
        "",
        (list,),
        "Distributions whose versions shape what programs print and draw: "
        "their versions are part of every cached result's key.",
    ),
    "coursekit_deck_dir": (
        DECK_DIR,
        "env",
        (str,),
        "Folder of the decks inside the HTML output (make html builds them "
        "there), used for the links between slides and text.",
    ),
    "coursekit_body_font_floor": (
        20,
        "",
        (int,),
        f"Smallest body text, in px at {SLIDE_WIDTH}x{SLIDE_HEIGHT}, a slide may be "
        "scaled down to.",
    ),
    "coursekit_code_font_floor": (
        16,
        "",
        (int,),
        f"Smallest code text, in px at {SLIDE_WIDTH}x{SLIDE_HEIGHT}, a slide may be "
        "scaled down to.",
    ),
}

#: Facts the Makefile reads with ``python -m coursekit.config NAME``.
FACTS = {
    "BUILD_DIR": BUILD_DIR,
    "DECK_DIR": DECK_DIR,
    "HANDOUT_DIR": HANDOUT_DIR,
    "SLIDES_CHECK_DIR": SLIDES_CHECK_DIR,
    "LECTURE_DIR": LECTURE_DIR,
    "SLIDE_WIDTH": SLIDE_WIDTH,
    "SLIDE_HEIGHT": SLIDE_HEIGHT,
    "DECK_BUILDERS": " ".join(DECK_BUILDERS),
}


def default(name: str):
    """The declared default of configuration value ``name``."""
    return CONFIG_VALUES[name][0]


def setup_config(app: Sphinx) -> None:
    """Declare the configuration values listed in :data:`CONFIG_VALUES`."""
    for name, (value, rebuild, types, help_text) in CONFIG_VALUES.items():
        app.add_config_value(name, value, rebuild, types=types, description=help_text)


def main(argv: list[str]) -> int:
    """Print the facts named on the command line, one per line (for the Makefile)."""
    unknown = [name for name in argv if name not in FACTS]
    if unknown or not argv:
        print(f"usage: python -m coursekit.config {{{','.join(FACTS)}}}...", file=sys.stderr)
        return 2
    for name in argv:
        print(FACTS[name])
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

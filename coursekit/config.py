"""Every coursekit configuration value, declared once, with a type and a help."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx

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
        "",
        (bool,),
        "Run the chapters' programs at build time and show their output. "
        "Switch off with -D coursekit_execute=0.",
    ),
    "coursekit_timeout": (
        60,
        "env",
        (int, float),
        "Seconds a program may run before the build fails; a code block's "
        ":timeout: option overrides it.",
    ),
    "coursekit_cache_dir": (
        "",
        "",
        (str,),
        "Where program results are kept, by content; empty means "
        "<config dir>/_build/.coursekit-cache.",
    ),
    "coursekit_workers": (
        0,
        "",
        (int,),
        "How many programs run at once; 0 means one per CPU core.",
    ),
    "coursekit_deck_dir": (
        "slides",
        "env",
        (str,),
        "Folder of the decks inside the HTML output (make html builds them "
        "there), used for the links between slides and text.",
    ),
    "coursekit_body_font_floor": (
        20,
        "",
        (int,),
        "Smallest body text, in px at 1280x720, a slide may be scaled down to.",
    ),
    "coursekit_code_font_floor": (
        16,
        "",
        (int,),
        "Smallest code text, in px at 1280x720, a slide may be scaled down to.",
    ),
}


def setup_config(app: Sphinx) -> None:
    """Declare the configuration values listed in :data:`CONFIG_VALUES`."""
    for name, (default, rebuild, types, help_text) in CONFIG_VALUES.items():
        app.add_config_value(name, default, rebuild, types=types, description=help_text)

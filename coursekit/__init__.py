"""coursekit: the Sphinx extensions that publish the course.

Each concern lives in its own module with its own ``setup_<concern>(app)``;
this ``setup()`` only wires them together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx

__version__ = "0.1.0"


def setup(app: Sphinx) -> dict:
    """Register every coursekit component with Sphinx."""
    # Imported here, not at the top, so that ``coursekit.core`` and
    # ``coursekit.tools`` can be used without importing Sphinx.
    from coursekit.config import setup_config
    from coursekit.deck import setup_deck
    from coursekit.downloads import setup_downloads
    from coursekit.encoding import setup_encoding
    from coursekit.examples import setup_examples
    from coursekit.extraction import setup_extraction
    from coursekit.figures import setup_figures
    from coursekit.inline_math import setup_inline_math
    from coursekit.notebooks import setup_notebooks
    from coursekit.notes import setup_notes
    from coursekit.offline_math import setup_offline_math
    from coursekit.outputs import setup_outputs
    from coursekit.report import setup_report
    from coursekit.rereading import setup_rereading
    from coursekit.slides import setup_slides

    setup_config(app)
    setup_encoding(app)
    setup_slides(app)
    setup_deck(app)
    setup_notes(app)
    setup_examples(app)
    setup_outputs(app)
    setup_extraction(app)
    setup_rereading(app)
    setup_report(app)
    setup_downloads(app)
    setup_inline_math(app)
    setup_notebooks(app)
    setup_offline_math(app)
    setup_figures(app)
    return {
        "version": __version__,
        "env_version": 5,
        # Per-document state lives in the doctrees only (slide markers, math),
        # so parallel reading is safe.
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }

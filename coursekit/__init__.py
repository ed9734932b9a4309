"""coursekit: publish a course as an HTML text, a reveal.js deck and tested programs.

The package has four layers (see ARCHITECTURE.md): ``core`` and ``run``
import no Sphinx, ``sphinx`` holds the extension, ``tools`` the command-line
tools. Importing ``coursekit`` imports none of them: :func:`setup` wires the
Sphinx side together when Sphinx loads the extension.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx

__version__ = "0.2.0"


def setup(app: Sphinx) -> dict:
    """Register every coursekit component with Sphinx: one ``setup_<concern>`` each."""
    from coursekit.config import setup_config
    from coursekit.sphinx.deck import setup_deck
    from coursekit.sphinx.dialect import setup_dialect
    from coursekit.sphinx.downloads import setup_downloads
    from coursekit.sphinx.examples import setup_examples
    from coursekit.sphinx.execution import setup_execution
    from coursekit.sphinx.extraction import setup_extraction
    from coursekit.sphinx.figures import setup_figures
    from coursekit.sphinx.furniture import setup_furniture
    from coursekit.sphinx.notebooks import setup_notebooks
    from coursekit.sphinx.notes import setup_notes
    from coursekit.sphinx.offline_math import setup_offline_math
    from coursekit.sphinx.outputs import setup_outputs
    from coursekit.sphinx.quoting import setup_quoting
    from coursekit.sphinx.report import setup_report
    from coursekit.sphinx.slides import setup_slides
    from coursekit.sphinx.slidey import setup_slidey
    from coursekit.sphinx.sources import setup_sources
    from coursekit.sphinx.state import setup_state

    setup_config(app)
    setup_furniture(app)
    setup_state(app)
    setup_sources(app)
    setup_dialect(app)
    setup_slides(app)
    setup_slidey(app)
    setup_deck(app)
    setup_notes(app)
    setup_examples(app)
    setup_quoting(app)
    setup_execution(app)
    setup_outputs(app)
    setup_extraction(app)
    setup_report(app)
    setup_downloads(app)
    setup_notebooks(app)
    setup_offline_math(app)
    setup_figures(app)
    return {
        "version": __version__,
        "env_version": 6,
        # Per-document state is kept in the coursekit domain, purged and
        # merged per document (tests/test_parallel.py builds a root both ways).
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }

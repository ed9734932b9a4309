"""Command-line tools: they never import Sphinx (tests/test_tools.py checks it).

Their default folders are coursekit's facts (:mod:`coursekit.config`), as the
Makefile's are.
"""

from __future__ import annotations

from pathlib import Path

from coursekit.config import BUILD_DIR

#: The HTML output, where ``make html`` writes the text (the decks and the
#: handouts go inside it, in ``DECK_DIR`` and ``HANDOUT_DIR``).
HTML_OUTPUT = Path(BUILD_DIR) / "html"

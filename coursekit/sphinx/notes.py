"""Speaker notes: ``.. notes::`` holds what only the lecturer sees.

In the deck the notes become reveal.js notes (``<aside class="notes">``):
hidden on the projected slide, shown in the speaker view (key ``S``). In the
HTML text they are an ordinary aside titled "Lecturer's notes", so a
learner reading the text loses nothing the lecturer says. Other builders
drop them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from coursekit.sphinx.furniture import _
from coursekit.sphinx.visitors import OTHER_FORMATS, bare, in_deck, skip_node

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator


class speaker_notes(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """What the lecturer says about the slide."""


class NotesDirective(SphinxDirective):
    """``.. notes::`` followed by indented content."""

    has_content = True
    option_spec: ClassVar[dict] = {}

    def run(self) -> list[nodes.Node]:
        if not self.content:
            raise self.error("'.. notes::' needs indented content: the lecturer's notes.")
        node = speaker_notes()
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


def visit_notes_html(self: HTML5Translator, node: speaker_notes) -> None:
    if in_deck(self):
        self.body.append(self.starttag(node, "aside", "", CLASS="notes"))
    else:
        self.body.append(self.starttag(node, "aside", "", CLASS="admonition coursekit-notes"))
        self.body.append(self.starttag(bare(), "p", "", CLASS="admonition-title"))
        self.body.append(self.encode(str(_("Lecturer's notes"))) + "</p>\n")


def depart_notes_html(self: HTML5Translator, node: speaker_notes) -> None:
    self.body.append("</aside>\n")


def setup_notes(app: Sphinx) -> None:
    """Register ``.. notes::``."""
    app.add_node(
        speaker_notes,
        html=(visit_notes_html, depart_notes_html),
        **dict.fromkeys(OTHER_FORMATS, (skip_node, None)),
    )
    app.add_directive("notes", NotesDirective)

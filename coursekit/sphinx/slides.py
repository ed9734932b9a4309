"""Slides: the ``.. slide::`` marker and the cut of the deck along the markers.

In the HTML text a marker leaves an empty anchor (``#slide-N``); in other
text builders it leaves nothing. For the reveal.js builders a post-transform
replaces the document's heading tree by one flat section per slide
(:mod:`coursekit.core.slicing` does the cutting).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from coursekit.core.slicing import slide_marker, split_document

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

#: Builders that produce a slide deck.
DECK_BUILDERS = ("revealjs", "dirrevealjs")


class SlideDirective(SphinxDirective):
    """``.. slide::`` alone on its line: a new slide starts here.

    It takes neither argument nor content; both are accepted by the parser
    only to be refused with a message that says what to write instead.
    """

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        if self.arguments or self.content:
            raise self.error(
                "'.. slide::' is a marker: it takes no argument and no indented "
                "content. Leave it alone on its line, followed by a blank line, "
                "and write the slide's text unindented below it."
            )
        number = self.env.new_serialno("coursekit-slide") + 1
        marker = slide_marker()
        marker["ids"] = [f"slide-{number}"]
        marker["slide_number"] = number
        self.set_source_info(marker)
        self.state.document.set_id(marker)
        return [marker]


def visit_marker_html(self: HTML5Translator, node: slide_marker) -> None:
    """The slide's anchor: a discreet link that opens the deck at this slide."""
    from coursekit.sphinx.deck import deck_url

    anchor = node["ids"][0]
    docname = self.builder.current_docname
    href = f"{deck_url(docname, self.config.coursekit_deck_dir, docname)}#/{anchor}"
    number = node["slide_number"]
    self.body.append(
        f'<a id="{anchor}" class="coursekit-slide-link" href="{href}" '
        f'title="Ouvrir le diaporama à la diapositive {number}">diapo {number} ▸</a>'
    )
    raise nodes.SkipNode


def skip_marker(self: nodes.NodeVisitor, node: slide_marker) -> None:
    """Builders without anchors drop the marker."""
    raise nodes.SkipNode


class CutDeckAlongMarkers(SphinxPostTransform):
    """For the deck: one slide per marker instead of one per heading."""

    default_priority = 900
    builders = DECK_BUILDERS

    def run(self, **kwargs) -> None:
        if next(self.document.findall(slide_marker), None) is None:
            return  # a page without markers keeps sphinx-revealjs' own cut
        split_document(self.document, self.config.coursekit_slide_continuation)


def setup_slides(app: Sphinx) -> None:
    """Register the marker node, its directive and the deck's cut."""
    html = (visit_marker_html, None)
    skip = (skip_marker, None)
    app.add_node(
        slide_marker,
        html=html,
        latex=skip,
        text=skip,
        man=skip,
        texinfo=skip,
        revealjs=skip,
        dirrevealjs=skip,
    )
    app.add_directive("slide", SlideDirective)
    app.add_post_transform(CutDeckAlongMarkers)

"""Slides: the ``.. slide::`` marker and the cut of the deck along the markers.

In the HTML text a marker leaves an empty anchor (``#slide-N``); in other
text builders it leaves nothing. For the reveal.js builders a post-transform
replaces the document's heading tree by one flat section per slide
(:mod:`coursekit.core.slicing` does the cutting).

``.. slide:: classes`` (as in Slidey) gives the slide CSS classes: on the
anchor in the text, on the slide's ``<section>`` in the deck.

Only pages with at least one marker have a deck: the environment keeps the
set of them (:func:`pages_with_deck`), and :mod:`coursekit.sphinx.deck` writes no
deck page for the others.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from coursekit.config import DECK_BUILDERS
from coursekit.core.slicing import slide_marker, split_document
from coursekit.sphinx.furniture import _
from coursekit.sphinx.state import state
from coursekit.sphinx.urls import deck_url
from coursekit.sphinx.visitors import skip_node

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment
    from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

#: One CSS class name, as the lecturer writes it (case kept).
CSS_CLASS = re.compile(r"-?[A-Za-z_][A-Za-z0-9_-]*\Z")


def pages_with_deck(env: BuildEnvironment) -> set[str]:
    """The documents with at least one slide marker: the only ones with a deck."""
    return set(state(env).data["decks"])


class SlideDirective(SphinxDirective):
    """``.. slide::`` or ``.. slide:: classes`` alone on its line: a new slide starts here.

    The optional argument is one or more CSS classes for the slide. Indented
    content is accepted by the parser only to be refused with a message that
    says what to write instead. A marker inside another directive, which could
    not cut the deck, is refused by :func:`refuse_nested_markers`.
    """

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True

    def run(self) -> list[nodes.Node]:
        if self.content:
            raise self.error(
                "'.. slide::' is a marker: it takes no indented content (its only "
                "argument is an optional list of CSS classes). Leave it alone on its "
                "line, followed by a blank line, and write the slide's text "
                "unindented below it."
            )
        classes = self.arguments[0].split() if self.arguments else []
        wrong = [name for name in classes if not CSS_CLASS.match(name)]
        if wrong:
            raise self.error(
                f"'.. slide::' takes CSS class names as argument; not a class name: "
                f"{', '.join(wrong)}."
            )
        number = self.env.new_serialno("coursekit-slide") + 1
        marker = slide_marker()
        marker["ids"] = [f"slide-{number}"]
        marker["slide_number"] = number
        marker["slide_classes"] = classes
        self.set_source_info(marker)
        self.state.document.set_id(marker)
        state(self.env).data["decks"][self.env.docname] = True
        return [marker]


def refuse_nested_markers(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: a marker inside another directive could not cut the deck.

    Checked on the doctree rather than in the directive, which MyST runs with
    a state that does not know the parent node.
    """
    for marker in list(doctree.findall(slide_marker)):
        if not isinstance(marker.parent, (nodes.document, nodes.section)):
            logger.error(
                "'.. slide::' must stand at the top level of the page, not inside "
                "another directive: move it above the block.",
                location=marker,
            )
            marker.parent.remove(marker)


def visit_marker_html(self: HTML5Translator, node: slide_marker) -> None:
    """The slide's anchor: a discreet link that opens the deck at this slide."""
    anchor = node["ids"][0]
    docname = self.builder.current_docname
    href = f"{deck_url(docname, self.config.coursekit_deck_dir, docname)}#/{anchor}"
    number = node["slide_number"]
    link = nodes.Element(ids=[anchor], classes=["coursekit-slide-link", *node["slide_classes"]])
    self.body.append(
        self.starttag(link, "a", "", href=href, title=_("Open the deck at slide %d") % number)
    )
    self.body.append(self.encode(_("slide %d ▸") % number) + "</a>")
    raise nodes.SkipNode


def visit_section_deck(self: HTML5Translator, node: nodes.section) -> None:
    """sphinx-revealjs' ``<section>``, with the lecturer's classes when the slide has some.

    sphinx-revealjs writes only ``data-*`` attributes and the id on a slide's
    ``<section>``; the classes of ``.. slide:: classes`` are added here, escaped.
    """
    before = len(self.body)
    type(self).visit_section(self, node)
    classes = node.get("slide_classes")
    if classes and len(self.body) > before and self.body[-1].startswith("<section"):
        attribute = f' class="{self.attval(" ".join(classes))}"'
        self.body[-1] = self.body[-1].replace("<section", "<section" + attribute, 1)


def depart_section_deck(self: HTML5Translator, node: nodes.section) -> None:
    type(self).depart_section(self, node)


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
    skip = (skip_node, None)  # builders without anchors drop the marker
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
    # nodes.section is docutils' own: only its deck visitors are replaced.
    section_deck = (visit_section_deck, depart_section_deck)
    app.add_node(nodes.section, override=True, revealjs=section_deck, dirrevealjs=section_deck)
    app.add_directive("slide", SlideDirective)
    app.add_post_transform(CutDeckAlongMarkers)
    app.connect("doctree-read", refuse_nested_markers)

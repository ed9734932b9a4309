"""What the node visitors of every module share.

- :func:`skip_node` and :func:`pass_through`: the visitors of builders that
  drop a node, or show only its content;
- :func:`bare`: a stand-in node for ``starttag`` when a tag stands for no node
  of the doctree (its ids are not repeated, its attributes are escaped);
- :func:`in_deck`: whether an HTML translator writes the deck or the text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from docutils import nodes

from coursekit.config import DECK_BUILDERS

if TYPE_CHECKING:
    from sphinx.writers.html5 import HTML5Translator

#: Builders other than HTML that coursekit's nodes support.
OTHER_FORMATS = ("latex", "text", "man", "texinfo")


def skip_node(self: nodes.NodeVisitor, node: nodes.Element) -> None:
    """This builder leaves the node out, content and all."""
    raise nodes.SkipNode


def pass_through(self: nodes.NodeVisitor, node: nodes.Element) -> None:
    """This builder shows the node's content as it is."""


def bare(*classes: str) -> nodes.Element:
    """A node for ``starttag`` when the tag stands for no node of the doctree."""
    return nodes.Element(classes=list(classes))


def in_deck(translator: HTML5Translator) -> bool:
    """Whether ``translator`` writes a deck (else the HTML text)."""
    return translator.builder.name in DECK_BUILDERS

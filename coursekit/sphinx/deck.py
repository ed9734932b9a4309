"""The deck as a whole: its look, its fitting script, and its links to the text.

- The deck's stylesheet and script ship with coursekit (``coursekit/static``):
  every chapter's deck gets them without configuration.
- ``coursekit-deck.js`` fits each slide to the screen: it scales the slide's
  text down to a readable floor, then lets what still does not fit scroll
  inside the slide (code blocks scroll in their own box).
- Every slide carries a small link to the same place in the HTML text; the
  text's slide anchors link back (see :mod:`coursekit.sphinx.slides`).
- A page without any ``.. slide::`` marker has no deck: the deck builders
  write no page for it (and remove the one an earlier build wrote), its text
  has no slide link, and a ``:deck:`` link to it warns and stays plain text.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

from coursekit.config import DECK_BUILDERS, HANDOUT_DIR, SLIDE_HEIGHT, SLIDE_WIDTH
from coursekit.sphinx.furniture import _
from coursekit.sphinx.slides import pages_with_deck
from coursekit.sphinx.state import rewrite_every_build
from coursekit.sphinx.urls import deck_url, text_url

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.builders import Builder
    from sphinx.config import Config

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parents[1] / "static"


class LinkSlidesToText(SphinxPostTransform):
    """Give every slide a small link to the same place in the text."""

    default_priority = 910  # after the cut along markers
    builders = DECK_BUILDERS

    def run(self, **kwargs) -> None:
        page = text_url(self.env.docname, self.config.coursekit_deck_dir)
        for section in self.document.children:
            if (
                not isinstance(section, nodes.section)
                or "coursekit-slide" not in section["classes"]
            ):
                continue
            anchor = section["ids"][-1]
            target = f"{page}#{anchor}" if anchor.startswith("slide-") else page
            para = nodes.paragraph(classes=["coursekit-text-link", "coursekit-chrome"])
            link = nodes.reference("", "", refuri=target, internal=False)
            link["reftitle"] = str(_("Read this passage in the text of the course"))
            link += nodes.Text(str(_("📖 text")))
            para += link
            section += para


#: Languages the deck's highlighter (highlight.js) does not know, and what to use.
DECK_LANGUAGES = {
    "ipython": "python",
    "ipython3": "python",
    "python3": "python",
    "py": "python",
    "rst": "plaintext",
    "restructuredtext": "plaintext",
    "none": "plaintext",
    "text": "plaintext",
    "default": "plaintext",
}


class LanguagesTheDeckKnows(SphinxPostTransform):
    """Notebook cells say ``ipython3``, reST examples ``rst``: highlight.js knows
    neither, and would colour French words at random in a reST block."""

    default_priority = 920
    builders = DECK_BUILDERS

    def run(self, **kwargs) -> None:
        for block in self.document.findall(nodes.literal_block):
            language = block.get("language", "")
            if language in DECK_LANGUAGES:
                block["language"] = DECK_LANGUAGES[language]


class deck_reference(nodes.General, nodes.Inline, nodes.Element):  # noqa: N801
    """A link to a page's deck, resolved once the builder is known."""


def deck_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:deck:`label <docname>``` or ``:deck:`docname``` — a link to that page's deck."""
    from docutils.utils import unescape
    from sphinx.util.nodes import split_explicit_title

    has_title, label, target = split_explicit_title(unescape(text))
    node = deck_reference(rawtext, target=target.strip())
    node += nodes.Text(label if has_title else str(_("deck %s")) % target)
    return [node], []


def resolve_deck_references(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: from the text the deck is in the deck folder, from a deck beside it."""
    decks = pages_with_deck(app.env)
    for node in list(doctree.findall(deck_reference)):
        target = node["target"]
        if target not in decks:
            logger.warning(
                "no deck for %r: the page has no '.. slide::' marker (or does not "
                "exist); the :deck: link is left as plain text",
                target,
                location=node,
                type="coursekit",
                subtype="deck",
            )
            node.replace_self(nodes.inline("", "", *node.children))
            continue
        if app.builder.name in DECK_BUILDERS:
            uri = posixpath.relpath(f"{target}.html", posixpath.dirname(docname) or ".")
        else:
            uri = deck_url(target, app.config.coursekit_deck_dir, docname)
        link = nodes.reference("", "", *node.children, refuri=uri, internal=False)
        node.replace_self(link)


class handout_reference(nodes.General, nodes.Inline, nodes.Element):  # noqa: N801
    """A link to a deck's PDF handout, shown once ``make slides-pdf`` has made it."""


def handout_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``:handout:`label <docname>``` — a link to ``pdf/<docname>.pdf`` when it exists."""
    from docutils.utils import unescape
    from sphinx.util.nodes import split_explicit_title

    has_title, label, target = split_explicit_title(unescape(text))
    rewrite_every_build(inliner.document.settings.env)
    node = handout_reference(rawtext, target=target.strip())
    node += nodes.Text(label if has_title else str(_("PDF %s")) % target)
    return [node], []


def resolve_handout_references(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Link the PDF if the HTML output has it; otherwise say how to make it."""
    for node in list(doctree.findall(handout_reference)):
        pdf = f"{HANDOUT_DIR}/{node['target']}.pdf"
        if (Path(app.outdir) / pdf).exists() and app.builder.name not in DECK_BUILDERS:
            uri = posixpath.relpath(pdf, posixpath.dirname(docname) or ".")
            node.replace_self(nodes.reference("", "", *node.children, refuri=uri))
        else:
            hint = nodes.inline("", "", classes=["coursekit-handout-missing"])
            hint += node.children
            hint += nodes.Text(str(_(" (to be made with make slides-pdf)")))
            node.replace_self(hint)


def configure_deck(app: Sphinx, config: Config) -> None:
    """Ship the deck's stylesheet and scripts, and tell them the slide's size and floors.

    ``coursekit-measure.js`` (how a slide measures, shared with ``make
    slides-check``) comes before ``coursekit-deck.js`` (the fitting), which uses it.
    """
    if "revealjs_static_path" not in config:  # no deck builder in this project
        return
    # Relative to the configuration folder, so that the configuration (and
    # Sphinx's record of it) is the same wherever the project is checked out.
    static = os.path.relpath(STATIC, app.confdir)
    config.revealjs_static_path = [*config.revealjs_static_path, static]
    _AS_READ[id(config)] = list(config.revealjs_static_path)
    config.revealjs_css_files = [*config.revealjs_css_files, "coursekit-deck.css"]
    # sphinx-revealjs has already turned its entries into (file, attributes) pairs.
    config.revealjs_js_files = [
        *config.revealjs_js_files,
        ("coursekit-measure.js", {}),
        ("coursekit-deck.js", {}),
    ]
    script_conf = dict(config.revealjs_script_conf or {})
    script_conf.setdefault("pdfMaxPagesPerSlide", 1)
    # The handout shows each slide once, with all its fragments shown.
    script_conf.setdefault("pdfSeparateFragments", False)
    # sphinx-revealjs's builder adds this default to the dict itself, after Sphinx
    # has compared the configuration with the last build's: added here, the two agree.
    script_conf.setdefault("scrollActivationWidth", None)
    script_conf["width"], script_conf["height"] = SLIDE_WIDTH, SLIDE_HEIGHT
    script_conf["coursekit"] = {
        "bodyFloor": config.coursekit_body_font_floor,
        "codeFloor": config.coursekit_code_font_floor,
    }
    config.revealjs_script_conf = script_conf


def keep_the_configuration_as_read(app: Sphinx) -> None:
    """``builder-inited``, last: the deck's static folders as the configuration says.

    sphinx-revealjs's builder appends its own folder to ``revealjs_static_path``
    (a value that "rebuilds the environment") and makes it the builder's
    ``html_static_path`` too, where other extensions append theirs. Sphinx
    stores the configuration with the environment, and compares it with the
    next build's ``conf.py``: every build would then find it changed and read
    every page again. The builder copies from ``html_static_path``, which keeps
    every folder; ``revealjs_static_path`` gets back the value ``conf.py`` and
    ``config-inited`` gave it.
    """
    if app.builder.name not in DECK_BUILDERS:
        return
    config = app.config
    as_read = [path for path in config.revealjs_static_path if path in _AS_READ.get(id(config), ())]
    config.html_static_path = list(config.revealjs_static_path)
    config.revealjs_static_path = as_read


#: The deck's static folders after ``config-inited``, per configuration object.
_AS_READ: dict[int, list[str]] = {}


def write_decks_only(app: Sphinx, builder: Builder) -> None:
    """``write-started``: a deck builder writes no page for a document without markers.

    Sphinx has no hook to leave a document out of the writing phase, so the
    deck builder's ``write_doc`` is wrapped, on this builder instance only.
    """
    if builder.name not in DECK_BUILDERS:
        return
    write_doc = builder.write_doc

    def write_deck(docname: str, doctree: nodes.document) -> None:
        if docname in pages_with_deck(builder.env):
            write_doc(docname, doctree)
        else:  # no deck: no page, not even a stale one from an earlier build
            Path(builder.get_outfilename(docname)).unlink(missing_ok=True)

    builder.write_doc = write_deck


def no_links_to_missing_decks(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree
) -> None:
    """``html-page-context``: a deck's previous/next links skip pages that have no deck."""
    if app.builder.name not in DECK_BUILDERS:
        return
    decks = pages_with_deck(app.env)
    for key in ("prev", "next"):
        link = (context.get(key) or {}).get("link")
        if not link:
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(pagename), link))
        if target.removesuffix(".html") not in decks:
            context[key] = None


def setup_deck(app: Sphinx) -> None:
    """Register the deck's assets and the slide-to-text links."""
    app.connect("config-inited", configure_deck)
    app.connect("builder-inited", keep_the_configuration_as_read, priority=900)
    app.add_node(deck_reference)
    app.add_role("deck", deck_role)
    app.connect("doctree-resolved", resolve_deck_references)
    app.connect("write-started", write_decks_only)
    app.connect("html-page-context", no_links_to_missing_decks)
    app.add_node(handout_reference)
    app.add_role("handout", handout_role)
    app.connect("doctree-resolved", resolve_handout_references)
    app.add_post_transform(LinkSlidesToText)
    app.add_post_transform(LanguagesTheDeckKnows)

"""The directives of Slidey's dialect, shown one way in the text, another in the deck.

The lecturer writes in the dialect of Slidey (``Gregwar/Slidey``); besides
``.. slide::`` (see :mod:`coursekit.sphinx.slides`) these directives exist:

========================  ==================================  ==================================
directive                 HTML text                           deck (reveal.js)
========================  ==================================  ==================================
``.. step::``             checklist step: checkbox, ``k/N``   a fragment (one step at a time)
``.. step:: reset``       the same, first of a new group      the same
``.. discover::``         shown                               a fragment
``.. discoverList::``     shown                               each item of the list a fragment
``.. spoiler::``          ``<details>`` « Afficher / masquer »  a fragment
``.. textOnly::``         shown                               left out
``.. slideOnly::``        left out                            shown
``.. center::``           centred                             centred
``.. success::``          admonition "Success"             the same
``.. youtube:: ID|URL``   link card to youtube.com            click-to-load card (iframe on click)
``.. poll::``             radio buttons, choice kept locally  the same
========================  ==================================  ==================================

A group of steps is every step of the page, in order, from the first one (or
from a ``.. step:: reset``) to the next reset: ``k/N`` numbers the steps of
a group. The checkboxes and the poll choices live in the browser's
localStorage (``coursekit-slidey.js``); nothing is ever sent anywhere.

In the deck every element that reveal.js should reveal one at a time carries
reveal's class ``fragment`` (set by :class:`FragmentsInDeck`). Other builders
(text, LaTeX, man, Texinfo) show the content plainly: ``slideOnly`` is left
out, a video is its title and URL, a poll its question and its choices.

Page furniture (labels, titles) goes through the ``coursekit`` message
catalogue (``coursekit/locale``), compiled to ``.mo`` when the ``.po`` is newer.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from coursekit.config import DECK_BUILDERS
from coursekit.sphinx.furniture import _
from coursekit.sphinx.visitors import OTHER_FORMATS, bare, in_deck, pass_through, skip_node

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parents[1] / "static"
JS_FILE = "coursekit-slidey.js"
CSS_FILE = "coursekit-slidey.css"

# --- Nodes --------------------------------------------------------------------


class slidey_step(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """One step of a practical session; ``index``/``total`` number it in its group."""


class slidey_discover(nodes.General, nodes.Element):  # noqa: N801
    """A block the deck reveals on its own (``.. discover::``)."""


class slidey_spoiler(nodes.General, nodes.Element):  # noqa: N801
    """A block hidden until the reader (text) or the lecturer (deck) reveals it."""


class slidey_text_only(nodes.General, nodes.Element):  # noqa: N801
    """Shown in the text, left out of the deck."""


class slidey_slide_only(nodes.General, nodes.Element):  # noqa: N801
    """Shown in the deck, left out of the text."""


class slidey_center(nodes.General, nodes.Element):  # noqa: N801
    """Centred content."""


class slidey_youtube(nodes.General, nodes.Element):  # noqa: N801
    """A YouTube video: ``video`` is its id, ``title`` its title.

    Its children (a paragraph "title : URL") are what builders other than
    HTML show; the HTML visitors write a card instead.
    """


class slidey_poll(nodes.General, nodes.Element):  # noqa: N801
    """A multiple-choice question: an optional question paragraph, then a list.

    ``key`` names the poll in localStorage (``docname/poll-N``).
    """


FRAGMENT = "fragment"
DISCOVER_LIST = "coursekit-discover-list"
DISCOVER_ITEM = "coursekit-discover-item"


# --- Directives ---------------------------------------------------------------


class BlockDirective(SphinxDirective):
    """A directive that wraps its indented content in one node."""

    has_content = True
    node_class: ClassVar[type[nodes.Element]]
    option_spec: ClassVar[dict] = {}

    def make_node(self) -> nodes.Element:
        if not self.content:
            raise self.error(f"'.. {self.name}::' needs indented content.")
        node = self.node_class()
        self.set_source_info(node)
        self.state.nested_parse(self.content, self.content_offset, node)
        return node

    def run(self) -> list[nodes.Node]:
        return [self.make_node()]


class StepDirective(BlockDirective):
    """``.. step::`` (or ``.. step:: reset``, which starts a new group of steps)."""

    node_class = slidey_step
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        if self.arguments and self.arguments[0] != "reset":
            raise self.error(
                f"'.. step::' takes no argument but 'reset' (which starts a new "
                f"group of steps), not {self.arguments[0]!r}."
            )
        node = self.make_node()
        node["reset"] = bool(self.arguments)
        number = self.env.new_serialno("coursekit-step") + 1
        node["ids"] = [f"step-{number}"]
        self.state.document.set_id(node)
        return [node]


class DiscoverDirective(BlockDirective):
    node_class = slidey_discover


class SpoilerDirective(BlockDirective):
    node_class = slidey_spoiler


class TextOnlyDirective(BlockDirective):
    node_class = slidey_text_only


class SlideOnlyDirective(BlockDirective):
    node_class = slidey_slide_only


class CenterDirective(BlockDirective):
    node_class = slidey_center


class DiscoverListDirective(SphinxDirective):
    """``.. discoverList::`` around a list: in the deck its items appear one at a time."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        holder = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, holder)
        lists = [
            child
            for child in holder.children
            if isinstance(child, (nodes.bullet_list, nodes.enumerated_list))
        ]
        if not lists:
            raise self.error("'.. discoverList::' needs an indented bullet or numbered list.")
        for found in lists:
            found["classes"].append(DISCOVER_LIST)
            for item in found.children:
                item["classes"].append(DISCOVER_ITEM)
        return list(holder.children)


class SuccessDirective(SphinxDirective):
    """``.. success::``: an admonition beside Sphinx's note, tip, warning…"""

    has_content = True

    def run(self) -> list[nodes.Node]:
        if not self.content:
            raise self.error("'.. success::' needs indented content.")
        node = nodes.admonition(classes=["success"])
        self.set_source_info(node)
        title = str(_("Success"))
        node += nodes.title(title, title)
        self.state.nested_parse(self.content, self.content_offset, node)
        return [node]


#: A video id as YouTube writes it.
VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{6,20}\Z")
#: Where the id sits in the URLs one copies from YouTube.
VIDEO_URLS = (
    re.compile(r"[?&]v=([^&#]+)"),
    re.compile(r"youtu\.be/([^?&#/]+)"),
    re.compile(r"/(?:embed|shorts|live)/([^?&#/]+)"),
)


def video_id(argument: str) -> str | None:
    """The video id of ``argument`` (an id or a YouTube URL), or None."""
    candidate = argument.strip()
    if "/" in candidate or "?" in candidate:
        for pattern in VIDEO_URLS:
            match = pattern.search(candidate)
            if match:
                candidate = match.group(1)
                break
        else:
            return None
    return candidate if VIDEO_ID.match(candidate) else None


def watch_url(video: str) -> str:
    return f"https://www.youtube.com/watch?v={video}"


def embed_url(video: str) -> str:
    # youtube-nocookie: no cookie until the viewer plays the video.
    return f"https://www.youtube-nocookie.com/embed/{video}?autoplay=1"


class YoutubeDirective(SphinxDirective):
    """``.. youtube:: ID-or-URL`` with an optional ``:title:``."""

    required_arguments = 1
    final_argument_whitespace = True  # so that a wrong argument gets the message below
    option_spec: ClassVar[dict] = {"title": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        video = video_id(self.arguments[0])
        if video is None:
            raise self.error(
                f"'.. youtube::' takes a video id or a YouTube URL; cannot find the "
                f"video in {self.arguments[0]!r}."
            )
        title = self.options.get("title") or str(_("YouTube video"))
        node = slidey_youtube(video=video, title=title)
        self.set_source_info(node)
        url = watch_url(video)
        para = nodes.paragraph()
        para += nodes.Text(f"{title} : ")
        para += nodes.reference(url, url, refuri=url)
        node += para
        return [node]


class PollDirective(SphinxDirective):
    """``.. poll::``: an optional question paragraph, then a bullet list of choices."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        holder = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, holder)
        children = list(holder.children)
        if not children or not isinstance(children[-1], nodes.bullet_list):
            raise self.error("'.. poll::' needs a bullet list of choices, after the question.")
        *before, choices = children
        if len(before) > 1 or (before and not isinstance(before[0], nodes.paragraph)):
            raise self.error(
                "'.. poll::' takes one paragraph (the question) before its list of choices."
            )
        for item in choices.children:
            if len(item.children) != 1 or not isinstance(item.children[0], nodes.paragraph):
                raise self.error("Each choice of '.. poll::' is one line of text.")
        number = self.env.new_serialno("coursekit-poll") + 1
        node = slidey_poll(key=f"{self.env.docname}/poll-{number}")
        node["ids"] = [f"poll-{number}"]
        self.set_source_info(node)
        self.state.document.set_id(node)
        if before:
            before[0]["classes"].append("coursekit-poll-question")
        choices["classes"].append("coursekit-poll-choices")
        node.extend(children)
        return [node]


# --- Transforms ---------------------------------------------------------------


def number_steps(app: Sphinx, doctree: nodes.document) -> None:
    """``doctree-read``: number each step ``k/N`` in its group."""
    groups: list[list[slidey_step]] = []
    for step in doctree.findall(slidey_step):
        if step["reset"] or not groups:
            groups.append([])
        groups[-1].append(step)
    for group_number, group in enumerate(groups, start=1):
        for index, step in enumerate(group, start=1):
            step["group"] = group_number
            step["index"] = index
            step["total"] = len(group)


class FragmentsInDeck(SphinxPostTransform):
    """For the deck: reveal's ``fragment`` class on what appears step by step; no text-only."""

    default_priority = 890  # before the cut along markers (900)
    builders = DECK_BUILDERS

    def run(self, **kwargs) -> None:
        for node in list(self.document.findall(slidey_text_only)):
            node.parent.remove(node)
        for node in self.document.findall(
            lambda n: isinstance(n, (slidey_step, slidey_discover, slidey_spoiler))
        ):
            node["classes"].append(FRAGMENT)
        for item in self.document.findall(nodes.list_item):
            if DISCOVER_ITEM in item["classes"]:
                item["classes"].append(FRAGMENT)


# --- HTML visitors (text and deck) --------------------------------------------


def visit_step_html(self: HTML5Translator, node: slidey_step) -> None:
    counter = f"{node['index']}/{node['total']}"
    attributes = {"data-coursekit-group": node["group"]}
    self.body.append(self.starttag(node, "div", CLASS="coursekit-step", **attributes))
    if in_deck(self):
        # Furniture, not the lecturer's text: the font floors do not apply to it.
        counter_tag = bare("coursekit-step-counter", "coursekit-chrome")
        self.body.append(self.starttag(counter_tag, "span", ""))
        self.body.append(self.encode(counter) + "</span>\n")
        return
    self.body.append(
        self.starttag(bare("coursekit-step-check"), "label", "", title=_("Mark this step as done"))
    )
    self.body.append(
        self.emptytag(
            bare("coursekit-step-box"),
            "input",
            "",
            type="checkbox",
            **{"aria-label": _("Step %s done") % counter},
        )
    )
    self.body.append(self.starttag(bare("coursekit-step-counter"), "span", ""))
    self.body.append(self.encode(counter) + "</span></label>\n")
    self.body.append(self.starttag(bare("coursekit-step-body"), "div"))


def depart_step_html(self: HTML5Translator, node: slidey_step) -> None:
    self.body.append("</div>\n" if in_deck(self) else "</div></div>\n")


def _div(css_class: str):
    def visit(self: HTML5Translator, node: nodes.Element) -> None:
        self.body.append(self.starttag(node, "div", CLASS=css_class))

    def depart(self: HTML5Translator, node: nodes.Element) -> None:
        self.body.append("</div>\n")

    return visit, depart


def visit_spoiler_html(self: HTML5Translator, node: slidey_spoiler) -> None:
    if in_deck(self):
        self.body.append(self.starttag(node, "div", CLASS="coursekit-spoiler"))
        return
    self.body.append(self.starttag(node, "details", CLASS="coursekit-spoiler"))
    self.body.append(self.starttag(bare("coursekit-spoiler-toggle"), "summary", ""))
    self.body.append(self.encode(_("Show / hide")) + "</summary>\n")
    self.body.append(self.starttag(bare("coursekit-spoiler-body"), "div"))


def depart_spoiler_html(self: HTML5Translator, node: slidey_spoiler) -> None:
    self.body.append("</div>\n" if in_deck(self) else "</div></details>\n")


def visit_text_only_html(self: HTML5Translator, node: slidey_text_only) -> None:
    if in_deck(self):
        raise nodes.SkipNode
    self.body.append(self.starttag(node, "div", CLASS="coursekit-text-only"))


def visit_slide_only_html(self: HTML5Translator, node: slidey_slide_only) -> None:
    if not in_deck(self):
        raise nodes.SkipNode
    self.body.append(self.starttag(node, "div", CLASS="coursekit-slide-only"))


def depart_div(self: HTML5Translator, node: nodes.Element) -> None:
    self.body.append("</div>\n")


def visit_youtube_html(self: HTML5Translator, node: slidey_youtube) -> None:
    """A card linking to the video; in the deck a click swaps it for the player.

    Nothing is loaded from YouTube before the click: no iframe, no thumbnail.
    """
    video, title = node["video"], node["title"]
    attributes = {"data-coursekit-video": video}
    if in_deck(self):
        attributes["data-coursekit-embed"] = embed_url(video)
        attributes["data-coursekit-title"] = title
        hint = _("Click to load the video (YouTube)")
    else:
        hint = _("Watch on YouTube")
    self.body.append(self.starttag(node, "div", CLASS="coursekit-youtube", **attributes))
    self.body.append(
        self.starttag(
            bare("coursekit-youtube-card"),
            "a",
            "",
            href=watch_url(video),
            rel="noopener",
            title=hint,
        )
    )
    self.body.append(
        self.starttag(bare("coursekit-youtube-play"), "span", "", **{"aria-hidden": "true"})
        + "▶</span>"
    )
    self.body.append(self.starttag(bare("coursekit-youtube-text"), "span", ""))
    self.body.append(self.starttag(bare("coursekit-youtube-title"), "span", ""))
    self.body.append(self.encode(title) + "</span>")
    self.body.append(self.starttag(bare("coursekit-youtube-hint"), "span", ""))
    self.body.append(self.encode(hint) + "</span></span></a></div>\n")
    raise nodes.SkipNode


def visit_poll_html(self: HTML5Translator, node: slidey_poll) -> None:
    """A fieldset of radio buttons; ``coursekit-slidey.js`` remembers the choice."""
    key = node["key"]
    name = f"coursekit-{node['ids'][0]}"
    self.body.append(
        self.starttag(node, "fieldset", CLASS="coursekit-poll", **{"data-coursekit-poll": key})
    )
    for child in node.children:
        if isinstance(child, nodes.paragraph):
            self.body.append(self.starttag(child, "legend", ""))
            for inline in child.children:
                inline.walkabout(self)
            self.body.append("</legend>\n")
        elif isinstance(child, nodes.bullet_list):
            self.body.append(self.starttag(child, "ul"))
            for number, item in enumerate(child.children, start=1):
                self.body.append(self.starttag(item, "li", "", CLASS="coursekit-poll-choice"))
                self.body.append(self.starttag(bare(), "label", ""))
                self.body.append(
                    self.emptytag(bare(), "input", "", type="radio", name=name, value=number)
                )
                self.body.append(" ")
                for inline in item.children[0].children:
                    inline.walkabout(self)
                self.body.append("</label></li>\n")
            self.body.append("</ul>\n")
    self.body.append("</fieldset>\n")
    raise nodes.SkipNode


# --- Other builders -----------------------------------------------------------


# --- Setup --------------------------------------------------------------------


def configure_slidey(app: Sphinx, config: Config) -> None:
    """Ship the stylesheet and script: to the text through Sphinx, the CSS to the deck too."""
    static = os.path.relpath(STATIC, app.confdir)
    config.html_static_path = [*config.html_static_path, static]
    # The deck gets the script from app.add_js_file (sphinx-revealjs adds the
    # registered scripts) and finds it in coursekit/static (see coursekit.sphinx.deck).
    if "revealjs_css_files" in config:  # the deck's builder is there
        config.revealjs_css_files = [*config.revealjs_css_files, CSS_FILE]


def setup_slidey(app: Sphinx) -> None:
    """Register the dialect's directives, their nodes and their assets."""

    def register(node: type[nodes.Element], html, others) -> None:
        # The html visitors serve the deck too: sphinx-revealjs hands them to its
        # builders; they ask the builder's name where text and deck differ.
        app.add_node(node, html=html, **dict.fromkeys(OTHER_FORMATS, others))

    through = (pass_through, pass_through)
    skip = (skip_node, None)
    register(slidey_step, (visit_step_html, depart_step_html), through)
    register(slidey_discover, _div("coursekit-discover"), through)
    register(slidey_spoiler, (visit_spoiler_html, depart_spoiler_html), through)
    register(slidey_text_only, (visit_text_only_html, depart_div), through)
    register(slidey_slide_only, (visit_slide_only_html, depart_div), skip)
    register(slidey_center, _div("coursekit-center"), through)
    register(slidey_youtube, (visit_youtube_html, None), through)
    register(slidey_poll, (visit_poll_html, None), through)

    app.add_directive("step", StepDirective)
    app.add_directive("discover", DiscoverDirective)
    app.add_directive("discoverlist", DiscoverListDirective)
    app.add_directive("spoiler", SpoilerDirective)
    app.add_directive("textonly", TextOnlyDirective)
    app.add_directive("slideonly", SlideOnlyDirective)
    app.add_directive("center", CenterDirective)
    app.add_directive("success", SuccessDirective)
    app.add_directive("youtube", YoutubeDirective)
    app.add_directive("poll", PollDirective)

    app.connect("doctree-read", number_steps)
    app.add_post_transform(FragmentsInDeck)
    app.connect("config-inited", configure_slidey)
    app.add_js_file(JS_FILE, loading_method="defer")
    app.add_css_file(CSS_FILE)

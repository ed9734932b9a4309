"""Pure core of the slide model: cut a docutils doctree into slides.

The lecturer's rule: a ``.. slide::`` marker starts a slide, which runs until
the next marker. Headings do not start slides. This module knows nothing of
Sphinx; it takes a doctree and returns new section nodes, one per slide.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from docutils import nodes


class slide_marker(nodes.General, nodes.Element):  # noqa: N801 (docutils naming)
    """Where the lecturer wrote ``.. slide::``. Its ``ids`` hold the slide anchor."""


#: Nodes that show nothing by themselves: a slide made only of these is empty.
INVISIBLE = (nodes.target, nodes.comment, nodes.substitution_definition, slide_marker)


@dataclass
class Slide:
    """One slide before it becomes a node.

    ``title`` is the heading the slide starts with, or the title of the
    section it continues (then ``continued`` is true). ``items`` are, in
    order, body nodes and the sections whose headings appear inside the slide.
    """

    anchor: str | None
    context: nodes.Element | None = None
    classes: list[str] = field(default_factory=list)
    title: nodes.title | None = None
    title_ids: list[str] = field(default_factory=list)
    continued: bool = False
    items: list[tuple[str, nodes.Node]] = field(default_factory=list)


def _events(container: nodes.Element):
    """Yield ("heading", section), ("marker", marker) and ("body", node) in document order."""
    for child in container.children:
        if isinstance(child, nodes.section):
            yield "heading", child
            yield from _events(child)
        elif isinstance(child, slide_marker):
            yield "marker", child
        elif isinstance(child, nodes.title) and isinstance(container, nodes.section):
            continue  # emitted with its section
        else:
            yield "body", child


def _section_title(section: nodes.Element | None) -> nodes.title | None:
    if isinstance(section, nodes.section) and section.children:
        first = section.children[0]
        if isinstance(first, nodes.title):
            return first
    return None


def collect_slides(document: nodes.Element) -> list[Slide]:
    """Group the document's content into slides, in order, empty ones dropped.

    As in Slidey, content before the first marker belongs to no slide: the
    text shows it, the deck does not. A document without markers has no slide.

    A slide without a heading of its own repeats the title of the section it
    sits in: as a continuation (" (suite)") when an earlier slide showed that
    title (as its title or as a sub-heading), as the plain title when no slide
    did (its heading came before the first marker).
    """
    slides: list[Slide] = []
    for kind, node in _events(document):
        if kind == "marker":
            ids = node.get("ids", [])
            slides.append(
                Slide(
                    anchor=ids[0] if ids else None,
                    context=node.parent,
                    classes=list(node.get("slide_classes", [])),
                )
            )
            continue
        if not slides:
            continue  # before the first marker: text only
        current = slides[-1]
        if kind == "heading" and current.title is None and not _has_visible(current):
            title = _section_title(node)
            if title is not None:
                current.title = title
                current.title_ids = list(node.get("ids", []))
                continue
        current.items.append((kind, node))
    result = []
    shown: set[int] = set()  # id() of the titles a kept slide shows
    for slide in slides:
        # Every marker is a slide, as in Slidey, even one with nothing after it.
        if slide.title is None:
            title = _section_title(slide.context)
            if title is not None:
                slide.title = title
                slide.continued = id(title) in shown
                if not slide.continued:
                    slide.title_ids = list(slide.context.get("ids", []))
        if slide.title is not None:
            shown.add(id(slide.title))
        # A heading met inside the slide is shown too (as a sub-heading).
        shown.update(id(_section_title(node)) for kind, node in slide.items if kind == "heading")
        result.append(slide)
    return result


def _has_visible(slide: Slide) -> bool:
    return any(kind != "body" or not isinstance(node, INVISIBLE) for kind, node in slide.items)


def build_slide_sections(
    slides: list[Slide], continuation: str = " (suite)"
) -> list[nodes.section]:
    """Turn slides into flat ``section`` nodes, ready to replace a document's children.

    The slide title becomes the section title; a heading met inside a slide
    becomes a level-2 ``rubric`` that keeps the heading's ids, so that
    links into the text still land.
    """
    sections = []
    for number, slide in enumerate(slides, start=1):
        section = nodes.section(classes=["coursekit-slide", *slide.classes])
        # The lecturer's classes (``.. slide:: classes``), for the deck's <section>.
        section["slide_classes"] = list(slide.classes)
        # The slide's id is its anchor: ``deck.html#/slide-N`` opens the slide.
        section["ids"] = [slide.anchor or f"slide-0-{number}"]
        if slide.title is not None:
            title = nodes.title("", "", *[child.deepcopy() for child in slide.title.children])
            if not slide.continued:
                # The slide element carries only one id (the anchor): the
                # heading keeps its own, so links to the section still land.
                title["ids"] = list(slide.title_ids)
            if slide.continued:
                title += nodes.inline(continuation, continuation, classes=["continuation"])
                section["classes"].append("continuation")
            section += title
        for kind, node in slide.items:
            if kind == "heading":
                head = _section_title(node)
                rubric = nodes.rubric("", "", classes=["slide-subheading"])
                rubric["ids"] = list(node.get("ids", []))
                rubric["heading-level"] = 2
                if head is not None:
                    rubric.extend(child.deepcopy() for child in head.children)
                section += rubric
            else:
                node.parent = None
                section += node
        sections.append(section)
    return sections


def split_document(document: nodes.Element, continuation: str = " (suite)") -> int:
    """Replace the document's sections by one flat section per slide.

    Returns the number of slides.
    """
    slides = collect_slides(document)
    sections = build_slide_sections(slides, continuation)
    keep = [child for child in document.children if isinstance(child, nodes.decoration)]
    document.children = []
    document.extend(keep)
    document.extend(sections)
    return len(sections)

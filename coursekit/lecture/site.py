"""What the built site offers a live lecture: its decks and its polls.

The server validates every message against the site as it was built
(``_build/html``), read once at start: a page the presenter moves to must have
a deck, a vote must name a poll of the site and one of its choices. The polls
are read back from the pages themselves, where ``.. poll::`` wrote them
(``<fieldset class="coursekit-poll" data-coursekit-poll="<docname>/poll-N">``
with one radio button per choice, valued 1, 2, …), so the build needs to know
nothing about the lecture.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from coursekit.config import DECK_DIR

POLL_ATTRIBUTE = "data-coursekit-poll"


class SiteError(Exception):
    """The site cannot be served: the message says what to do."""


@dataclass(frozen=True)
class Poll:
    """A ``.. poll::`` of the site: its key, where it is, its question and its choices.

    ``anchor`` is the ``slide-N`` of the slide that shows it ('' if none);
    choice ``k`` (1-based, as the radio buttons' values) is ``choices[k - 1]``.
    """

    key: str
    page: str
    anchor: str
    question: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class Site:
    """The built site: its folder, the pages that have a deck (home page's order first)
    and every poll by key."""

    root: Path
    decks: tuple[str, ...]
    polls: dict[str, Poll] = field(default_factory=dict)
    deck_dir: str = DECK_DIR

    @property
    def first_deck(self) -> str:
        return self.decks[0]

    def deck_url(self, page: str) -> str:
        """The deck of ``page``, as a path from the server's root."""
        return f"/{self.deck_dir}/{page}.html"

    def page_of(self, path: str) -> tuple[str, str] | None:
        """(kind, docname) for a served file's path relative to the site: ``deck`` or ``text``."""
        if not path.endswith(".html"):
            return None
        name = path.removesuffix(".html")
        prefix = f"{self.deck_dir}/"
        if name.startswith(prefix):
            return "deck", name.removeprefix(prefix)
        return "text", name


class _PollReader(HTMLParser):
    """Collects the polls of one page, with the slide each one stands on."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.sections: list[str | None] = []  # the deck's <section> ids, innermost last
        self.last_anchor = ""  # the text's latest slide anchor
        self.polls: list[Poll] = []
        self.current: dict | None = None
        self.buffer: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        ident = attributes.get("id", "")
        if tag == "section":
            self.sections.append(ident if ident.startswith("slide-") else None)
        elif ident.startswith("slide-") and "coursekit-slide-link" in attributes.get("class", ""):
            self.last_anchor = ident
        if tag == "fieldset" and POLL_ATTRIBUTE in attributes:
            anchors = [section for section in self.sections if section]
            self.current = {
                "key": attributes[POLL_ATTRIBUTE],
                "anchor": anchors[-1] if anchors else self.last_anchor,
                "question": "",
                "choices": [],
            }
        elif self.current is not None and tag in ("legend", "li"):
            self.buffer = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "section" and self.sections:
            self.sections.pop()
        if self.current is None:
            return
        if tag in ("legend", "li") and self.buffer is not None:
            # Runs of spaces and line ends as one space; the no-break spaces of
            # French typography stay.
            text = re.sub(r"[ \t\r\n\f]+", " ", "".join(self.buffer)).strip()
            if tag == "legend":
                self.current["question"] = text
            else:
                self.current["choices"].append(text)
            self.buffer = None
        elif tag == "fieldset":
            poll = self.current
            self.polls.append(
                Poll(
                    poll["key"], self.page, poll["anchor"], poll["question"], tuple(poll["choices"])
                )
            )
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.buffer is not None:
            self.buffer.append(data)


def _pages(root: Path) -> list[tuple[str, Path]]:
    """(path relative to ``root``, file) of every HTML page, Sphinx's own folders aside."""
    found = []
    for path in sorted(root.rglob("*.html")):
        relative = path.relative_to(root)
        if not any(part.startswith("_") for part in relative.parts[:-1]):
            found.append((relative.as_posix(), path))
    return found


def read_site(root: Path, deck_dir: str = DECK_DIR) -> Site:
    """Read the built site at ``root``; raise :class:`SiteError` if it has no deck."""
    root = Path(root).resolve()
    if not (root / "index.html").is_file():
        raise SiteError(f"there is no built site in {root}: build it first (make html)")
    decks_found: list[str] = []
    polls: dict[str, Poll] = {}
    pages = _pages(root)
    probe = Site(root, (), deck_dir=deck_dir)
    # The deck's pages first: there a poll's slide is its <section>.
    for kind_wanted in ("deck", "text"):
        for relative, path in pages:
            kind, page = probe.page_of(relative) or ("", "")
            if kind != kind_wanted:
                continue
            if kind == "deck":
                decks_found.append(page)
            html = path.read_text(encoding="utf-8", errors="replace")
            if POLL_ATTRIBUTE not in html:
                continue
            reader = _PollReader(page)
            reader.feed(html)
            reader.close()
            for poll in reader.polls:
                polls.setdefault(poll.key, poll)
    if not decks_found:
        raise SiteError(
            f"the site in {root} has no deck ({deck_dir}/*.html): build it with make html"
        )
    # The home page's order (its links to the decks), then the others by name.
    home = (root / "index.html").read_text(encoding="utf-8", errors="replace")
    linked = re.findall(rf'href="{re.escape(deck_dir)}/([^"#?]+)\.html', home)
    order = [page for page in dict.fromkeys(linked) if page in decks_found]
    order += sorted(set(decks_found) - set(order))
    return Site(root, tuple(order), polls, deck_dir)

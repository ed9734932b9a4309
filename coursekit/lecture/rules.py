"""The rules of a live lecture: who may do what, and what each one is shown.

- Only the presenter (the one who gave the token) moves the slide and opens,
  closes, reveals or hides a poll. The token is compared in constant time.
- A poll opens by itself the first time the presenter shows its slide; the
  presenter may close it, open it again, reveal its results and hide them.
- A vote needs a voter (the browser's cookie), a poll of the site that is
  open, and one of its choices; a second vote replaces the first.
- The presenter sees the counts at all times; a student only once the poll is
  revealed: a student's view of a poll carries no count before that.

Every refusal raises :class:`~coursekit.lecture.protocol.RefusedError`. The network
is :mod:`coursekit.lecture.server`'s business; this class only decides.
"""

from __future__ import annotations

import hmac

from coursekit.lecture.protocol import PollAction, RefusedError, Slide, Vote
from coursekit.lecture.site import Poll, Site
from coursekit.lecture.store import PollState, Store


class Lecture:
    """One lecture: the site's decks and polls, the store behind, the presenter's token."""

    def __init__(self, site: Site, store: Store, token: str) -> None:
        self.site = site
        self.store = store
        self._token = token.encode()
        self.states = store.polls()
        slide = store.slide()
        # A slide of a deck the site no longer has (rebuilt since): start afresh.
        self.current = slide if slide and slide.page in site.decks else None
        self.by_slide: dict[tuple[str, str], list[str]] = {}
        for key, poll in site.polls.items():
            if poll.anchor:
                self.by_slide.setdefault((poll.page, poll.anchor), []).append(key)

    def is_presenter(self, token: str | None) -> bool:
        """Whether ``token`` is the presenter's (constant-time comparison)."""
        return token is not None and hmac.compare_digest(token.encode(), self._token)

    @property
    def entry_page(self) -> str:
        """The deck students land on: the presenter's, or the site's first one."""
        return self.current.page if self.current else self.site.first_deck

    def state(self, key: str) -> PollState:
        return self.states.get(key, PollState())

    def _set(self, key: str, state: PollState) -> None:
        self.store.set_poll(key, state)
        self.states[key] = state

    def _poll(self, key: str) -> Poll:
        poll = self.site.polls.get(key)
        if poll is None:
            raise RefusedError("unknown-poll", f"no poll {key!r} in the site")
        return poll

    def move(self, slide: Slide) -> list[str]:
        """The presenter is on ``slide``: record it; return the polls this opened."""
        if slide.page not in self.site.decks:
            raise RefusedError("unknown-page", f"no deck for page {slide.page!r}")
        self.current = slide
        self.store.set_slide(slide)
        opened = []
        for key in self.by_slide.get((slide.page, slide.anchor), ()):
            if self.state(key).status == "pending":
                self._set(key, PollState("open", False))
                opened.append(key)
        return opened

    def vote(self, voter: str | None, vote: Vote) -> None:
        """Record ``voter``'s answer, or refuse it."""
        poll = self._poll(vote.poll)
        if not 1 <= vote.choice <= len(poll.choices):
            raise RefusedError("unknown-choice", f"{vote.poll} has {len(poll.choices)} choices")
        if voter is None:
            raise RefusedError("no-voter")
        if self.state(vote.poll).status != "open":
            raise RefusedError("poll-not-open", f"{vote.poll} is {self.state(vote.poll).status}")
        self.store.vote(vote.poll, voter, vote.choice)

    def act(self, action: PollAction) -> PollState:
        """Open, close, reveal or hide a poll (the presenter's doing); its new state."""
        self._poll(action.poll)
        state = self.state(action.poll)
        if action.action in ("open", "close"):
            state = state._replace(status="open" if action.action == "open" else "closed")
        else:
            state = state._replace(revealed=action.action == "reveal")
            if state.status == "pending":  # results of a poll never opened: it is closed
                state = state._replace(status="closed")
        self._set(action.poll, state)
        return state

    def view(self, key: str, presenter: bool) -> dict:
        """A poll as one page sees it: the counts for the presenter, or once revealed."""
        state = self.state(key)
        view = {"poll": key, "status": state.status, "revealed": state.revealed}
        if presenter or state.revealed:
            counts = self.store.counts(key)
            view["counts"] = [counts.get(k, 0) for k in range(1, len(self._poll(key).choices) + 1)]
        return view

    def welcome(self, voter: str | None, presenter: bool) -> dict:
        """All a page needs on (re)connecting: its role, the slide, the polls, its own votes."""
        return {
            "role": "presenter" if presenter else "student",
            "slide": self.current.as_dict() if self.current else None,
            "polls": [self.view(key, presenter) for key in sorted(self.site.polls)],
            "votes": self.store.votes_of(voter) if voter else {},
        }

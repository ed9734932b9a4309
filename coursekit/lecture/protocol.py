"""The live lecture's messages: JSON objects in WebSocket text frames.

A page sends (client → server):

==========  =======================================================  ============
type        fields                                                   who
==========  =======================================================  ============
``hello``   ``token`` (optional: the presenter's token)              every page
``slide``   ``page`` (docname), ``h``, ``v``, ``f``, ``anchor``      presenter
``vote``    ``poll`` (``<docname>/poll-N``), ``choice`` (1, 2, …)    anyone
``poll``    ``poll``, ``action`` (open, close, reveal, hide)         presenter
==========  =======================================================  ============

and receives (server → client) ``welcome``, ``slide``, ``poll``, ``voted``,
``audience`` and ``error`` (see :mod:`coursekit.lecture.rules`).

:func:`parse` checks a message's shape only (size, JSON, type, fields and
their types and ranges); whether the page, the poll and the choice exist, and
whether the sender may do it, is the lecture's business. Anything wrong raises
:class:`RefusedError`, whose ``reason`` is one of :data:`REASONS`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass

#: The largest message a page may send, in characters; a slide change is ~80.
MAX_MESSAGE_CHARS = 1024
#: The largest slide or fragment index accepted.
MAX_INDEX = 10_000

#: A docname as Sphinx writes it in URLs: no "..", no leading slash.
PAGE = re.compile(r"(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}\Z")
#: A slide's anchor, as the slide markers write it (empty: a slide without one).
ANCHOR = re.compile(r"(?:slide-[0-9]{1,6})?\Z")
#: A poll's key, ``<docname>/poll-N`` (``slidey_poll['key']``).
POLL = re.compile(r"(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}/poll-[0-9]{1,6}\Z")
#: The presenter's token as :func:`secrets.token_urlsafe` writes it.
TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}\Z")
#: A browser's identity (the voter cookie).
VOTER = re.compile(r"[A-Za-z0-9_-]{16,64}\Z")

POLL_ACTIONS = ("open", "close", "reveal", "hide")

#: Why a message is refused (the ``reason`` of an ``error`` message).
REASONS = {
    "binary": "binary frames are not part of the protocol",
    "too-big": f"message longer than {MAX_MESSAGE_CHARS} characters",
    "not-json": "not a JSON text",
    "not-object": "not a JSON object",
    "unknown-type": "unknown message type",
    "bad-field": "missing, unknown or ill-typed field",
    "forbidden": "only the presenter may do this",
    "bad-token": "wrong presenter token",
    "unknown-page": "no deck for this page",
    "unknown-poll": "no such poll in the site",
    "unknown-choice": "no such choice in this poll",
    "poll-not-open": "the poll is not open",
    "no-voter": "no voter identity (cookie): reload the page",
    "rate-limited": "too many messages: slow down",
}


class RefusedError(ValueError):
    """A message the server does not act on; ``reason`` is a key of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str = "") -> None:
        assert reason in REASONS, reason
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail or REASONS[reason]}")


@dataclass(frozen=True)
class Hello:
    """A page says who it is: the presenter with her token, a student without."""

    token: str | None = None


@dataclass(frozen=True)
class Slide:
    """Where the presenter's deck is: page, reveal.js indices, the slide's anchor.

    ``f`` is reveal.js's fragment index, -1 when no fragment is shown.
    """

    page: str
    h: int
    v: int
    f: int
    anchor: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Vote:
    poll: str
    choice: int


@dataclass(frozen=True)
class PollAction:
    poll: str
    action: str


Message = Hello | Slide | Vote | PollAction


def _int(value: object, name: str, low: int) -> int:
    # bool is an int in Python, not in the protocol.
    if type(value) is not int or not low <= value <= MAX_INDEX:
        raise RefusedError("bad-field", f"{name} must be an integer from {low} to {MAX_INDEX}")
    return value


def _text(value: object, name: str, pattern: re.Pattern) -> str:
    if type(value) is not str or not pattern.match(value):
        raise RefusedError("bad-field", f"{name} is not a valid {name}")
    return value


#: type -> (required fields, optional fields), ``type`` itself aside.
FIELDS = {
    "hello": (set(), {"token"}),
    "slide": ({"page", "h", "v", "f", "anchor"}, set()),
    "vote": ({"poll", "choice"}, set()),
    "poll": ({"poll", "action"}, set()),
}


def parse(data: str | bytes | None) -> Message:
    """The message a page sent, checked for shape; raises :class:`RefusedError`."""
    if not isinstance(data, str):
        raise RefusedError("binary")
    if len(data) > MAX_MESSAGE_CHARS:
        raise RefusedError("too-big")
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):
        raise RefusedError("not-json") from None
    if not isinstance(value, dict):
        raise RefusedError("not-object")
    kind = value.pop("type", None)
    if not isinstance(kind, str) or kind not in FIELDS:
        raise RefusedError(
            "unknown-type", f"type {str(kind)[:40]!r} is not one of {sorted(FIELDS)}"
        )
    required, optional = FIELDS[kind]
    if not required <= value.keys() <= required | optional:
        raise RefusedError("bad-field", f"a {kind!r} message has the fields {sorted(required)}")
    if kind == "hello":
        token = value.get("token")
        return Hello(None if token is None else _text(token, "token", TOKEN))
    if kind == "slide":
        return Slide(
            page=_text(value["page"], "page", PAGE),
            h=_int(value["h"], "h", 0),
            v=_int(value["v"], "v", 0),
            f=_int(value["f"], "f", -1),
            anchor=_text(value["anchor"], "anchor", ANCHOR),
        )
    if kind == "vote":
        return Vote(_text(value["poll"], "poll", POLL), _int(value["choice"], "choice", 1))
    action = value["action"]
    if action not in POLL_ACTIONS:
        raise RefusedError("bad-field", f"action must be one of {POLL_ACTIONS}")
    return PollAction(_text(value["poll"], "poll", POLL), action)


def encode(kind: str, **fields) -> str:
    """A server message as sent: compact JSON with its ``type`` first."""
    return json.dumps({"type": kind, **fields}, separators=(",", ":"), ensure_ascii=False)


def error(refused: RefusedError) -> str:
    """The ``error`` message that answers a refused one."""
    return encode("error", reason=refused.reason, detail=refused.detail or REASONS[refused.reason])

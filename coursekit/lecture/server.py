"""The live lecture's server: a Starlette app (run by uvicorn) over the built site.

- ``/`` sends a student to the deck the presenter shows (or the site's first).
- Every other path is the built site, unchanged on disk: the HTML pages are
  served with two more lines, the live stylesheet and script
  (``/_live/live.css``, ``/_live/live.js``), which is how the site learns it
  is live; opened from disk, or from any other server, it stays static. An
  HTML response also gives a browser its voter cookie when it has none.
- ``/_live/ws`` is the WebSocket each page opens (see :mod:`~coursekit.lecture.protocol`).

A connection that sends something wrong gets an ``error`` message and stays
up; one that sends more than :attr:`Limits.max_refused` wrong messages, or
more than :attr:`Limits.max_limited` messages in a row past its rate limit (a
token bucket per connection), is closed with code 1008 (policy violation).
A page that does not read its messages (more than :attr:`Limits.outbox`
waiting) is closed with 1013 and reconnects. Every refusal is logged (the
first few of each connection, then a count).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket

from coursekit.lecture.protocol import (
    VOTER,
    Hello,
    PollAction,
    RefusedError,
    Slide,
    Vote,
    encode,
    error,
    parse,
)
from coursekit.lecture.rules import Lecture
from coursekit.lecture.site import Site
from coursekit.lecture.store import Store

logger = logging.getLogger("coursekit.lecture")

#: The server's own paths, apart from the site's.
LIVE = "/_live"
SOCKET_PATH = f"{LIVE}/ws"
#: The browser's identity for polls (random, made by the server).
VOTER_COOKIE = "coursekit_voter"
VOTER_COOKIE_AGE = 365 * 24 * 3600
STATIC = Path(__file__).resolve().parent / "static"
#: Close codes (RFC 6455).
POLICY_VIOLATION = 1008
TRY_AGAIN_LATER = 1013
#: How long new votes wait before their counts are sent, so that 300 votes
#: arriving together make one message per page, not 300.
COUNTS_DELAY = 0.05


@dataclass(frozen=True)
class Limits:
    """What one connection may send: a token bucket (``burst`` messages at once,
    ``per_second`` on average; the presenter's larger), and the cut-off points."""

    burst: int = 20
    per_second: float = 5.0
    presenter_burst: int = 120
    presenter_per_second: float = 60.0
    #: RefusedError messages (wrong shape, forbidden, unknown poll…) before the cut.
    max_refused: int = 20
    #: Messages in a row over the rate limit before the cut.
    max_limited: int = 50
    #: Messages waiting to be sent to a page before it counts as too slow.
    outbox: int = 256
    #: Refusals logged per connection (then only a count, at the cut or the end).
    logged: int = 5


class TokenBucket:
    """``capacity`` tokens, refilled at ``rate`` per second; a message takes one."""

    def __init__(self, capacity: int, rate: float, clock=time.monotonic) -> None:
        self.capacity = capacity
        self.rate = rate
        self.clock = clock
        self.tokens = float(capacity)
        self.stamp = clock()

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


@dataclass(eq=False)
class Client:
    """One open page."""

    websocket: WebSocket
    voter: str | None
    address: str
    outbox: asyncio.Queue
    bucket: TokenBucket
    presenter: bool = False
    refused: int = 0
    limited: int = 0  # in a row
    logged: int = 0
    dropped: bool = False
    pump: asyncio.Task | None = field(default=None, repr=False)

    @property
    def role(self) -> str:
        return "presenter" if self.presenter else "student"


class Hub:
    """Every open page, and what goes to each."""

    def __init__(self, lecture: Lecture, limits: Limits) -> None:
        self.lecture = lecture
        self.limits = limits
        self.clients: set[Client] = set()
        self.dirty: set[str] = set()  # polls with new votes, counts not sent yet
        self.audience_dirty = False
        self.flush_pending = False

    # --- Sending ----------------------------------------------------------

    def deliver(self, client: Client, text: str) -> None:
        """Queue ``text`` for ``client``; a page too slow to read is dropped (it reconnects)."""
        if client.dropped:
            return
        try:
            client.outbox.put_nowait(text)
        except asyncio.QueueFull:
            while not client.outbox.empty():
                client.outbox.get_nowait()
            client.outbox.put_nowait(None)  # the pump closes the connection
            client.dropped = True
            logger.warning("closed %s (%s): too slow to read", client.address, client.role)

    def broadcast(self, text: str, *, presenters: bool | None = None, but: Client | None = None):
        """``text`` to every page (only presenters, only students), ``but`` one."""
        for client in list(self.clients):
            if client is not but and (presenters is None or client.presenter == presenters):
                self.deliver(client, text)

    def broadcast_poll(self, key: str) -> None:
        """A poll's new state: with counts to the presenters; to students, counts only
        once revealed (and nothing at all for new votes on a poll not revealed)."""
        self.dirty.discard(key)
        self.broadcast(encode("poll", **self.lecture.view(key, True)), presenters=True)
        self.broadcast(encode("poll", **self.lecture.view(key, False)), presenters=False)

    def schedule_flush(self) -> None:
        if not self.flush_pending:
            self.flush_pending = True
            asyncio.get_running_loop().call_later(COUNTS_DELAY, self.flush)

    def flush(self) -> None:
        self.flush_pending = False
        for key in sorted(self.dirty):
            self.dirty.discard(key)
            if self.lecture.state(key).revealed:
                self.broadcast_poll(key)
            else:
                view = self.lecture.view(key, True)
                self.broadcast(encode("poll", **view), presenters=True)
        if self.audience_dirty:
            self.audience_dirty = False
            # Students, not pages: one browser's deck and text count once.
            students = {
                client.voter or id(client) for client in self.clients if not client.presenter
            }
            self.broadcast(encode("audience", students=len(students)), presenters=True)

    def audience_changed(self) -> None:
        self.audience_dirty = True
        self.schedule_flush()

    async def pump(self, client: Client) -> None:
        """Send ``client``'s queued messages, in order, until it goes."""
        try:
            while True:
                text = await client.outbox.get()
                if text is None:
                    await client.websocket.close(TRY_AGAIN_LATER, "too slow")
                    return
                await client.websocket.send_text(text)
        except (RuntimeError, OSError):  # the page went away: its receiving side ends
            return

    # --- Receiving --------------------------------------------------------

    async def serve(self, websocket: WebSocket) -> None:
        """One page's connection, from its opening to its end."""
        origin = websocket.headers.get("origin")
        if origin and urlsplit(origin).netloc != websocket.headers.get("host"):
            logger.warning("refused a connection from another site (Origin %s)", origin)
            await websocket.close(POLICY_VIOLATION)
            return
        await websocket.accept()
        voter = websocket.cookies.get(VOTER_COOKIE)
        peer = websocket.client
        client = Client(
            websocket=websocket,
            voter=voter if voter and VOTER.match(voter) else None,
            address=f"{peer.host}:{peer.port}" if peer else "?",
            outbox=asyncio.Queue(self.limits.outbox),
            bucket=TokenBucket(self.limits.burst, self.limits.per_second),
        )
        client.pump = asyncio.create_task(self.pump(client))
        self.clients.add(client)
        self.audience_changed()
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                data = message.get("text")
                if data is None:
                    data = message.get("bytes")
                reason = self.receive(client, data)
                if reason:
                    logger.warning(
                        "cut off %s (%s): %s (%d refused in all, %d in a row over the rate limit)",
                        client.address,
                        client.role,
                        reason,
                        client.refused,
                        client.limited,
                    )
                    client.pump.cancel()
                    await asyncio.gather(client.pump, return_exceptions=True)
                    with contextlib.suppress(RuntimeError, OSError):  # already gone
                        await websocket.close(POLICY_VIOLATION, reason)
                    break
        except Exception:  # a fault of ours: said, and this connection only ends
            logger.exception("the connection of %s (%s) failed", client.address, client.role)
        finally:
            self.clients.discard(client)
            client.pump.cancel()
            self.audience_changed()

    def receive(self, client: Client, data: str | bytes | None) -> str:
        """Act on one message; a reason to cut the connection off, or ''."""
        if not client.bucket.take():
            client.limited += 1
            if client.limited == 1:
                self.refuse(client, RefusedError("rate-limited"))
            if client.limited > self.limits.max_limited:
                return "flooding"
            return ""
        client.limited = 0
        try:
            self.act(client, parse(data))
        except RefusedError as refused:
            client.refused += 1
            self.refuse(client, refused)
            if client.refused > self.limits.max_refused:
                return "too many refused messages"
        return ""

    def refuse(self, client: Client, refused: RefusedError) -> None:
        self.deliver(client, error(refused))
        if client.logged < self.limits.logged:
            logger.warning("refused from %s (%s): %s", client.address, client.role, refused)
            client.logged += 1
            if client.logged == self.limits.logged:
                logger.warning("further refusals from %s are not logged", client.address)

    def act(self, client: Client, message) -> None:
        lecture = self.lecture
        if isinstance(message, Hello):
            presenter = lecture.is_presenter(message.token)
            if message.token is not None and not presenter:
                # Answered as a student: the page still follows.
                client.refused += 1
                self.refuse(client, RefusedError("bad-token"))
            if presenter != client.presenter:
                client.presenter = presenter
                limits = self.limits
                client.bucket = (
                    TokenBucket(limits.presenter_burst, limits.presenter_per_second)
                    if presenter
                    else TokenBucket(limits.burst, limits.per_second)
                )
                self.audience_changed()
            self.deliver(client, encode("welcome", **lecture.welcome(client.voter, presenter)))
        elif isinstance(message, Vote):
            lecture.vote(client.voter, message)
            voted = encode("voted", poll=message.poll, choice=message.choice)
            for other in list(self.clients):  # her other pages (the text, the deck) too
                if other.voter == client.voter:
                    self.deliver(other, voted)
            self.dirty.add(message.poll)
            self.schedule_flush()
        elif not client.presenter:
            raise RefusedError("forbidden")
        elif isinstance(message, Slide):
            opened = lecture.move(message)
            self.broadcast(encode("slide", **message.as_dict()), but=client)
            for key in opened:
                self.broadcast_poll(key)
        elif isinstance(message, PollAction):
            lecture.act(message)
            self.broadcast_poll(message.poll)


class SiteFiles(StaticFiles):
    """The built site; its HTML pages get the live stylesheet and script, and a
    browser without a voter cookie gets one."""

    def __init__(self, site: Site) -> None:
        super().__init__(directory=site.root, html=True)
        self.site = site
        self.pages: dict[tuple[str, int], str] = {}  # (path, mtime) -> page with the script

    def page(self, path: Path, mtime: int) -> str:
        key = (str(path), mtime)
        if key not in self.pages:
            relative = path.relative_to(self.site.root).as_posix()
            kind, page = self.site.page_of(relative) or ("text", "")
            self.pages[key] = inject(
                path.read_text(encoding="utf-8", errors="replace"), kind, page, self.site.deck_dir
            )
        return self.pages[key]

    def file_response(self, full_path, stat_result, scope, status_code: int = 200) -> Response:
        path = Path(full_path)
        if path.suffix != ".html":
            return super().file_response(full_path, stat_result, scope, status_code)
        response = HTMLResponse(
            self.page(path, stat_result.st_mtime_ns),
            status_code=status_code,
            headers={"Cache-Control": "no-cache"},
        )
        if not VOTER.match(Request(scope).cookies.get(VOTER_COOKIE, "")):
            response.set_cookie(
                VOTER_COOKIE,
                secrets.token_urlsafe(18),
                max_age=VOTER_COOKIE_AGE,
                httponly=True,
                samesite="lax",
            )
        return response


def inject(page: str, kind: str, docname: str, deck_dir: str) -> str:
    """``page`` with the live stylesheet and script, which learn the page from their
    attributes: ``data-kind`` (deck or text), ``data-page`` (its docname), the
    socket's path and the decks' folder."""
    attributes = (
        f'data-kind="{html.escape(kind)}" data-page="{html.escape(docname)}" '
        f'data-socket="{SOCKET_PATH}" data-deck-dir="{html.escape(deck_dir)}"'
    )
    tags = (
        f'<link rel="stylesheet" href="{LIVE}/live.css">\n'
        f'<script src="{LIVE}/live.js" defer {attributes}></script>\n'
    )
    end = page.rfind("</body>")
    return page[:end] + tags + page[end:] if end >= 0 else page + tags


def create_app(site: Site, store: Store, token: str, limits: Limits | None = None) -> Starlette:
    """The ASGI app of one lecture."""
    lecture = Lecture(site, store, token)
    hub = Hub(lecture, limits or Limits())

    async def enter(request: Request) -> Response:
        return RedirectResponse(site.deck_url(lecture.entry_page), status_code=307)

    def asset(name: str, media_type: str):
        async def endpoint(request: Request) -> Response:
            return FileResponse(
                STATIC / name, media_type=media_type, headers={"Cache-Control": "no-cache"}
            )

        return endpoint

    app = Starlette(
        routes=[
            Route("/", enter),
            Route(f"{LIVE}/live.js", asset("coursekit-live.js", "text/javascript")),
            Route(f"{LIVE}/live.css", asset("coursekit-live.css", "text/css")),
            WebSocketRoute(SOCKET_PATH, hub.serve),
            Mount("/", SiteFiles(site)),
        ]
    )
    app.state.hub = hub
    return app

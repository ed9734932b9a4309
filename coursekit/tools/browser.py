"""Headless Chromium for the deck checks, with the network blocked.

Every request the pages make is recorded; anything that is not ``file://``
(or ``data:``/``blob:``) is refused and counted, so a deck that would need
the network shows it. The windows a page opens (the speaker view) are
watched too: what they ask of the network is counted.
"""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from coursekit.config import SLIDE_HEIGHT, SLIDE_WIDTH

#: Flags that keep Chromium quiet and off the network (see the project brief).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--font-render-hinting=none",
]
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


def chromium_path() -> str | None:
    """The Chromium executable: $CHROMIUM, else the Debian package's, else None."""
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@dataclass
class Requests:
    """What the pages asked for: the page's own requests (``local`` let through,
    ``blocked`` refused), and every request that left the machine from any
    page of its context (``offsite``: the page's blocked ones, and those of the
    windows it opens, such as reveal.js's speaker view, which are seen but not
    held: intercepting them too slows their frames enough that reveal.js's
    speaker view misses its first state under load)."""

    local: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    offsite: list[str] = field(default_factory=list)


#: Per thread (Playwright's objects belong to the thread that made them): the
#: browser that :func:`browser_page` opens its pages in while
#: :func:`shared_browser` holds one (else each page launches its own).
_SHARED = threading.local()


def _launch(playwright):
    executable = chromium_path()
    if executable is None:
        raise RuntimeError(
            "Chromium is not installed: apt-get install -y chromium fonts-noto-color-emoji"
        )
    return playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)


@contextmanager
def shared_browser():
    """One Chromium for every :func:`browser_page` opened meanwhile (in this
    thread): each page still gets a context of its own (no cookies, storage or
    cache shared), without a browser launched per page (about a CPU-second)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _launch(playwright)
        held = getattr(_SHARED, "browser", None)
        _SHARED.browser = browser
        try:
            yield browser
        finally:
            _SHARED.browser = held
            browser.close()


@contextmanager
def browser_page(width: int = SLIDE_WIDTH, height: int = SLIDE_HEIGHT):
    """Yield (page, requests): a page of the given size whose network is blocked.

    By default the window is the size of a slide, so that the deck is shown at scale 1.
    The page lives in a browser context of its own, in the browser of
    :func:`shared_browser` if one is held, else in a browser launched for it.
    """
    requests = Requests()

    def route(route_, request) -> None:
        if request.url.startswith(LOCAL_SCHEMES):
            requests.local.append(request.url)
            route_.continue_()
        else:
            requests.blocked.append(request.url)
            route_.abort()

    def seen(request) -> None:
        if not request.url.startswith(LOCAL_SCHEMES):
            requests.offsite.append(request.url)

    def open_page(browser):
        context = browser.new_context(viewport={"width": width, "height": height})
        try:
            context.on("request", seen)
            page = context.new_page()
            page.route("**/*", route)
            yield page, requests
        finally:
            context.close()

    shared = getattr(_SHARED, "browser", None)
    if shared is not None:
        yield from open_page(shared)
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            yield from open_page(browser)
        finally:
            browser.close()

"""``coursekit-lecture``: serve a live lecture, and export its polls' results.

``coursekit-lecture serve`` (``make lecture``) serves the built site and
prints exactly two lines on its standard output, once it listens::

    presenter: http://HOST:PORT/slides/PAGE.html?token=TOKEN
    students:  http://HOST:PORT/

Everything else (refused messages, errors) goes to the standard error.
``coursekit-lecture results`` (``make lecture-results``) writes one CSV per poll.
"""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sqlite3
import sys
from pathlib import Path

from coursekit.config import BUILD_DIR, LECTURE_DIR

SITE = Path(BUILD_DIR) / "html"
DATABASE = Path(LECTURE_DIR) / "lecture.sqlite3"
RESULTS = Path(LECTURE_DIR) / "results"
#: Hosts that mean "every interface": the URLs then show this machine's address.
ANY_HOST = ("0.0.0.0", "::", "")


class LectureError(Exception):
    """Stops the command with a message for a person (no traceback)."""


def lan_address() -> str:
    """This machine's address on the local network, for the printed URLs.

    Connecting a UDP socket sends nothing: it only asks the kernel which
    interface would be used. Without any route, the loopback address.
    """
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never reached
            address = probe.getsockname()[0]
            if address and not address.startswith(("127.", "0.")):
                return address
    except OSError:
        pass
    return "127.0.0.1"


def url_host(host: str) -> str:
    """How ``host`` is written in a URL that the students' laptops can open."""
    if host in ANY_HOST:
        return lan_address()
    return f"[{host}]" if ":" in host else host


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or a :class:`LectureError` saying why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as problem:
        sock.close()
        if problem.errno == errno.EADDRINUSE:
            raise LectureError(
                f"port {port} is already in use on {host}: stop the other server, or "
                f"choose another port (make lecture PORT=8765)"
            ) from None
        if problem.errno == errno.EACCES:
            raise LectureError(f"port {port} needs root: choose one above 1023") from None
        raise LectureError(
            f"cannot listen on {host}:{port} ({problem.strerror}): HOST must be an address "
            f"of this machine, or 0.0.0.0 for all of them"
        ) from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from coursekit.lecture.server import create_app
    from coursekit.lecture.site import read_site

    site = read_site(args.site)
    store = open_store(args.db)
    token = store.token(renew=args.new_token)
    sock = bind(args.host, args.port)
    port = sock.getsockname()[1]
    base = f"http://{url_host(args.host)}:{port}"
    app = create_app(site, store, token)
    start = app.state.hub.lecture.entry_page
    lines = (
        f"presenter: {base}{site.deck_url(start)}?token={token}",
        f"students:  {base}/",
    )

    class LectureServer(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets=sockets)
            if self.started:  # listening: the URLs work from now on
                print(*lines, sep="\n", flush=True)

    config = uvicorn.Config(
        app,
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ws="websockets-sansio",
        ws_max_size=64 * 1024,
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=2,
    )
    try:
        LectureServer(config).run(sockets=[sock])
    except KeyboardInterrupt:  # Ctrl-C: uvicorn closed the connections; a normal end
        pass
    finally:
        store.close()
    return 0


def open_store(path: Path):
    from coursekit.lecture.store import Store

    try:
        return Store(path)
    except sqlite3.Error as problem:
        raise LectureError(f"cannot open the lecture's file {path}: {problem}") from None


def results(args: argparse.Namespace) -> int:
    from coursekit.lecture.site import read_site
    from coursekit.lecture.store import write_results

    if not Path(args.db).is_file():
        raise LectureError(f"no lecture's file at {args.db}: no poll has been answered yet")
    site = read_site(args.site)
    store = open_store(args.db)
    try:
        written = write_results(store, site.polls, args.out)
    finally:
        store.close()
    for path in written:
        print(path)
    print(f"{len(written)} poll(s) written into {args.out}", file=sys.stderr)
    return 0


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="coursekit-lecture", description="A live lecture over the built site."
    )
    commands = main_parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser(
        "serve", help="serve the site: students follow the presenter, polls count answers"
    )
    serve_parser.add_argument("--site", type=Path, default=SITE, help=f"default {SITE}")
    serve_parser.add_argument("--db", type=Path, default=DATABASE, help=f"default {DATABASE}")
    serve_parser.add_argument("--host", default="0.0.0.0", help="default 0.0.0.0 (every interface)")
    serve_parser.add_argument("--port", type=int, default=8080, help="default 8080; 0: any free")
    serve_parser.add_argument(
        "--new-token", action="store_true", help="make a new presenter token (the old one stops)"
    )
    serve_parser.set_defaults(run=serve)
    results_parser = commands.add_parser("results", help="one CSV per poll")
    results_parser.add_argument("--site", type=Path, default=SITE, help=f"default {SITE}")
    results_parser.add_argument("--db", type=Path, default=DATABASE, help=f"default {DATABASE}")
    results_parser.add_argument("--out", type=Path, default=RESULTS, help=f"default {RESULTS}")
    results_parser.set_defaults(run=results)
    return main_parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    from coursekit.lecture.site import SiteError

    try:
        return args.run(args)
    except (LectureError, SiteError) as problem:
        print(f"coursekit-lecture: {problem}", file=sys.stderr)
        return 2

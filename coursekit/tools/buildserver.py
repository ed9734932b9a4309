"""A warm Sphinx: one process imports Sphinx and the project's extensions once,
then forks a fresh child for every build.

``python -m coursekit.tools.buildserver SPHINX-BUILD-ARGS...`` is a drop-in for
``python -m sphinx SPHINX-BUILD-ARGS...`` (the Makefile's ``$(SPHINX)``). It
connects to the project's build server, starting it when none answers, and
hands it its arguments, working folder, environment and its own stdout and
stderr (as file descriptors, over a Unix socket). The server forks; the child
runs ``sphinx.cmd.build.main`` writing straight to the caller's terminal, and
sends back its exit status, which the client exits with. Ctrl-C on the client
interrupts the child.

Why: importing Sphinx, myst-nb (jupyter-cache, SQLAlchemy), sphinx-revealjs,
the theme and coursekit costs about 1.5 s per process on a 2-core laptop; a
paragraph edit builds in less than that. A fork starts with all of it
imported, and with nothing else: no build ever ran in the server, so every
build starts from the same state as a fresh ``python -m sphinx``.

The server is per project (its socket is in a folder of the user's own under
the temporary folder, its log and what it learned in ``_build/``) and knows
what it imported: the client sends a fingerprint of the Python, the installed
environment and coursekit's own files, and a server with another fingerprint
exits and is replaced. It also exits after ``IDLE_SECONDS`` without a build,
or as soon as its project folder is gone (a deleted copy).
``COURSEKIT_BUILD_SERVER=0`` runs Sphinx in the caller's process instead.

It imports what the project's builds imported before (their ``sys.modules``,
recorded by each build in ``_build/.coursekit-buildserver.modules``): a
generic preload, with no list of extensions' internals to keep up to date.

Usage: python -m coursekit.tools.buildserver [sphinx-build arguments]
       python -m coursekit.tools.buildserver --stop   (the server of the project here leaves)
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib
import json
import os
import runpy
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from coursekit.config import BUILD_DIR
from coursekit.run import forkserver
from coursekit.run.forkserver import private_folder
from coursekit.run.scheduler import start_zygote_early

LOG_NAME = ".coursekit-buildserver.log"
#: The modules the project's builds imported: what a server imports next time.
MODULES_NAME = ".coursekit-buildserver.modules"
#: The variable that turns the server off (``0``) for one command.
SWITCH = "COURSEKIT_BUILD_SERVER"
#: A server with no build for this long exits.
IDLE_SECONDS = 900
#: How long a client waits for a server it started to answer.
START_SECONDS = 60
#: Imported by the server whatever the project's conf.py says.
ALWAYS = (
    "sphinx.cmd.build",
    "sphinx.application",
    "sphinx.builders.html",
    "sphinx.search",
    "sphinx.util.docutils",
    "docutils.parsers.rst",
)
PACKAGE = Path(__file__).resolve().parents[1]


def fingerprint() -> str:
    """What the server's imports depend on: this Python, its installed packages
    (the folders pip writes into), and coursekit's own source files."""
    digest = hashlib.sha256(sys.executable.encode() + sys.version.encode())
    forkserver.digest_code(digest, list(PACKAGE.rglob("*.py")))
    return digest.hexdigest()[:32]


def socket_path(project: Path) -> Path:
    """Where the project's server listens: a folder of this user's only (the
    server runs whatever a client asks), and short, as Unix sockets need."""
    name = hashlib.sha256(str(project).encode()).hexdigest()[:16]
    return private_folder() / f"{name}.sock"


def state_file(project: Path, name: str) -> Path:
    """A file of the server beside the project's builds (its log, what it learned)."""
    folder = project / BUILD_DIR
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


# --- The client -----------------------------------------------------------------


def _ask(conn: socket.socket, argv: list[str], mark: str) -> int | None:
    """Hand one build to the server; its exit status, or None if the server is
    not the right one (it then exits, and another must be started)."""
    request = {"key": mark, "cwd": os.getcwd(), "argv": argv, "env": dict(os.environ)}
    sys.stdout.flush()
    hello = forkserver.hand_over(conn, request, [sys.stdout.fileno(), sys.stderr.fileno()])
    if hello is None:
        return None  # a server leaving (stale, or replaced) before it took the build
    child = hello["pid"]

    def forward(signum, _frame):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    while True:
        try:
            done = forkserver.read_line(conn)
            break
        except InterruptedError:
            continue
        except OSError:
            done = None
            break
    if done is None:
        print(
            "coursekit: the build process died without an exit status "
            f"(see {state_file(Path.cwd(), LOG_NAME)})",
            file=sys.stderr,
        )
        return 1
    return int(done["status"])


def run_build(argv: list[str], project: Path | None = None) -> int:
    """Run ``sphinx-build argv`` in a fork of the project's warm server; its exit status."""
    project = (project or Path.cwd()).resolve()
    path = socket_path(project)
    if os.environ.get(SWITCH, "1") == "0":
        return _run_here(argv)
    mark = fingerprint()
    command = [sys.executable, "-m", "coursekit.tools.buildserver", "--serve", str(path), mark]
    for _attempt in range(3):  # a stale server leaves; the next attempt starts one
        conn = forkserver.connect(path) or forkserver.start_and_connect(
            path, command, state_file(project, LOG_NAME), cwd=project, wait=START_SECONDS
        )
        if conn is None:
            print(
                f"coursekit: the build server did not start (see {state_file(project, LOG_NAME)}); "
                "building without it",
                file=sys.stderr,
            )
            break
        with conn:
            status = _ask(conn, argv, mark)
        if status is not None:
            return status
        time.sleep(0.05)
    return _run_here(argv)


def _run_here(argv: list[str]) -> int:
    from sphinx.cmd.build import main

    settle_catalogues(argv)
    return main(argv)


def settle_catalogues(argv: list[str]) -> None:
    """Compile the project's outdated Sphinx catalogues (``locale_dirs``) before
    Sphinx starts, one build at a time.

    Sphinx compiles them itself while it starts, writing the ``.mo`` in place:
    with the text and the deck started together (``make html``), one build
    could load the catalogue the other was writing, and print the theme's
    words in English. Here the first build compiles it under a lock; the other
    waits, and finds it up to date. Anything unusual is left to Sphinx.
    """
    try:
        from sphinx.cmd.build import get_parser
        from sphinx.util.i18n import CatalogRepository

        args = get_parser().parse_args(argv)
        srcdir = Path(args.sourcedir).resolve()
        conf = Path(args.confdir or srcdir) / "conf.py"
        if not conf.is_file():
            return
        settings = runpy.run_path(str(conf))
        defined = dict(item.split("=", 1) for item in args.define or () if "=" in item)
        language = defined.get("language", settings.get("language"))
        locale_dirs = settings.get("locale_dirs", ["locales"])
        if not language or not locale_dirs:
            return
        repository = CatalogRepository(str(srcdir), locale_dirs, language, "utf-8")
        name = hashlib.sha256(str(srcdir).encode()).hexdigest()[:16]
        with open(private_folder() / f"catalogues-{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            for catalog in repository.catalogs:
                if catalog.domain == "sphinx" and catalog.is_outdated():
                    catalog.write_mo(language)
    except Exception:
        pass  # Sphinx compiles them, and reports, as it always does


# --- The server -----------------------------------------------------------------


def learned_modules(path: Path) -> list[str]:
    """The modules earlier builds of the project imported (none if never written)."""
    try:
        return path.read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return []


def remember_modules(path: Path) -> None:
    """Add what this build imported to the project's list (atomically)."""
    names = set(learned_modules(path))
    names |= {name for name in sys.modules if name != "__main__"}
    temporary = path.with_name(f"{path.name}.{os.getpid()}")
    temporary.write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    os.replace(temporary, path)


#: Never imported ahead: Dask (and tornado, under it) sets up asyncio state
#: that a forked child cannot use ("Timeout should be used inside a task"), and
#: coursekit's Dask executor imports it. A build that needs them imports them.
NOT_BEFORE_FORK = ("distributed", "dask", "coursekit.run.cluster")


def _forbidden(name: str) -> bool:
    """Not to import ahead: ``NOT_BEFORE_FORK``, and private top-level modules.

    A private module (``_asyncio``, ``_decimal``…) is imported by its public
    one, which knows how: ``_asyncio`` imported alone, before ``asyncio``,
    leaves asyncio unable to tell the current task (CPython 3.11).
    """
    return name.startswith("_") or _dask(name)


def _dask(name: str) -> bool:
    return any(name == root or name.startswith(f"{root}.") for root in NOT_BEFORE_FORK)


def import_all(names: list[str]) -> list[str]:
    """Import what is not imported yet (never ``NOT_BEFORE_FORK``); the names that failed.

    A module that brings one of ``NOT_BEFORE_FORK`` along is reported in the
    log, to be added to that list.
    """
    failed = []
    for name in names:
        if name in sys.modules or _forbidden(name):
            continue
        try:
            importlib.import_module(name)
        except BaseException:  # a build imports it itself, and reports
            failed.append(name)
        if any(_dask(loaded) for loaded in sys.modules):
            print(f"warning: importing {name} brought in one of {NOT_BEFORE_FORK}")
            break
    return failed


def preload(project: Path) -> list[str]:
    """Import Sphinx, what the project's conf.py loads and what its builds imported
    before; the modules that failed."""
    names = list(ALWAYS)
    conf = project / "conf.py"
    if conf.is_file():
        settings = runpy.run_path(str(conf))
        names += list(settings.get("extensions", []))
        if "coursekit" in names:  # the programs' warm zygote imports beside us
            start_zygote_early(list(settings.get("coursekit_preload", [])))
        theme = settings.get("html_theme")
        if isinstance(theme, str):
            names.append(theme)
    return import_all(names + learned_modules(state_file(project, MODULES_NAME)))


def _child(conn: socket.socket, request: dict, fds: list[int], modules: Path) -> None:
    """In the forked child: become the caller's ``sphinx-build`` and report the status."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    status = 1
    try:
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in fds:
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["sphinx-build", *request["argv"]]
        from sphinx.cmd.build import main

        settle_catalogues(request["argv"])
        status = main(request["argv"])
    except KeyboardInterrupt:
        status = 130
    except SystemExit as leave:
        status = leave.code if isinstance(leave.code, int) else 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            with contextlib.suppress(OSError):  # _build removed meanwhile
                remember_modules(modules)
            conn.sendall(json.dumps({"status": status}).encode() + b"\n")
        finally:
            os._exit(status)


def serve(path: Path, mark: str) -> None:
    """Import once, then fork a child per build until idle, stale or orphaned."""
    project = Path.cwd()
    failed = preload(project)
    print(
        f"{time.strftime('%H:%M:%S')} server {os.getpid()} ready; not imported: {failed}; "
        f"threads: {threading.active_count()}"
    )
    sys.stdout.flush()
    modules = state_file(project, MODULES_NAME)
    known = [modules.stat().st_mtime_ns if modules.exists() else 0]  # preloaded above

    def learn() -> None:
        # Import what the last builds needed that was not imported yet: the
        # next fork starts with it (the builds running now have forked already).
        with contextlib.suppress(FileNotFoundError):
            if modules.stat().st_mtime_ns != known[0]:
                known[0] = modules.stat().st_mtime_ns
                import_all(learned_modules(modules))

    forkserver.serve(
        path,
        mark,
        lambda conn, request, fds: _child(conn, request, fds, modules),
        IDLE_SECONDS,
        still_wanted=project.exists,  # a deleted copy's server leaves
        between=learn,
    )


def stop_server(project: Path) -> bool:
    """Ask the project's server, if one runs, to leave now; whether one did."""
    return forkserver.stop(socket_path(project.resolve()))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--serve"]:
        serve(Path(argv[1]), argv[2])
        return 0
    if argv == ["--stop"]:
        stop_server(Path.cwd())
        return 0
    return run_build(argv)


if __name__ == "__main__":
    sys.exit(main())

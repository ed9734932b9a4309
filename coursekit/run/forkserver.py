"""A warm process that forks a child per request, and its client side.

Two tools are built on it: the build server (``coursekit.tools.buildserver``:
a fork per Sphinx build) and the program servers' zygote
(:mod:`coursekit.run.warm`: a fork per program server). Each imports once what
its children need, listens on a Unix socket in a folder of the user's own, and
for each request (one JSON line, with the caller's file descriptors) forks a
child that does the work on the caller's streams; the child answers on the
connection. What a request means, and what the child does, is the tool's.

The protocol: the request is a JSON object with a ``key`` (what the server
imported: a server with another key leaves, and the client starts another) or
``{"stop": true}``; the server answers ``{"stale": true}`` before leaving. A
server also leaves after ``idle`` seconds without a request, when its socket is
removed or taken by another, or when ``still_wanted()`` says so; a server
whose children still run is not idle.

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

#: How long a client waits, by default, for a server it started.
START_SECONDS = 120
STALE = b'{"stale": true}\n'


def private_folder() -> Path:
    """A folder of this user's only, for sockets: what connects to them runs code."""
    folder = Path(tempfile.gettempdir()) / f"coursekit-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o077:
        raise PermissionError(f"{folder} must belong to this user alone (mode 700)")
    return folder


def digest_code(digest, sources: list[Path]) -> None:
    """Add to ``digest`` what a warm server's imports depend on: the folders pip
    installs into, and ``sources`` (each by path, date and size)."""
    sites = [Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    for path in sorted(sites) + sorted(sources):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode())


def die_with_parent(status: int = 70) -> None:
    """Linux: this process is killed when its parent dies (PR_SET_PDEATHSIG),
    and ends now with ``status`` if it already has."""
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
        if os.getppid() == 1:
            os._exit(status)


# --- The client -------------------------------------------------------------------


def connect(path: Path) -> socket.socket | None:
    """A connection to the server at ``path``, or None if none listens there."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    return conn


def read_line(conn: socket.socket, timeout: float | None = None) -> dict | None:
    """One JSON line, or None if the other side closed the connection."""
    conn.settimeout(timeout)
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return json.loads(data)


def start_and_connect(
    path: Path,
    command: list[str],
    log: Path,
    cwd: Path | None = None,
    wait: float = START_SECONDS,
) -> socket.socket | None:
    """Start the server (``command``, detached, writing to ``log``) and connect to it,
    waiting ``wait`` seconds at most. One client starts it, under a lock; the
    others wait, then connect.
    """
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        conn = connect(path)
        if conn is not None:
            return conn
        with open(log, "ab") as output:
            server = subprocess.Popen(
                command,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=output,
                start_new_session=True,
                close_fds=True,
            )
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            time.sleep(0.02)
            conn = connect(path)
            if conn is not None:
                return conn
            if server.poll() is not None:  # it failed to start (see the log)
                return None
    return None


def hand_over(conn: socket.socket, request: dict, fds: list[int]) -> dict | None:
    """Send ``request`` with ``fds``; the child's first line (``{"pid": …}``), or
    None when the server left (stale, or replaced) before it took the request."""
    try:
        socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], fds)
        hello = read_line(conn, timeout=30)
    except OSError:
        return None
    return hello if hello is not None and "pid" in hello else None


def stop(path: Path) -> bool:
    """Ask the server at ``path``, if one listens, to leave now; whether one did."""
    conn = connect(path)
    if conn is None:
        return False
    with conn, contextlib.suppress(OSError):
        socket.send_fds(conn, [b'{"stop": true}\n'], [])
        return read_line(conn, timeout=10) is not None
    return False


# --- The server -------------------------------------------------------------------


def _receive(conn: socket.socket) -> tuple[dict, list[int]] | None:
    conn.settimeout(10)
    data, fds = b"", []
    try:
        while not data.endswith(b"\n"):
            chunk, new_fds, _flags, _addr = socket.recv_fds(conn, 1 << 20, 4)
            fds += new_fds
            if not chunk:
                return None
            data += chunk
    except OSError:
        return None
    return json.loads(data), fds


def _reap() -> bool:
    """Collect the children that ended; whether some still run."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return False
        if pid == 0:
            return True


def serve(
    path: Path,
    key: str,
    child: Callable[[socket.socket, dict, list[int]], None],
    idle: float,
    still_wanted: Callable[[], bool] = lambda: True,
    between: Callable[[], None] = lambda: None,
) -> None:
    """Listen at ``path`` and fork ``child(conn, request, fds)`` per request.

    ``child`` runs in the forked process, which ends when it returns (or
    raises): it never comes back into this loop. The server's objects are
    frozen (``gc.freeze``) before each fork: a child's garbage collections
    leave them alone, instead of walking (and so copying) every page of the
    server's modules at each full collection, about 0.2 s with torch loaded. ``between`` runs in the
    server between requests (at most every half second). Prints why it leaves.
    """
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(16)
    listener.settimeout(0.5)
    identity = path.stat().st_ino
    last = time.monotonic()
    why = "idle"
    try:
        while time.monotonic() - last < idle:
            if _reap():
                last = time.monotonic()  # not idle while a child runs (a long notebook)
            try:
                if path.stat().st_ino != identity:
                    why = "another server took the socket"
                    return
            except FileNotFoundError:
                why = "the socket was removed"
                return
            if not still_wanted():
                why = "not wanted any more"
                return
            between()
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            last = time.monotonic()
            with conn:
                received = _receive(conn)
                if received is None:
                    continue
                request, fds = received
                if request.get("stop") or request.get("key") != key:
                    for fd in fds:
                        os.close(fd)
                    with contextlib.suppress(OSError):
                        conn.sendall(STALE)
                    why = "asked to stop" if request.get("stop") else "a client of another key"
                    return
                # What the server imported is never collected: a child's
                # collection then neither walks it nor copies its pages.
                gc.freeze()
                if os.fork() == 0:
                    try:  # the child never comes back into this loop
                        listener.close()
                        child(conn, request, fds)
                    finally:
                        os._exit(1)
                gc.unfreeze()  # the server's own garbage stays collectable
                for fd in fds:
                    os.close(fd)
    finally:
        print(f"{time.strftime('%H:%M:%S')} leaving: {why}", flush=True)
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_ino == identity:
                path.unlink()

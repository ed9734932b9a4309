"""Program servers that start warm: forked from a process that imported the
course's modules once, and stays for the next build.

A build's program server (:mod:`coursekit.run.server`) imports matplotlib,
IPython and the course's ``coursekit_preload`` (torch…) before it runs
anything: about two seconds, at every build that runs a program, a code edit
included. ``python -m coursekit.run.warm WORKERS [MODULE...]`` takes the
server's place with the same arguments and the same standard streams: it hands
its stdin, stdout and stderr (as file descriptors, over a Unix socket) to a
*zygote* that has imported those modules, which forks; the child is the
program server, reading the scheduler's pipe and writing on its pipes, with
the client's environment. The client exits with the server's status.

- A zygote serves one set of preloaded modules, one Python, one environment
  for the programs and one version of coursekit's runner: a client whose key
  differs starts another (an old one leaves after ``IDLE_SECONDS``).
- The connection is the server's lifeline: when the client dies (the
  scheduler closes or kills it, the build is killed), the server kills its
  programs and ends, as it does when its own process is killed.
- ``COURSEKIT_WARM_PROGRAMS=0`` starts the server directly, as before.

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

#: The variable that turns warm starts off (``0``).
SWITCH = "COURSEKIT_WARM_PROGRAMS"
#: A zygote with no server to start for this long leaves.
IDLE_SECONDS = 900
#: How long a client waits for the zygote it started.
START_SECONDS = 120
#: What the programs' environment depends on at import time.
IMPORT_TIME_ENVIRONMENT = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND", "PYTHONPATH")
RUNNER = Path(__file__).resolve().parent


def private_folder() -> Path:
    """A folder of this user's only, for sockets: what connects to them runs code."""
    folder = Path(tempfile.gettempdir()) / f"coursekit-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o077:
        raise PermissionError(f"{folder} must belong to this user alone (mode 700)")
    return folder


def zygote_key(argv: list[str]) -> str:
    """The modules, the Python, the import-time environment and the runner's code."""
    digest = hashlib.sha256(json.dumps([sys.executable, sys.version, argv[1:]]).encode())
    for name in IMPORT_TIME_ENVIRONMENT:
        digest.update(f"{name}={os.environ.get(name, '')}\n".encode())
    sites = [Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    for path in sorted(sites) + sorted(RUNNER.glob("*.py")):
        stat = path.stat()
        digest.update(f"{path}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode())
    return digest.hexdigest()[:24]


def _line(conn: socket.socket) -> dict | None:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk
    return json.loads(data)


# --- The client: the scheduler's "server" process --------------------------------


def client(argv: list[str]) -> int:
    key = zygote_key(argv)
    path = private_folder() / f"programs-{key}.sock"
    for _attempt in range(3):
        conn = _connect(path) or _start_and_connect(path, key, argv)
        if conn is None:
            break
        with conn:
            status = _hand_over(conn, argv)
        if status is not None:
            return status
    # No zygote: be the server ourselves.
    from coursekit.run.server import main

    return main(argv)


def _connect(path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    return conn


def _start_and_connect(path: Path, key: str, argv: list[str]) -> socket.socket | None:
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        conn = _connect(path)
        if conn is not None:
            return conn
        with open(path.with_suffix(".log"), "ab") as log:
            log.write(f"started by {os.getpid()} {sys.argv[1:3]}\n".encode())
            log.flush()
            subprocess.Popen(
                [sys.executable, "-m", "coursekit.run.warm", "--zygote", str(path), key, *argv],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
            )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.02)
            conn = _connect(path)
            if conn is not None:
                return conn
    return None


def _hand_over(conn: socket.socket, argv: list[str]) -> int | None:
    """Give the zygote our streams; the server's exit status, or None (ask another)."""
    request = {"key": zygote_key(argv), "argv": argv, "env": dict(os.environ)}
    try:
        socket.send_fds(conn, [json.dumps(request).encode() + b"\n"], [0, 1, 2])
        hello = _line(conn)
    except OSError:
        return None
    if hello is None or "pid" not in hello:
        return None
    # From here the server runs: this process only waits (its death is the
    # server's signal to stop, through the connection).
    try:
        done = _line(conn)
    except OSError:
        done = None
    return 1 if done is None else int(done["status"])


# --- The zygote -------------------------------------------------------------------


def zygote(path: Path, key: str, argv: list[str]) -> None:
    from coursekit.run.server import preload

    problems = preload(argv[1:])
    print(f"{time.strftime('%H:%M:%S')} zygote {os.getpid()} ready; {problems}", flush=True)
    if path.exists():
        print("replacing a socket", flush=True)
    path.unlink(missing_ok=True)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(16)
    listener.settimeout(0.5)
    identity = path.stat().st_ino
    last = time.monotonic()
    try:
        while time.monotonic() - last < IDLE_SECONDS:
            _reap()
            try:
                if path.stat().st_ino != identity:
                    print("leaving: another zygote took the socket", flush=True)
                    return
            except FileNotFoundError:
                print("leaving: the socket was removed", flush=True)
                return
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
                        conn.sendall(b'{"stale": true}\n')
                    why = "asked to stop" if request.get("stop") else "a client of another key"
                    print(f"leaving: {why}", flush=True)
                    return
                if os.fork() == 0:
                    try:  # the child never comes back into this loop
                        listener.close()
                        _serve(conn, request, fds)
                    finally:
                        os._exit(1)
                for fd in fds:
                    os.close(fd)
    finally:
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_ino == identity:
                path.unlink()


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


def _serve(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: be the program server on the client's streams."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    status = 1
    try:
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        conn.settimeout(None)
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")

        def lifeline() -> None:
            with contextlib.suppress(OSError):
                conn.recv(1)  # returns when the client is gone
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=lifeline, daemon=True).start()
        from coursekit.run.server import main

        status = main(request["argv"])
    except SystemExit as leave:
        status = leave.code if isinstance(leave.code, int) else 0
    except BaseException:  # the server's own failure: the scheduler reads stderr
        import traceback

        traceback.print_exc()
    finally:
        # The client leaves once it has the status, and the lifeline then sends
        # SIGTERM: from here that signal ends the process, it raises nothing.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        with contextlib.suppress(OSError):
            sys.stdout.flush()
            sys.stderr.flush()
            conn.sendall(json.dumps({"status": status}).encode() + b"\n")
        os._exit(status)


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def stop_all() -> int:
    """Ask every zygote of this user to leave; how many did."""
    stopped = 0
    for path in private_folder().glob("programs-*.sock"):
        conn = _connect(path)
        if conn is None:
            continue
        with conn:
            socket.send_fds(conn, [b'{"stop": true}\n'], [])
            with contextlib.suppress(OSError):
                conn.settimeout(10)
                if _line(conn) is not None:
                    stopped += 1
    return stopped


def main(argv: list[str]) -> int:
    if argv[:1] == ["--zygote"]:
        zygote(Path(argv[1]), argv[2], argv[3:])
        return 0
    if argv[:1] == ["--early"]:  # start the zygote of these modules, and return
        path = private_folder() / f"programs-{zygote_key(argv[1:])}.sock"
        conn = _connect(path) or _start_and_connect(path, zygote_key(argv[1:]), argv[1:])
        if conn is not None:
            conn.close()
        return 0
    if argv == ["--stop"]:
        print(f"{stop_all()} zygote(s) stopped")
        return 0
    return client(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

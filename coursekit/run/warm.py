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
import hashlib
import json
import os
import signal
import socket
import sys
import threading
import time
from pathlib import Path

from coursekit.run import forkserver
from coursekit.run.forkserver import private_folder

#: The variable that turns warm starts off (``0``).
SWITCH = "COURSEKIT_WARM_PROGRAMS"
#: A zygote with no server to start for this long leaves.
IDLE_SECONDS = 900
#: What the programs' environment depends on at import time.
IMPORT_TIME_ENVIRONMENT = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "MPLBACKEND", "PYTHONPATH")
RUNNER = Path(__file__).resolve().parent


def zygote_key(argv: list[str]) -> str:
    """The modules, the Python, the import-time environment and the runner's code."""
    digest = hashlib.sha256(json.dumps([sys.executable, sys.version, argv[1:]]).encode())
    for name in IMPORT_TIME_ENVIRONMENT:
        digest.update(f"{name}={os.environ.get(name, '')}\n".encode())
    forkserver.digest_code(digest, list(RUNNER.glob("*.py")))
    return digest.hexdigest()[:24]


def _socket(key: str) -> Path:
    return private_folder() / f"programs-{key}.sock"


def _start_and_connect(key: str, argv: list[str]) -> socket.socket | None:
    path = _socket(key)
    command = [sys.executable, "-m", "coursekit.run.warm", "--zygote", str(path), key, *argv]
    # Started in the private folder, whoever starts it (a build in the project,
    # a notebook's kernel in the notebook's folder): its children chdir to their
    # client's folder, and none inherits a stray folder on its import path.
    return forkserver.start_and_connect(
        path, command, path.with_suffix(".log"), cwd=private_folder()
    )


# --- The client: the scheduler's "server" process --------------------------------


def client(argv: list[str]) -> int:
    status = run_in_zygote(argv, {"argv": argv})
    if status is not None:
        return status
    # No zygote: be the server ourselves.
    from coursekit.run.server import main

    return main(argv)


def run_in_zygote(argv: list[str], request: dict, on_start=None) -> int | None:
    """Have the zygote of ``argv``'s modules fork a child for ``request``, on our
    standard streams, and wait for it: its exit status, or None if no zygote
    could be had. ``on_start(pid)`` is called once the child runs. The zygote's
    key is this process's: its environment must be the programs' (import time).
    """
    key = zygote_key(argv)
    for _attempt in range(3):
        conn = forkserver.connect(_socket(key)) or _start_and_connect(key, argv)
        if conn is None:
            return None
        with conn:
            # Our streams go to the forked child; None: this zygote left, ask another.
            full = {"env": dict(os.environ), "cwd": os.getcwd(), **request, "key": key}
            hello = forkserver.hand_over(conn, full, [0, 1, 2])
            if hello is None:
                continue
            if on_start is not None:
                on_start(hello["pid"])
            # From here the child runs: this process only waits (its death is
            # the child's signal to stop, through the connection).
            try:
                done = forkserver.read_line(conn)
            except OSError:
                done = None
            return 1 if done is None else int(done["status"])
    return None


# --- The zygote -------------------------------------------------------------------


def zygote(path: Path, key: str, argv: list[str]) -> None:
    from coursekit.run.server import preload

    if sys.path and sys.path[0] == os.getcwd():  # ``-m`` put the private folder there
        del sys.path[0]

    problems = preload(argv[1:])
    print(f"{time.strftime('%H:%M:%S')} zygote {os.getpid()} ready; {problems}", flush=True)
    forkserver.serve(path, key, _serve, IDLE_SECONDS)


def _serve(conn: socket.socket, request: dict, fds: list[int]) -> None:
    """In the forked child: be the program server (or, ``"kind": "kernel"``, a
    notebook's Jupyter kernel) on the client's streams, in its folder."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    status = 1
    try:
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        for fd in fds:
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        conn.settimeout(None)
        conn.sendall(json.dumps({"pid": os.getpid()}).encode() + b"\n")

        def lifeline() -> None:
            with contextlib.suppress(OSError):
                conn.recv(1)  # returns when the client is gone
            if os.getpgid(0) == os.getpid():  # a kernel: it and what it started
                os.killpg(os.getpid(), signal.SIGTERM)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=lifeline, daemon=True).start()
        if request.get("kind") == "kernel":
            from coursekit.run.ipkernel import run_kernel as main
        else:
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


def stop_all() -> int:
    """Ask every zygote of this user to leave; how many did."""
    return sum(forkserver.stop(path) for path in private_folder().glob("programs-*.sock"))


def main(argv: list[str]) -> int:
    if argv[:1] == ["--zygote"]:
        zygote(Path(argv[1]), argv[2], argv[3:])
        return 0
    if argv[:1] == ["--early"]:  # start the zygote of these modules, and return
        key = zygote_key(argv[1:])
        conn = forkserver.connect(_socket(key)) or _start_and_connect(key, argv[1:])
        if conn is not None:
            conn.close()
        return 0
    if argv == ["--stop"]:
        print(f"{stop_all()} zygote(s) stopped")
        return 0
    return client(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

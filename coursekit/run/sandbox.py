"""What a program's process may reach: no network, and the course's data as ``./data``.

Build machines are offline. Instead of letting a download hang until the
timeout, every connection to another machine fails at once with
:class:`NetworkUnavailableError`, whose message says what to do. Connections to
this machine (loopback, Unix sockets) still work.

The course's data folder (``docs/data/``) is mirrored into the program's
working folder as ``./data``: its folders are made afresh, its files are
symbolic links. A program that downloads "into" it writes new files into its
own folder, never into the course; the build checks the course's folder
afterwards (:func:`snapshot`).

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

#: What the message tells a maintainer to do, ``{data}`` being the data folder.
ADVICE = "build machines are offline: put its data in {data} or freeze its output"


class NetworkUnavailableError(ConnectionError):
    """A program tried to reach another machine."""

    def __init__(self, host: object, port: object, data: str) -> None:
        self.host, self.port = host, port
        where = f"{host}:{port}" if port not in (None, "") else str(host)
        super().__init__(f"this program needs the network ({where}); {ADVICE.format(data=data)}")


def _is_local(host: object) -> bool:
    if host in (None, "", "localhost", b"localhost"):
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return str(host).endswith(".localhost")


class NetworkCut:
    """Patches the socket module of this process; records whether a program hit it."""

    def __init__(self, data: str) -> None:
        self.data = data
        self.attempts: list[str] = []

    def refuse(self, host: object, port: object) -> NetworkUnavailableError:
        error = NetworkUnavailableError(host, port, self.data)
        self.attempts.append(str(error))
        return error

    def install(self) -> None:
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        real_getaddrinfo = socket.getaddrinfo
        cut = self

        def address_of(sock: socket.socket, address) -> tuple[object, object] | None:
            if sock.family not in (socket.AF_INET, socket.AF_INET6):
                return None  # Unix sockets and the like stay on this machine
            host, port = address[0], address[1]
            return None if _is_local(host) else (host, port)

        def connect(self, address):
            remote = address_of(self, address)
            if remote is not None:
                raise cut.refuse(*remote)
            return real_connect(self, address)

        def connect_ex(self, address):
            remote = address_of(self, address)
            if remote is not None:
                raise cut.refuse(*remote)
            return real_connect_ex(self, address)

        def getaddrinfo(host, port, *args, **kwargs):
            if not _is_local(host):
                raise cut.refuse(host, port)
            return real_getaddrinfo(host, port, *args, **kwargs)

        def gethostbyname(host):
            if not _is_local(host):
                raise cut.refuse(host, None)
            return "127.0.0.1"

        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = getaddrinfo
        socket.gethostbyname = gethostbyname
        socket.gethostbyname_ex = lambda host: (gethostbyname(host), [], ["127.0.0.1"])


def mirror(source: Path, target: Path) -> None:
    """Make ``target`` a tree of fresh folders and links to the files of ``source``."""
    for folder, subfolders, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            (target / relative / name).symlink_to(Path(folder, name))
        subfolders.sort()


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder``: relative path -> (size, modification time in ns)."""
    found: dict[str, tuple[int, int]] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            found[path.relative_to(folder).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return found


def changes(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """What differs between two snapshots, one phrase per file."""
    found = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            found.append(f"{name} was removed")
        elif name not in before:
            found.append(f"{name} was added")
        elif before[name] != after[name]:
            found.append(f"{name} was modified")
    return found

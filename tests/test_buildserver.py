"""The warm build server (coursekit/tools/buildserver.py): a drop-in for sphinx-build.

Each test gets its own project folder, hence its own server; the server of a
test ends with it (its project folder is removed, or it is killed here).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import ROOT, copy_root

from coursekit.tools import buildserver

READY = re.compile(r"server (\d+) ready")


def through_server(project: Path, *args: str, env: dict | None = None):
    """``python -m coursekit.tools.buildserver ARGS`` run in ``project``."""
    return subprocess.run(
        [sys.executable, "-m", "coursekit.tools.buildserver", *args],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


def servers(project: Path) -> list[int]:
    """The pids of the servers started for ``project``, in order."""
    log = project / "_build" / buildserver.LOG_NAME
    return [int(pid) for pid in READY.findall(log.read_text())] if log.exists() else []


def stop(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead too: it is waiting for the test process to reap it.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[1][0] != "Z"


def test_a_build_through_the_server_is_a_sphinx_build(tmp_path):
    """Same pages as python -m sphinx, the caller's output and exit status, a warm fork."""
    project = copy_root(tmp_path, "slidey-step")
    args = ["-W", "--keep-going", "-b", "html", ".", "_build/out"]
    try:
        first = through_server(project, *args)
        assert first.returncode == 0, first.stderr
        assert "build succeeded" in first.stdout  # printed by the child, on our stdout
        direct = subprocess.run(
            [sys.executable, "-m", "sphinx", *args[:-1], "_build/direct"],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert direct.returncode == 0, direct.stderr
        ours = (project / "_build/out/index.html").read_text()
        theirs = (project / "_build/direct/index.html").read_text()
        assert ours == theirs

        # A warning in a strict build: status 1, the message on the caller's stderr.
        page = project / "index.rst"
        page.write_text(page.read_text() + "\n.. no-such-directive::\n")
        failed = through_server(project, *args)
        assert failed.returncode == 1
        assert 'Unknown directive type "no-such-directive"' in failed.stderr
        assert len(servers(project)) == 1  # both builds were forks of one server
    finally:
        stop(servers(project))


def test_a_server_that_imported_other_code_is_replaced(tmp_path, monkeypatch, capfd):
    project = copy_root(tmp_path, "slidey-step")
    args = ["-q", "-b", "html", str(project), str(project / "_build/out")]
    monkeypatch.chdir(project)
    try:
        assert buildserver.run_build(args, project) == 0
        monkeypatch.setattr(buildserver, "fingerprint", lambda: "coursekit was edited")
        assert buildserver.run_build(args, project) == 0
        first, second = servers(project)
        deadline = time.monotonic() + 10
        while alive(first) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not alive(first)
        assert alive(second)
    finally:
        stop(servers(project))


def test_the_server_leaves_with_its_project(tmp_path):
    project = copy_root(tmp_path, "slidey-step")
    done = through_server(project, "-q", "-b", "html", ".", "_build/out")
    assert done.returncode == 0, done.stderr
    (pid,) = servers(project)
    subprocess.run(["rm", "-rf", str(project)], check=True)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def test_the_switch_builds_without_a_server(tmp_path):
    project = copy_root(tmp_path, "slidey-step")
    done = through_server(
        project, "-q", "-b", "html", ".", "_build/out", env={buildserver.SWITCH: "0"}
    )
    assert done.returncode == 0, done.stderr
    assert (project / "_build/out/index.html").exists()
    assert servers(project) == []
    assert not buildserver.socket_path(project).exists()


def test_the_makefile_builds_through_the_server():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^SPHINX\s*:=\s*\$\(PY\) -m coursekit\.tools\.buildserver ", makefile, re.M)


def test_the_project_catalogues_are_compiled_before_sphinx_starts(tmp_path):
    """The text and the deck start together: Sphinx would compile the project's
    catalogue in each, and one could load it while the other writes it (the
    theme's words then in English). The build compiles it first, under a lock."""
    from coursekit.tools.buildserver import settle_catalogues

    src = tmp_path / "docs"
    catalogue = src / "locale" / "fr" / "LC_MESSAGES"
    catalogue.mkdir(parents=True)
    (src / "conf.py").write_text('language = "fr"\nlocale_dirs = ["locale"]\n', encoding="utf-8")
    (catalogue / "sphinx.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Back to top"\nmsgstr "Retour en haut"\n',
        encoding="utf-8",
    )
    settle_catalogues(["-b", "html", str(src), str(tmp_path / "out")])
    mo = catalogue / "sphinx.mo"
    assert mo.exists() and b"Retour en haut" in mo.read_bytes()
    before = mo.stat().st_mtime_ns
    settle_catalogues(["-b", "html", str(src), str(tmp_path / "out")])
    assert mo.stat().st_mtime_ns == before  # up to date: not written again

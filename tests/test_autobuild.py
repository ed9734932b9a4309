"""``make live`` (coursekit/tools/live.py): a saved edit reaches the served text and deck."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

from conftest import copy_root

from coursekit.tools.buildserver import stop_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def page(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.read().decode("utf-8")
    except OSError:
        return ""


def test_an_edit_is_served_in_the_text_and_the_deck(tmp_path):
    project = copy_root(tmp_path, "slides")
    port = free_port()
    cmd = [sys.executable, "-m", "coursekit.tools.live", "--port", str(port), "--"]
    cmd += ["-W", "--keep-going", ".", "_build/html"]
    server = subprocess.Popen(
        cmd, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        lines = []
        for line in server.stdout:  # the first build, then the server
            lines.append(line)
            if "serving on" in line:
                break
        assert any("[coursekit live] built in" in line for line in lines), "".join(lines)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not page(f"{base}/mid_section.html") and time.monotonic() < deadline:
            time.sleep(0.1)  # uvicorn starts listening just after the line
        assert 'id="slide-1"' in page(f"{base}/mid_section.html")
        # The reload script of sphinx-autobuild is in the served page.
        assert "websocket-reload" in page(f"{base}/mid_section.html")

        source = project / "mid_section.rst"
        source.write_text(source.read_text("utf-8") + "\nUne phrase ajoutée.\n", "utf-8")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text, deck = page(f"{base}/mid_section.html"), page(f"{base}/slides/mid_section.html")
            if "Une phrase ajoutée." in text and "Une phrase ajoutée." in deck:
                break
            time.sleep(0.1)
        assert "Une phrase ajoutée." in page(f"{base}/mid_section.html")
        assert "Une phrase ajoutée." in page(f"{base}/slides/mid_section.html")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        stop_server(project)

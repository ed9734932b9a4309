"""The live lecture (make lecture): following, polls, who drives, load and faults.

The server runs as ``make lecture`` runs it (``python -m coursekit.lecture
serve``, a subprocess on 127.0.0.1) over ``tests/roots/test-lecture`` built as the
Makefile builds a site (the text, and the deck in ``slides/``). The pages are
played by WebSocket clients speaking the browser script's protocol, then by
headless Chromium. Every wait is bounded; the figures (latencies) are printed
(``pytest -s``), never compared with a tight bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import json
import os
import re
import select
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ROOT, copy_root, run_sphinx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

from coursekit.lecture.protocol import (
    MAX_MESSAGE_CHARS,
    Hello,
    PollAction,
    RefusedError,
    Slide,
    Vote,
    parse,
)
from coursekit.lecture.rules import Lecture
from coursekit.lecture.server import Client, Hub, Limits, TokenBucket
from coursekit.lecture.site import SiteError, read_site
from coursekit.lecture.store import PollState, Store, write_results
from coursekit.tools.browser import CHROMIUM_ARGS, chromium_path

LINES = re.compile(
    r"presenter: (?P<base>http://127\.0\.0\.1:(?P<port>\d+))/slides/index\.html"
    r"\?token=(?P<token>[A-Za-z0-9_-]{20,})\n"
    r"students:  (?P=base)/\n\Z"
)


# --- The site ----------------------------------------------------------------


@pytest.fixture(scope="module")
def lecture_site(tmp_path_factory) -> Path:
    """tests/roots/test-lecture built as make html builds: the text, the deck in slides/."""
    out = tmp_path_factory.mktemp("lecture-site")
    source = copy_root(out, "lecture")  # the build's cache goes beside its sources
    with ThreadPoolExecutor(max_workers=2) as pool:
        text = pool.submit(run_sphinx, source, out / "html", "html", "-d", str(out / "dt-html"))
        deck = pool.submit(
            run_sphinx, source, out / "html" / "slides", "revealjs", "-d", str(out / "dt-deck")
        )
        for build in (text.result(), deck.result()):
            assert build.returncode == 0, build.stderr
            assert "WARNING" not in build.stderr, build.stderr
    return out / "html"


def test_the_site_tells_its_decks_and_polls(lecture_site):
    site = read_site(lecture_site)
    assert site.decks == ("index", "deux")  # the home page links its own deck first
    assert sorted(site.polls) == [
        "deux/poll-1",
        "index/poll-1",
        "index/poll-2",
        "index/poll-3",
        "index/poll-4",
    ]
    first = site.polls["index/poll-1"]
    assert (first.page, first.anchor) == ("index", "slide-3")
    assert first.question == "Quelle fonction donne des sorties entre 0 et 1 ?"
    # The labels are the text the page shows: markup in the source stayed text.
    assert first.choices == ("ReLU", "la sigmoïde", "<script>alert(«\xa0x\xa0»)</script> & co")
    assert site.polls["index/poll-3"].choices == ("A", "B", "C", "D")


def test_a_missing_site_is_an_error_for_people(tmp_path):
    with pytest.raises(SiteError, match="build it first"):
        read_site(tmp_path / "nothing")
    (tmp_path / "index.html").write_text("<html></html>")
    with pytest.raises(SiteError, match="has no deck"):
        read_site(tmp_path)


def test_the_static_site_does_not_know_about_the_server(lecture_site):
    for page in lecture_site.rglob("*.html"):
        assert "_live" not in page.read_text(encoding="utf-8"), page


# --- The protocol ------------------------------------------------------------


def test_messages_of_the_right_shape_are_read():
    assert parse('{"type": "hello"}') == Hello(None)
    assert parse('{"type": "hello", "token": "abc_-1"}') == Hello("abc_-1")
    slide = '{"type":"slide","page":"chap/x","h":4,"v":0,"f":-1,"anchor":"slide-5"}'
    assert parse(slide) == Slide("chap/x", 4, 0, -1, "slide-5")
    assert parse('{"type":"vote","poll":"index/poll-1","choice":2}') == Vote("index/poll-1", 2)
    action = '{"type":"poll","poll":"index/poll-1","action":"reveal"}'
    assert parse(action) == PollAction("index/poll-1", "reveal")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"type":"hello"}', "binary"),
        ("x" * (MAX_MESSAGE_CHARS + 1), "too-big"),
        ("{not json", "not-json"),
        ("[1, 2]", "not-object"),
        ('{"type": ["hello"]}', "unknown-type"),
        ('{"type": "shutdown"}', "unknown-type"),
        ('{"type": "hello", "role": "presenter"}', "bad-field"),
        ('{"type":"vote","poll":"index/poll-1","choice":true}', "bad-field"),
        ('{"type":"vote","poll":"index/poll-1","choice":0}', "bad-field"),
        ('{"type":"vote","poll":"index/poll-1","choice":"2"}', "bad-field"),
        ('{"type":"vote","poll":"../etc/poll-1","choice":1}', "bad-field"),
        ('{"type":"vote","poll":"index","choice":1}', "bad-field"),
        ('{"type":"slide","page":"x","h":1e9,"v":0,"f":0,"anchor":""}', "bad-field"),
        ('{"type":"slide","page":"<b>","h":1,"v":0,"f":0,"anchor":""}', "bad-field"),
        ('{"type":"slide","page":"x","h":1,"v":0,"f":0,"anchor":"x\\" onload=\\""}', "bad-field"),
        ('{"type":"poll","poll":"index/poll-1","action":"delete"}', "bad-field"),
        ('{"type":"hello","token":"a b"}', "bad-field"),
    ],
)
def test_anything_else_is_refused_with_a_reason(data, reason):
    with pytest.raises(RefusedError) as refused:
        parse(data)
    assert refused.value.reason == reason


# --- The store and the rules ---------------------------------------------------


def test_a_changed_answer_replaces_the_first_and_counts_are_exact(tmp_path):
    store = Store(tmp_path / "lecture.sqlite3")
    store.vote("index/poll-1", "alice-0000000000000", 1)
    store.vote("index/poll-1", "bob-00000000000000", 1)
    store.vote("index/poll-1", "alice-0000000000000", 3)  # she changes her mind
    assert store.counts("index/poll-1") == {1: 1, 3: 1}
    assert store.votes_of("alice-0000000000000") == {"index/poll-1": 3}
    assert oct((tmp_path / "lecture.sqlite3").stat().st_mode & 0o777) == "0o600"


def test_everything_survives_a_new_store_on_the_same_file(tmp_path):
    path = tmp_path / "lecture.sqlite3"
    store = Store(path)
    token = store.token()
    store.set_slide(Slide("index", 4, 0, 1, "slide-5"))
    store.set_poll("index/poll-1", PollState("closed", True))
    store.vote("index/poll-1", "alice-0000000000000", 2)
    store.close()
    again = Store(path)
    assert again.token() == token  # the presenter's page reconnects with it
    assert again.token(renew=True) != token
    assert again.slide() == Slide("index", 4, 0, 1, "slide-5")
    assert again.polls() == {"index/poll-1": PollState("closed", True)}
    assert again.counts("index/poll-1") == {2: 1}


def test_the_rules_of_the_lecture(lecture_site, tmp_path):
    site = read_site(lecture_site)
    lecture = Lecture(site, Store(tmp_path / "lecture.sqlite3"), "the-token")
    assert lecture.is_presenter("the-token")
    assert not lecture.is_presenter("the-tokem") and not lecture.is_presenter(None)
    voter = "alice-0000000000000"

    def refused(call, *args) -> str:
        with pytest.raises(RefusedError) as raised:
            call(*args)
        return raised.value.reason

    # A poll opens when the presenter first shows its slide, not before.
    assert refused(lecture.vote, voter, Vote("index/poll-1", 1)) == "poll-not-open"
    assert lecture.move(Slide("index", 2, 0, -1, "slide-3")) == ["index/poll-1"]
    assert lecture.move(Slide("index", 2, 0, -1, "slide-3")) == []
    assert refused(lecture.move, Slide("nowhere", 0, 0, -1, "")) == "unknown-page"
    assert refused(lecture.vote, voter, Vote("index/poll-9", 1)) == "unknown-poll"
    assert refused(lecture.vote, voter, Vote("index/poll-1", 4)) == "unknown-choice"
    assert refused(lecture.vote, None, Vote("index/poll-1", 1)) == "no-voter"
    lecture.vote(voter, Vote("index/poll-1", 2))
    # Counts: for the presenter always, for a student once revealed.
    assert lecture.view("index/poll-1", presenter=True)["counts"] == [0, 1, 0]
    assert "counts" not in lecture.view("index/poll-1", presenter=False)
    lecture.act(PollAction("index/poll-1", "close"))
    assert refused(lecture.vote, voter, Vote("index/poll-1", 1)) == "poll-not-open"
    lecture.act(PollAction("index/poll-1", "reveal"))
    assert lecture.view("index/poll-1", presenter=False)["counts"] == [0, 1, 0]
    welcome = lecture.welcome(voter, presenter=False)
    assert welcome["role"] == "student" and welcome["votes"] == {"index/poll-1": 2}
    assert welcome["slide"] == Slide("index", 2, 0, -1, "slide-3").as_dict()


def test_results_are_one_csv_per_poll(lecture_site, tmp_path):
    site = read_site(lecture_site)
    store = Store(tmp_path / "lecture.sqlite3")
    store.set_poll("index/poll-1", PollState("open"))
    for number in range(5):
        store.vote("index/poll-1", f"voter-{number:014d}", 3 if number else 2)
    written = write_results(store, site.polls, tmp_path / "results")
    assert written == [tmp_path / "results" / "index" / "poll-1.csv"]
    with written[0].open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream))
    assert rows == [
        ["numéro", "choix", "réponses"],
        ["1", "ReLU", "0"],
        ["2", "la sigmoïde", "1"],
        ["3", "<script>alert(«\xa0x\xa0»)</script> & co", "4"],
    ]


def test_a_token_bucket_lets_a_burst_through_then_its_rate():
    now = [0.0]
    bucket = TokenBucket(capacity=3, rate=2.0, clock=lambda: now[0])
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    now[0] += 0.5  # one more at 2 per second
    assert [bucket.take() for _ in range(2)] == [True, False]
    now[0] += 3600  # an hour later: full again, never above
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_a_page_too_slow_to_read_is_dropped_not_waited_for():
    hub = Hub(lecture=None, limits=Limits(outbox=3))
    slow = Client(None, None, "127.0.0.1:1", asyncio.Queue(3), TokenBucket(1, 1))
    for number in range(10):
        hub.deliver(slow, f"message {number}")
    # Its queue is emptied for the one order to close (1013); nothing more is queued.
    assert slow.dropped and slow.outbox.qsize() == 1 and slow.outbox.get_nowait() is None


# --- The server, as make lecture starts it ------------------------------------


@dataclass
class Server:
    """``python -m coursekit.lecture serve`` in a subprocess, and what it printed."""

    site: Path
    db: Path
    log: Path
    port: int = 0
    process: subprocess.Popen | None = None
    printed: str = ""
    base: str = ""
    token: str = ""

    def start(self) -> Server:
        command = [sys.executable, "-m", "coursekit.lecture", "serve", "--site", str(self.site)]
        command += ["--db", str(self.db), "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, stdout=subprocess.PIPE, stderr=log, bufsize=0
            )
        out = b""
        deadline = time.monotonic() + 30
        while out.count(b"\n") < 2:
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, (out, self.log.read_text())
            if select.select([self.process.stdout], [], [], 0.1)[0]:
                out += os.read(self.process.stdout.fileno(), 4096)
        self.printed = out.decode()
        found = LINES.match(self.printed)
        assert found, self.printed
        self.base, self.token = found["base"], found["token"]
        self.port = int(found["port"])  # a restart listens on the same port
        return self

    @property
    def socket(self) -> str:
        return self.base.replace("http://", "ws://") + "/_live/ws"

    def stop(self) -> str:
        """Stop it as Ctrl-C does; what it printed after the two lines."""
        self.process.send_signal(signal.SIGINT)
        rest, _ = self.process.communicate(timeout=20)
        return rest.decode()

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no chance to save anything
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(lecture_site, tmp_path_factory):
    folder = tmp_path_factory.mktemp("lecture")
    running = Server(lecture_site, folder / "lecture.sqlite3", folder / "server.log").start()
    yield running
    if running.process.poll() is None:
        running.stop()


def test_the_server_prints_two_lines_and_serves_the_site_live(lecture_site, tmp_path):
    running = Server(lecture_site, tmp_path / "lecture.sqlite3", tmp_path / "server.log").start()
    try:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(running.base + "/") as answer:  # students land on the deck
            assert answer.url == running.base + "/slides/index.html"
            page = answer.read().decode()
            cookie = answer.headers["Set-Cookie"]
        assert '<script src="/_live/live.js" defer data-kind="deck" data-page="index"' in page
        assert re.match(r"coursekit_voter=[A-Za-z0-9_-]{24}; HttpOnly;.*SameSite=lax", cookie)
        with opener.open(running.base + "/deux.html") as answer:
            assert 'data-kind="text" data-page="deux"' in answer.read().decode()
        with opener.open(running.base + "/_live/live.js") as answer:
            assert b"coursekitLive" in answer.read()
        with opener.open(running.base + "/_static/coursekit-slidey.js") as answer:
            assert answer.read() == (lecture_site / "_static/coursekit-slidey.js").read_bytes()
    finally:
        rest = running.stop()
    assert rest == ""  # exactly the two lines
    assert running.process.returncode == 0


def test_a_port_in_use_is_an_error_for_people(lecture_site, server, tmp_path):
    done = subprocess.run(
        [
            *(sys.executable, "-m", "coursekit.lecture", "serve", "--site", str(lecture_site)),
            *(
                "--db",
                str(tmp_path / "l.sqlite3"),
                "--host",
                "127.0.0.1",
                "--port",
                str(server.port),
            ),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert f"port {server.port} is already in use" in done.stderr
    assert "Traceback" not in done.stderr


def test_results_without_a_lecture_are_an_error_for_people(lecture_site, tmp_path, capsys):
    from coursekit.lecture.cli import main

    assert (
        main(["results", "--site", str(lecture_site), "--db", str(tmp_path / "none.sqlite3")]) == 2
    )
    assert "no poll has been answered yet" in capsys.readouterr().err
    assert main(["serve", "--site", str(tmp_path), "--db", str(tmp_path / "l.sqlite3")]) == 2
    assert "build it first (make html)" in capsys.readouterr().err


def test_make_lecture_runs_this_server_with_its_host_and_port():
    done = subprocess.run(
        [
            "make",
            "-n",
            "--no-print-directory",
            "STAMP=",
            "BUILT=",
            "lecture",
            "HOST=0.0.0.0",
            "PORT=8765",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines()[-1].endswith(
        "-m coursekit.lecture serve --site _build/html --db lecture/lecture.sqlite3 "
        "--host 0.0.0.0 --port 8765"
    )


# --- Pages, played by WebSocket clients ----------------------------------------


@dataclass
class Page:
    """One open page, speaking the browser script's protocol."""

    url: str
    voter: str | None = None
    token: str | None = None
    connection: object = None
    welcome: dict = field(default_factory=dict)
    messages: list = field(default_factory=list)
    slide: dict | None = None
    arrivals: dict = field(default_factory=dict)  # f of each slide -> when it arrived
    closed: int | None = None
    reader: asyncio.Task | None = None

    async def open(self) -> Page:
        headers = {"Cookie": f"coursekit_voter={self.voter}"} if self.voter else None
        self.connection = await connect(
            self.url,
            additional_headers=headers,
            proxy=None,
            compression=None,
            open_timeout=20,
            ping_interval=None,
        )
        hello = {"type": "hello", **({"token": self.token} if self.token else {})}
        await self.connection.send(json.dumps(hello))
        self.reader = asyncio.create_task(self.read())
        self.welcome = await self.wait_for("welcome")
        self.slide = self.welcome["slide"]
        return self

    async def read(self) -> None:
        try:
            async for raw in self.connection:
                message = json.loads(raw)
                if message["type"] == "slide":
                    self.slide = message
                    self.arrivals[message["f"]] = time.perf_counter()
                self.messages.append(message)
        except ConnectionClosed:
            pass
        self.closed = self.connection.close_code

    async def wait_for(self, kind: str, where=lambda message: True, timeout: float = 15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if message["type"] == kind and where(message):
                    self.messages.remove(message)
                    return message
            if self.reader.done():
                break
            await asyncio.sleep(0.005)
        raise AssertionError(f"no {kind!r} message came: {self.messages[-5:]}")

    async def send(self, **message) -> None:
        await self.connection.send(json.dumps(message))

    async def close(self) -> None:
        await self.connection.close()
        await asyncio.wait_for(self.reader, 10)


def voter(number: int, group: str = "s") -> str:
    return f"{group}-student-{number:06d}"


async def crowd(url: str, count: int, group: str) -> list[Page]:
    """``count`` students, connecting 50 at a time."""
    gate = asyncio.Semaphore(50)

    async def one(number: int) -> Page:
        async with gate:
            return await Page(url, voter(number, group)).open()

    return list(await asyncio.gather(*(one(number) for number in range(count))))


def slide(h: int, f: int = -1, page: str = "index") -> dict:
    return {"type": "slide", "page": page, "h": h, "v": 0, "f": f, "anchor": f"slide-{h + 1}"}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def test_a_wrong_token_drives_nothing_and_students_cannot_drive(server):
    async def scenario():
        presenter = await Page(server.socket, token=server.token).open()
        assert presenter.welcome["role"] == "presenter"
        impostor = await Page(server.socket, voter(1, "imp"), token="not-the-token").open()
        error = await impostor.wait_for("error")
        assert error["reason"] == "bad-token" and impostor.welcome["role"] == "student"
        student = await Page(server.socket, voter(2, "imp")).open()
        await presenter.send(**slide(1))
        await student.wait_for("slide", lambda m: m["h"] == 1)
        for forged in (slide(3), {"type": "poll", "poll": "index/poll-2", "action": "reveal"}):
            await impostor.send(**forged)
            assert (await impostor.wait_for("error"))["reason"] == "forbidden"
        await presenter.send(**slide(0))
        await student.wait_for("slide", lambda m: m["h"] == 0)
        # The forged messages moved no one and revealed nothing; the impostor is still up.
        assert not [m for m in student.messages if m["type"] in ("slide", "poll")]
        await impostor.wait_for("slide", lambda m: m["h"] == 0)
        assert impostor.closed is None
        for page in (presenter, impostor, student):
            await page.close()

    asyncio.run(scenario())


def test_students_see_counts_only_once_revealed_and_vote_while_open(server):
    async def scenario():
        presenter = await Page(server.socket, token=server.token).open()
        alice = await Page(server.socket, voter(1, "rev")).open()
        bob = await Page(server.socket, voter(2, "rev")).open()
        anonymous = await Page(server.socket).open()  # no cookie: no vote
        await presenter.send(**slide(5))  # shows index/poll-2: it opens
        opened = await bob.wait_for("poll", lambda m: m["poll"] == "index/poll-2")
        assert opened["status"] == "open" and "counts" not in opened
        await alice.send(type="vote", poll="index/poll-2", choice=1)
        await alice.wait_for("voted")
        await alice.send(type="vote", poll="index/poll-2", choice=2)  # changeable
        await alice.wait_for("voted", lambda m: m["choice"] == 2)
        counted = await presenter.wait_for("poll", lambda m: m.get("counts") == [0, 1])
        assert counted["revealed"] is False
        await anonymous.send(type="vote", poll="index/poll-2", choice=1)
        assert (await anonymous.wait_for("error"))["reason"] == "no-voter"
        # Nothing about the answers reached the students, nor a late one's welcome.
        late = await Page(server.socket, voter(3, "rev")).open()
        assert late.slide["h"] == 5  # a late student starts on the current slide
        for page in (alice, bob, late):
            assert not [m for m in page.messages if "counts" in m]
            assert all("counts" not in view for view in page.welcome["polls"])
        await presenter.send(type="poll", poll="index/poll-2", action="reveal")
        for page in (alice, bob, late):
            shown = await page.wait_for("poll", lambda m: m["revealed"])
            assert shown["poll"] == "index/poll-2" and shown["counts"] == [0, 1]
        await presenter.send(type="poll", poll="index/poll-2", action="close")
        await bob.wait_for("poll", lambda m: m["status"] == "closed")
        await bob.send(type="vote", poll="index/poll-2", choice=1)
        assert (await bob.wait_for("error"))["reason"] == "poll-not-open"
        for page in (presenter, alice, bob, anonymous, late):
            await page.close()

    asyncio.run(scenario())


def test_300_students_follow_50_slide_changes(server):
    async def scenario():
        presenter = await Page(server.socket, token=server.token).open()
        students = await crowd(server.socket, 300, "follow")
        sent = {}
        for change in range(50):
            sent[change] = time.perf_counter()
            await presenter.send(**slide(change % 2, f=change))
            deadline = time.monotonic() + 20
            while not all(change in s.arrivals for s in students):
                assert time.monotonic() < deadline, f"change {change} did not reach everyone"
                await asyncio.sleep(0.002)
        for student in students:
            assert student.slide["f"] == 49 and student.slide["h"] == 1
            assert student.closed is None
        latencies = [
            (student.arrivals[change] - sent[change]) * 1000
            for student in students
            for change in sent
        ]
        late = await Page(server.socket, voter(999, "follow")).open()
        assert late.slide["f"] == 49  # a late student starts on the current slide
        await asyncio.gather(*(page.close() for page in [presenter, late, *students]))
        return latencies

    latencies = asyncio.run(scenario())
    print(
        f"\n300 students x 50 slide changes: broadcast latency p50 "
        f"{statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms, "
        f"max {max(latencies):.1f} ms ({len(latencies)} deliveries)"
    )


def test_300_votes_at_once_are_counted_exactly(server, tmp_path):
    async def scenario():
        presenter = await Page(server.socket, token=server.token).open()
        students = await crowd(server.socket, 300, "votes")
        await presenter.send(**slide(6))  # index/poll-3 (A, B, C, D) opens
        await students[0].wait_for("poll", lambda m: m["poll"] == "index/poll-3")
        expected = {}
        for shift, wave in enumerate((range(300), range(0, 300, 3))):  # then a third change
            for number in wave:
                expected[number] = (number + shift) % 4 + 1
            await asyncio.gather(
                *(
                    students[n].send(type="vote", poll="index/poll-3", choice=expected[n])
                    for n in wave
                )
            )
            await asyncio.gather(
                *(
                    students[n].wait_for("voted", lambda m, n=n: m["choice"] == expected[n])
                    for n in wave
                )
            )
        counts = [list(expected.values()).count(choice) for choice in (1, 2, 3, 4)]
        assert sum(counts) == 300
        await presenter.wait_for("poll", lambda m: m.get("counts") == counts, timeout=10)
        await presenter.send(type="poll", poll="index/poll-3", action="reveal")
        shown = await students[299].wait_for("poll", lambda m: m.get("revealed"))
        assert shown["counts"] == counts
        await asyncio.gather(*(page.close() for page in [presenter, *students]))
        return counts

    counts = asyncio.run(scenario())
    # The export reads the same file while the server runs.
    out = tmp_path / "results"
    subprocess.run(
        [
            *(sys.executable, "-m", "coursekit.lecture", "results", "--site", str(server.site)),
            *("--db", str(server.db), "--out", str(out)),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    with (out / "index" / "poll-3.csv").open(encoding="utf-8") as stream:
        rows = list(csv.reader(stream))[1:]
    assert [int(row[2]) for row in rows] == counts
    print(f"\n300 votes at once, then 100 changed: counts {counts}, exact")


def test_garbage_and_floods_are_cut_off_and_the_others_carry_on(server):
    async def scenario():
        presenter = await Page(server.socket, token=server.token).open()
        students = await crowd(server.socket, 20, "calm")
        garbage = await Page(server.socket, voter(1, "bad")).open()
        # One wrong message: answered with its reason, the connection stays up.
        for data, reason in [
            ("{oops", "not-json"),
            (b"\x00\x01", "binary"),
            ("x" * 5000, "too-big"),
            ('{"type": "shutdown"}', "unknown-type"),
            ('{"type": "vote", "poll": "index/poll-1", "choice": 99}', "unknown-choice"),
            ('{"type": "vote", "poll": "index/poll-77", "choice": 1}', "unknown-poll"),
        ]:
            await garbage.connection.send(data)
            assert (await garbage.wait_for("error"))["reason"] == reason
        assert garbage.closed is None
        await garbage.send(type="hello")
        await garbage.wait_for("welcome")
        # Garbage that goes on (at a pace the rate limit lets through) is cut off
        # with a policy violation.
        for _ in range(40):
            try:
                await garbage.connection.send("{garbage")
            except ConnectionClosed:
                break
            await asyncio.sleep(0.05)
        await asyncio.wait_for(garbage.reader, 10)
        assert garbage.closed == 1008
        # A flood too, well-formed or not.
        flood = await Page(server.socket, voter(2, "bad")).open()
        started = time.monotonic()
        try:
            for _ in range(5000):
                await flood.connection.send('{"type": "hello"}')
        except ConnectionClosed:
            pass
        await asyncio.wait_for(flood.reader, 10)
        assert flood.closed == 1008
        assert time.monotonic() - started < 10
        # The others did not notice.
        await presenter.send(**slide(3, f=1234))
        for student in students:
            await student.wait_for("slide", lambda m: m["f"] == 1234)
            assert student.closed is None
        await asyncio.gather(*(page.close() for page in [presenter, *students]))

    asyncio.run(scenario())
    log = server.log.read_text()
    assert "refused from" in log and "not-json" in log
    assert "cut off" in log and "flooding" in log and "too many refused messages" in log
    assert "Traceback" not in log


def test_killed_mid_poll_and_restarted_no_vote_is_lost(lecture_site, tmp_path):
    running = Server(lecture_site, tmp_path / "lecture.sqlite3", tmp_path / "server.log").start()

    async def reconnect(page: Page) -> Page:
        deadline = time.monotonic() + 20
        while True:
            try:
                return await Page(page.url, page.voter, page.token).open()
            except (OSError, WebSocketException, AssertionError, TimeoutError):
                assert time.monotonic() < deadline, "no reconnection"
                await asyncio.sleep(0.1)

    async def scenario():
        presenter = await Page(running.socket, token=running.token).open()
        students = await crowd(running.socket, 100, "kill")
        await presenter.send(**slide(7, f=-1))  # index/poll-4 opens
        await students[0].wait_for("poll", lambda m: m["poll"] == "index/poll-4")
        choices = {n: n % 2 + 1 for n in range(100)}

        async def vote(n: int) -> None:
            await asyncio.sleep(n * 0.002)  # votes keep arriving…
            with contextlib.suppress(ConnectionClosed):  # killed already
                await students[n].send(type="vote", poll="index/poll-4", choice=choices[n])

        voting = asyncio.gather(*(vote(n) for n in range(100)))
        deadline = time.monotonic() + 10
        while sum(m["type"] == "voted" for s in students for m in s.messages) < 10:
            assert time.monotonic() < deadline, "no vote was acknowledged"
            await asyncio.sleep(0.005)
        running.kill()  # …when the server is killed
        await voting
        await asyncio.gather(*(asyncio.wait_for(s.reader, 10) for s in students))
        acknowledged = {
            s.voter: m["choice"] for s in students for m in s.messages if m["type"] == "voted"
        }
        running.start()  # the same port, the same file
        again = await asyncio.gather(*(reconnect(s) for s in [presenter, *students]))
        presenter, students = again[0], again[1:]
        for student in students:
            # Every acknowledged vote is there, and the slide is the presenter's.
            if student.voter in acknowledged:
                assert student.welcome["votes"] == {"index/poll-4": acknowledged[student.voter]}
            assert student.slide["h"] == 7
        # The pages send again what was not acknowledged (as the browser script does).
        missing = [n for n in range(100) if voter(n, "kill") not in acknowledged]
        for n in missing:
            await students[n].send(type="vote", poll="index/poll-4", choice=choices[n])
            await students[n].wait_for("voted")
        expected = [list(choices.values()).count(c) for c in (1, 2)]
        await presenter.wait_for("poll", lambda m: m.get("counts") == expected, timeout=10)
        await asyncio.gather(*(page.close() for page in again))
        return len(acknowledged), len(missing)

    try:
        acknowledged, missing = asyncio.run(scenario())
    finally:
        if running.process.poll() is None:
            running.stop()
    store = Store(tmp_path / "lecture.sqlite3")
    assert store.counts("index/poll-4") == {1: 50, 2: 50}
    assert 0 < acknowledged < 100, "the kill came mid-poll"
    print(
        f"\nkilled mid-poll: {acknowledged} votes acknowledged before the kill, all kept; "
        f"{missing} sent again after the restart; 101 pages reconnected"
    )


# --- In a real browser ------------------------------------------------------------

# Reveal says f: undefined on a slide without fragments; it comes back here as None.
DECK_AT = (
    "(t) => { const i = Reveal.getIndices();"
    " return i.h === t.h && i.v === t.v && (i.f ?? -1) === (t.f ?? -1); }"
)
LIVE_ROLE = "(role) => document.documentElement.getAttribute('data-coursekit-live') === role"


@pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")
def test_in_a_real_browser(lecture_site, tmp_path):
    from playwright.sync_api import sync_playwright

    running = Server(lecture_site, tmp_path / "lecture.sqlite3", tmp_path / "server.log").start()
    presenter_url = running.printed.splitlines()[0].removeprefix("presenter: ")
    offsite, problems, dialogs = [], [], []

    def guard(route, request) -> None:
        if request.url.startswith((running.base + "/", "data:", "blob:", "about:")):
            route.continue_()
        else:
            offsite.append(request.url)
            route.abort()

    def watch(page) -> None:
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS
            )
            contexts = []
            for _ in ("presenter", "student"):  # two browsers' worth: two voter cookies
                context = browser.new_context(viewport={"width": 1280, "height": 720})
                context.route("**/*", guard)
                contexts.append(context)
            presenter = contexts[0].new_page()
            student = contexts[1].new_page()
            for page in (presenter, student):
                watch(page)
            presenter.goto(presenter_url)
            presenter.wait_for_function(LIVE_ROLE, arg="presenter", timeout=15000)
            assert "token" not in presenter.url  # not left on the projected screen
            student.goto(running.base + "/")
            student.wait_for_function(LIVE_ROLE, arg="student", timeout=15000)
            assert student.locator(".coursekit-live-follow input").is_checked()

            # Follow latency: the presenter's move to the student's slidechanged.
            student.evaluate(
                "() => { window.moves = []; Reveal.on('slidechanged', () =>"
                " window.moves.push(performance.timeOrigin + performance.now())); }"
            )
            latencies = []
            for move in range(20):
                before = student.evaluate("() => window.moves.length")
                sent = presenter.evaluate(
                    "(h) => { const t = performance.timeOrigin + performance.now();"
                    " Reveal.slide(h, 0); return t; }",
                    (move + 1) % 2,
                )
                student.wait_for_function("(n) => window.moves.length > n", arg=before)
                latencies.append(student.evaluate("() => window.moves.at(-1)") - sent)

            # Slide 5 and its first fragment.
            presenter.evaluate(
                "() => { const i = Reveal.getIndices(document.getElementById('slide-5'));"
                " Reveal.slide(i.h, i.v); Reveal.nextFragment(); }"
            )
            target = presenter.evaluate("() => Reveal.getIndices()")
            assert target["f"] == 0
            student.wait_for_function(DECK_AT, arg=target, timeout=5000)
            assert student.evaluate("() => Reveal.getCurrentSlide().id") == "slide-5"
            shown = "() => document.querySelectorAll('#slide-5 .fragment.visible').length"
            assert student.evaluate(shown) == 1

            # A text page scrolls to the slide's anchor and marks it.
            text = contexts[1].new_page()
            watch(text)
            text.goto(running.base + "/index.html")
            marked = "(id) => document.querySelector('.coursekit-live-here')?.id === id"
            text.wait_for_function(marked, arg="slide-5", timeout=15000)
            top = text.evaluate(
                "() => document.getElementById('slide-5').getBoundingClientRect().top"
            )
            assert text.evaluate("() => window.scrollY") > 300 and -2 <= top < 100

            # She stops following and browses; the text still follows; she follows again.
            student.locator(".coursekit-live-follow input").uncheck()
            presenter.evaluate("() => Reveal.slide(Reveal.getIndices().h - 1, 0)")  # slide 4
            text.wait_for_function(marked, arg="slide-4", timeout=5000)
            assert student.evaluate("() => Reveal.getCurrentSlide().id") == "slide-5"
            student.locator(".coursekit-live-follow input").check()
            target = presenter.evaluate("() => Reveal.getIndices()")
            student.wait_for_function(DECK_AT, arg=target, timeout=5000)
            # Moving by herself stops following.
            student.keyboard.press("ArrowRight")
            student.wait_for_function(
                "() => !document.querySelector('.coursekit-live-follow input').checked"
            )
            assert student.evaluate("() => Reveal.getCurrentSlide().id") == "slide-5"
            student.locator(".coursekit-live-follow input").check()
            student.wait_for_function(DECK_AT, arg=target, timeout=5000)

            # A poll: it opens on its slide; she votes; the presenter counts, then reveals.
            presenter.evaluate(
                "() => Reveal.slide(Reveal.getIndices(document.getElementById('slide-3')).h, 0)"
            )
            poll = "fieldset[data-coursekit-poll='index/poll-1']"
            student.wait_for_function(
                f"() => document.querySelector(\"{poll}\").dataset.coursekitLiveStatus === 'open'"
            )
            student.locator(f"{poll} input[value='2']").check()
            student.locator(f"{poll} .coursekit-live-poll-status").filter(
                has_text="réponse enregistrée"
            ).wait_for(timeout=5000)
            presenter.locator(f"{poll} .coursekit-live-poll-total").filter(
                has_text="1 réponse"
            ).wait_for(timeout=5000)
            assert student.locator(".coursekit-live-result").count() == 0  # not revealed
            presenter.screenshot(path=tmp_path / "presenter-poll-open.png")
            presenter.locator(f"{poll} .coursekit-live-reveal").click()
            student.locator(f"{poll} .coursekit-live-result").nth(2).wait_for(timeout=5000)
            counts = student.evaluate(
                f'() => [...document.querySelectorAll("{poll} .coursekit-poll-choice")]'
                ".map(li => [li.dataset.coursekitLiveCount,"
                " li.querySelector('.coursekit-live-result-fill').style.width])"
            )
            assert counts == [["0", "0%"], ["1", "100%"], ["0", "0%"]]
            third = student.locator(f"{poll} .coursekit-poll-choice").nth(2).inner_text()
            assert "<script>alert(«\xa0x\xa0»)</script> & co" in third  # shown as text
            presenter.screenshot(path=tmp_path / "presenter-revealed.png")
            student.screenshot(path=tmp_path / "student-revealed.png")
            text.screenshot(path=tmp_path / "student-text.png")
            assert not problems and not dialogs

            # The server is killed and restarted: the pages come back by themselves.
            running.kill()
            for page in (presenter, student):
                page.wait_for_function(LIVE_ROLE, arg="offline", timeout=10000)
            running.start()
            presenter.wait_for_function(LIVE_ROLE, arg="presenter", timeout=20000)
            student.wait_for_function(LIVE_ROLE, arg="student", timeout=20000)
            presenter.evaluate(
                "() => Reveal.slide(Reveal.getIndices(document.getElementById('slide-6')).h, 0)"
            )
            target = presenter.evaluate("() => Reveal.getIndices()")
            student.wait_for_function(DECK_AT, arg=target, timeout=5000)
            assert student.locator(f"{poll} input[value='2']").is_checked()  # her vote, kept
            browser.close()
    finally:
        if running.process.poll() is None:
            running.stop()
    assert not offsite, offsite
    # The restart's refused connections are the only console errors.
    assert all("WebSocket connection" in problem for problem in problems), problems
    print(
        f"\nbrowser follow latency (presenter's move -> student's slidechanged), 20 moves: "
        f"p50 {statistics.median(latencies):.1f} ms, p95 {percentile(latencies, 0.95):.1f} ms; "
        f"screenshots in {tmp_path}"
    )

"""The lecture's file: an embedded SQLite database (``lecture/lecture.sqlite3``).

It keeps what a restart of the server must not lose: the presenter's token,
the current slide, each poll's state (open or closed, revealed or not) and the
votes, one row per (poll, voter): a student who changes her answer replaces
her row, so the counts are exact. A poll without a row in ``polls`` has not
been opened yet.

The database is in WAL mode with ``synchronous=NORMAL``: every statement is
its own transaction, committed before the server answers, so a vote that was
acknowledged survives the server being killed (not a power cut of the
machine, which ``synchronous=FULL`` would cover at one disk sync per vote).
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import sqlite3
import time
from pathlib import Path
from typing import NamedTuple

from coursekit.lecture.protocol import Slide
from coursekit.lecture.site import Poll

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS polls (
    poll TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    revealed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS votes (
    poll TEXT NOT NULL,
    voter TEXT NOT NULL,
    choice INTEGER NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (poll, voter)
);
"""

#: The CSV's header, for the lecturer (in French, as everything she reads).
CSV_HEADER = ("numéro", "choix", "réponses")


class PollState(NamedTuple):
    """``status``: pending (never opened), open or closed; ``revealed``: results shown."""

    status: str = "pending"
    revealed: bool = False


class Store:
    """The lecture's SQLite file, opened (and created) at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        # The token is in the file (and in its WAL beside it): for its owner only.
        if not self.path.parent.exists():
            self.path.parent.mkdir(mode=0o700, parents=True)
        new = not self.path.exists()
        # Autocommit: each statement is a transaction of its own.
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        if new:
            os.chmod(self.path, 0o600)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def _setting(self, name: str) -> str | None:
        row = self.db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def _set(self, name: str, value: str) -> None:
        self.db.execute(
            "INSERT INTO settings (name, value) VALUES (?, ?) "
            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def token(self, renew: bool = False) -> str:
        """The presenter's token: made once (or anew with ``renew``), then kept, so
        that the presenter's page reconnects after a restart of the server."""
        token = None if renew else self._setting("token")
        if token is None:
            token = secrets.token_urlsafe(24)
            self._set("token", token)
        return token

    def slide(self) -> Slide | None:
        """The presenter's current slide, or None before she moved."""
        value = self._setting("slide")
        return Slide(**json.loads(value)) if value else None

    def set_slide(self, slide: Slide) -> None:
        self._set("slide", json.dumps(slide.as_dict()))

    def polls(self) -> dict[str, PollState]:
        """Every poll opened once, with its state."""
        rows = self.db.execute("SELECT poll, status, revealed FROM polls")
        return {poll: PollState(status, bool(revealed)) for poll, status, revealed in rows}

    def set_poll(self, poll: str, state: PollState) -> None:
        assert state.status in ("open", "closed"), state
        self.db.execute(
            "INSERT INTO polls (poll, status, revealed) VALUES (?, ?, ?) "
            "ON CONFLICT (poll) DO UPDATE SET status = excluded.status, "
            "revealed = excluded.revealed",
            (poll, state.status, int(state.revealed)),
        )

    def vote(self, poll: str, voter: str, choice: int) -> None:
        """Record ``voter``'s answer to ``poll``, replacing an earlier one."""
        self.db.execute(
            "INSERT INTO votes (poll, voter, choice, at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (poll, voter) DO UPDATE SET choice = excluded.choice, at = excluded.at",
            (poll, voter, choice, time.time()),
        )

    def counts(self, poll: str) -> dict[int, int]:
        """Choice -> how many voters chose it (choices nobody chose are absent)."""
        rows = self.db.execute(
            "SELECT choice, COUNT(*) FROM votes WHERE poll = ? GROUP BY choice", (poll,)
        )
        return dict(rows.fetchall())

    def votes_of(self, voter: str) -> dict[str, int]:
        """Poll -> the choice ``voter`` made."""
        rows = self.db.execute("SELECT poll, choice FROM votes WHERE voter = ?", (voter,))
        return dict(rows.fetchall())

    def polls_with_votes(self) -> set[str]:
        return {row[0] for row in self.db.execute("SELECT DISTINCT poll FROM votes")}


def write_results(store: Store, polls: dict[str, Poll], out: Path) -> list[Path]:
    """One CSV per poll that was opened or answered: ``out/<docname>/poll-N.csv``.

    Each row is a choice of the poll (its number, its text as the site shows
    it, how many chose it); a poll the site no longer has keeps its numbers,
    without text. Returns the files written, in order.
    """
    out = Path(out).resolve()
    written = []
    for key in sorted(store.polls().keys() | store.polls_with_votes()):
        target = (out / f"{key}.csv").resolve()
        if not target.is_relative_to(out):  # keys are validated; never write elsewhere
            continue
        counts = store.counts(key)
        poll = polls.get(key)
        labels = poll.choices if poll else ()
        numbers = range(1, max([len(labels), *counts.keys()]) + 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(CSV_HEADER)
            for number in numbers:
                label = labels[number - 1] if number <= len(labels) else ""
                writer.writerow((number, label, counts.get(number, 0)))
        written.append(target)
    return written

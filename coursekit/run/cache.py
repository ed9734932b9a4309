"""Content-addressed store of program results.

An entry is a folder named by the program's key, holding what the child
wrote (``result.json``, ``stdout.txt``, ``stderr.txt``, figures). It is
moved into place with one ``rename`` once complete, so an interrupted build
never leaves a half-written entry: a folder is either there whole or absent.

Builds that share the cache (the text and the deck, built side by side;
``make live`` beside ``make html``) never run the same job twice at once: a
build *claims* a job before running it (a file named by its key, holding the
build's process id, created atomically), and another build that finds the
claim of a live process waits for the result instead (:meth:`ResultCache.wait_for`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from coursekit.run.runner import Outcome, read_outcome


class ResultCache:
    """Results of programs, by key, under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.scratch = self.root / "tmp"

    def path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def has(self, key: str) -> bool:
        return (self.path(key) / "result.json").is_file()

    def load(self, key: str) -> Outcome | None:
        """The stored outcome, or None when there is no complete entry."""
        if not self.has(key):
            return None
        return read_outcome(key, self.path(key), exitcode=0, timed_out=None)

    # -- claims ------------------------------------------------------------
    def _claim_path(self, key: str) -> Path:
        return self.root / "claims" / key

    def claimant(self, key: str) -> int | None:
        """The live process (not this one) that claimed ``key``, if any."""
        path = self._claim_path(key)
        try:
            text = path.read_text(encoding="ascii").strip()
        except OSError:
            return None
        if not text:  # being written this instant: its writer is alive
            return -1
        pid = int(text) if text.isdigit() else None
        if pid is None or pid == os.getpid() or not _alive(pid):
            return None
        return pid

    def claim(self, key: str) -> bool:
        """Claim the job ``key`` for this process; False when a live build holds it."""
        path = self._claim_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(2):
            try:
                fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                if self.claimant(key) is not None:
                    return False
                path.unlink(missing_ok=True)  # a dead build's claim, or our own
                continue
            os.write(fd, str(os.getpid()).encode("ascii"))
            os.close(fd)
            return True
        return False

    def release(self, key: str) -> None:
        """Give up this process's claim on ``key``."""
        path = self._claim_path(key)
        try:
            if path.read_text(encoding="ascii").strip() == str(os.getpid()):
                path.unlink()
        except OSError:
            pass

    def wait_for(self, key: str, poll: float = 0.1) -> bool:
        """Wait while another live build holds ``key`` and its result is not in;
        True when the result is there."""
        while not self.has(key) and self.claimant(key) is not None:
            time.sleep(poll)
        return self.has(key)

    def workdir(self) -> Path:
        """A fresh folder, on the cache's file system, where runs write their files.

        Its name carries this process's id, so that :meth:`clean_scratch` can
        tell the folders of a build still running from those of a dead one.
        """
        self.scratch.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=self.scratch))

    def store(self, outcome: Outcome) -> Outcome:
        """Move a finished run's folder into the cache; returns the stored outcome."""
        assert outcome.folder is not None
        target = self.path(outcome.key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            outcome.folder.rename(target)
        except OSError:
            if not target.is_dir():
                raise
            # Another build stored it first: same key, same content.
            shutil.rmtree(outcome.folder, ignore_errors=True)
        stored = self.load(outcome.key)
        assert stored is not None
        return stored

    def clean_scratch(self) -> None:
        """Remove this process's run folders and those of builds that died.

        The folders of another build still running (``make live`` beside a
        ``make html``) are left alone.
        """
        if not self.scratch.is_dir():
            return
        for folder in self.scratch.iterdir():
            parts = folder.name.split("-")
            pid = int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else None
            if pid is None or pid == os.getpid() or not _alive(pid):
                shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

"""Content-addressed store of program results.

An entry is a folder named by the program's key, holding what the child
wrote (``result.json``, ``stdout.txt``, ``stderr.txt``, figures). It is
moved into place with one ``rename`` once complete, so an interrupted build
never leaves a half-written entry: a folder is either there whole or absent.
"""

from __future__ import annotations

import shutil
import tempfile
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

    def workdir(self) -> Path:
        """A fresh folder, on the cache's file system, where runs write their files."""
        self.scratch.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix="run-", dir=self.scratch))

    def store(self, outcome: Outcome) -> Outcome:
        """Move a finished run's folder into the cache; returns the stored outcome."""
        assert outcome.folder is not None
        target = self.path(outcome.key)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # another build stored it first: same key, same content
            shutil.rmtree(outcome.folder, ignore_errors=True)
        else:
            outcome.folder.rename(target)
        stored = self.load(outcome.key)
        assert stored is not None
        return stored

    def clean_scratch(self) -> None:
        """Remove what interrupted or failed runs left behind."""
        shutil.rmtree(self.scratch, ignore_errors=True)

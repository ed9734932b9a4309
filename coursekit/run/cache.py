"""Content-addressed store of program results.

An entry is a folder named by the program's key, holding what the child
wrote (``result.json``, ``stdout.txt``, ``stderr.txt``, figures). It is
moved into place with one ``rename`` once complete, so an interrupted build
never leaves a half-written entry: a folder is either there whole or absent.
"""

from __future__ import annotations

import os
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

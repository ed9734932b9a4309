"""Frozen outputs: results made on a machine that could run them, committed.

Quarto's ``freeze`` is the model. ``make freeze`` runs the jobs the course
marks ``:freeze:`` and copies their result folders into the store
(``docs/_frozen/``), content-addressed by a key made of the code and the
declared environment only (the course's requirements and data, not the
versions of the machine that runs them), with ``origin.json``: where it ran
(device, CUDA or CPU, torch and Python versions) and which block it was.
A build that finds a job's key in the store shows the stored result and
does not run the job.

Only text and PNG files are stored; the store stays small enough to commit.
This module knows nothing of Sphinx.
"""

from __future__ import annotations

import json
import platform
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from coursekit.run.cache import ResultCache
from coursekit.run.runner import Outcome

#: What a frozen result may hold.
STORED_SUFFIXES = (".txt", ".json", ".png")
#: Written beside the result: where it was made.
ORIGIN = "origin.json"


@dataclass(frozen=True)
class Origin:
    """Where a frozen result was made, and for which block."""

    device: str
    torch: str
    python: str
    #: The block (or the page's session) it belongs to: ``docname#slug``.
    where: str

    @property
    def cuda(self) -> bool:
        return self.device.startswith("cuda")

    @property
    def device_name(self) -> str:
        """ "NVIDIA H100" for "cuda (NVIDIA H100)"; "CPU" for the processor."""
        if self.cuda and "(" in self.device:
            return self.device[self.device.index("(") + 1 : self.device.rindex(")")]
        return self.device.upper()


class FrozenStore(ResultCache):
    """Frozen results, by key, under ``root``: laid out, found and read as the
    result cache's entries are (``<key[:2]>/<key>/``), each with its origin."""

    def origin(self, key: str) -> Origin | None:
        try:
            data = json.loads((self.path(key) / ORIGIN).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return Origin(data["device"], data["torch"], data["python"], data["where"])

    def keys(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.glob("*/*") if (p / "result.json").is_file())

    def keys_for(self, where: str) -> list[str]:
        """The stored results of the block (or session) ``where``: older code's too."""
        return [key for key in self.keys() if (o := self.origin(key)) and o.where == where]

    def freeze(self, outcome: Outcome, key: str, where: str) -> Origin:
        """Copy a finished run (its text and PNG files) into the store under ``key``,
        with its origin."""
        assert outcome.folder is not None
        origin = Origin(
            device=outcome.device,
            torch=outcome.torch,
            python=platform.python_version(),
            where=where,
        )
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".freezing-", dir=target.parent))
        for path in sorted(outcome.folder.rglob("*")):
            if path.is_file() and path.suffix in STORED_SUFFIXES:
                copy = staging / path.relative_to(outcome.folder)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, copy)
        record = {**origin.__dict__, "cuda": origin.cuda}  # CUDA or CPU, said outright
        text = json.dumps(record, indent=1, sort_keys=True) + "\n"
        (staging / ORIGIN).write_text(text, encoding="utf-8")
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        return origin

    def prune(self, keep: set[str]) -> list[str]:
        """Remove every result whose key is not in ``keep``; returns their keys."""
        gone = [key for key in self.keys() if key not in keep]
        for key in gone:
            shutil.rmtree(self.path(key), ignore_errors=True)
            if not any(self.path(key).parent.iterdir()):
                self.path(key).parent.rmdir()
        return gone

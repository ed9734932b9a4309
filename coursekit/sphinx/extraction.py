"""``make examples``: every program of every chapter as a script under examples/.

The ``examples`` builder reads the chapters like any other builder, then
writes ``<outdir>/<chapter>/NN_sX-Y_name.py`` for each program (excerpts are
covered by their complete program), and removes scripts that no longer
correspond to a program. It runs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.builders import Builder
from sphinx.util import logging

from coursekit.core.programs import Program, script_name, script_text
from coursekit.sphinx.state import state

if TYPE_CHECKING:
    from collections.abc import Iterable

    from docutils import nodes
    from sphinx.application import Sphinx

logger = logging.getLogger(__name__)


def scripts_of(programs: Iterable[Program]) -> dict[str, str]:
    """File name -> script text, for the programs of one chapter, in order."""
    return {
        script_name(index, program): script_text(program)
        for index, program in enumerate(programs, start=1)
    }


def write_scripts(folder: Path, scripts: dict[str, str]) -> list[str]:
    """Make ``folder`` hold exactly ``scripts``; returns the names written or removed."""
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for stale in sorted(folder.glob("*.py")):
        if stale.name not in scripts:
            stale.unlink()
            changed.append(stale.name)
    for name, text in scripts.items():
        target = folder / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(name)
    return changed


class ExamplesBuilder(Builder):
    """Writes the chapters' programs as standalone scripts."""

    name = "examples"
    format = "python"
    epilog = "The scripts are in %(outdir)s."

    def get_outdated_docs(self) -> str:
        return "all the chapters' programs"

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        return ""

    def prepare_writing(self, docnames: set[str]) -> None:
        pass

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        pass

    def finish(self) -> None:
        programs = state(self.env).data["programs"]
        outdir = Path(self.outdir)
        for docname in sorted(programs):
            scripts = scripts_of(programs[docname])
            for name in write_scripts(outdir / docname, scripts):
                logger.info("examples: %s/%s", docname, name)
        for folder in sorted(p for p in outdir.iterdir() if p.is_dir()):
            if folder.name not in programs and any(folder.glob("*.py")):
                write_scripts(folder, {})
                logger.info("examples: removed %s/ (no such chapter)", folder.name)


def setup_extraction(app: Sphinx) -> None:
    """Register the ``examples`` builder."""
    app.add_builder(ExamplesBuilder)

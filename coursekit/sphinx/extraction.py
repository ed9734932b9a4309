"""``make examples``: every page's programs as scripts under examples/.

The ``examples`` builder reads the chapters like any other builder, then
writes into ``<outdir>/<chapter>/`` the page's session as one script in
jupytext's percent format (``<chapter>.py``, one cell per block) and
``NN_sX-Y_name.py`` for each program that runs alone (excerpts are covered
by their complete program); it removes scripts that no longer correspond to
a program. It runs nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sphinx.builders import Builder
from sphinx.util import logging

from coursekit.core.scripts import page_files
from coursekit.sphinx.execution import page_mode
from coursekit.sphinx.furniture import _
from coursekit.sphinx.state import state

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx
    from sphinx.config import Config
    from sphinx.environment import BuildEnvironment

logger = logging.getLogger(__name__)


def page_scripts(
    env: BuildEnvironment, config: Config, docname: str, notebooks: bool = False
) -> dict[str, str]:
    """File name -> content: the page's session notebook and lone programs."""
    programs = state(env).programs(docname)
    return page_files(
        docname,
        programs,
        page_mode(env, config, docname),
        notebooks,
        session_intro=str(_("Notebook of the page `%(source)s`: its cells run in order.")),
        program_intro=str(
            _("Program of the course, from `%(source)s` (code block at line %(line)s).")
        ),
    )


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
            scripts = page_scripts(self.env, self.config, docname)
            for name in write_scripts(outdir / docname, scripts):
                logger.info("examples: %s/%s", docname, name)
        for folder in sorted(p for p in outdir.iterdir() if p.is_dir()):
            if folder.name not in programs and any(folder.glob("*.py")):
                write_scripts(folder, {})
                logger.info("examples: removed %s/ (no such chapter)", folder.name)


def setup_extraction(app: Sphinx) -> None:
    """Register the ``examples`` builder."""
    app.add_builder(ExamplesBuilder)

"""Downloads: each page's notebook and lone programs, as scripts and notebooks.

The chapter's first section links the page's notebook (its session: the
percent-format ``.py`` of ``examples/`` and the same cells as ``.ipynb``)
and an archive of every file; under the output of a program that runs
alone, its own ``.py`` and ``.ipynb``. Files go to
``_downloads/coursekit/<chapter>/`` in the HTML output.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes

from coursekit.config import DECK_BUILDERS
from coursekit.core.programs import Program, script_name, split_page
from coursekit.sphinx.execution import page_mode
from coursekit.sphinx.extraction import page_scripts
from coursekit.sphinx.furniture import _
from coursekit.sphinx.state import state

if TYPE_CHECKING:
    from sphinx.application import Sphinx

FOLDER = "_downloads/coursekit"
#: Zip entries carry this date, so that two builds give the same archive.
EPOCH = (1980, 1, 1, 0, 0, 0)


def archive(files: dict[str, str], folder: str) -> bytes:
    """A zip of ``files`` under ``folder/``, identical from one build to the next."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zipped.writestr(info, files[name])
    return buffer.getvalue()


def download_url(from_docname: str, docname: str, filename: str) -> str:
    target = f"{FOLDER}/{docname}/{filename}"
    return posixpath.relpath(target, posixpath.dirname(from_docname) or ".")


def links_for(docname: str, index: int, program: Program) -> nodes.paragraph:
    """The line "Download: script .py · notebook .ipynb" for one program."""
    para = nodes.paragraph(classes=["coursekit-downloads"])
    para += nodes.Text(str(_("Download: ")))
    add_script_and_notebook(para, docname, script_name(index, program)[:-3])
    return para


def add_script_and_notebook(para: nodes.paragraph, docname: str, stem: str) -> None:
    """Append "script .py · notebook .ipynb", the links to ``stem``.py and ``stem``.ipynb."""
    for number, (label, suffix) in enumerate(
        (("script .py", ".py"), ("notebook .ipynb", ".ipynb"))
    ):
        if number:
            para += nodes.Text(" · ")
        ref = nodes.reference("", label, refuri=download_url(docname, docname, stem + suffix))
        ref["classes"].append("download")
        para += ref


def chapter_archive_link(docname: str, session: bool) -> nodes.paragraph:
    para = nodes.paragraph(classes=["coursekit-downloads", "coursekit-archive"])
    base = Path(docname).name
    if session:
        para += nodes.Text(str(_("The notebook of this page: ")))
        add_script_and_notebook(para, docname, base)
        para += nodes.Text(" — ")
    para += nodes.Text(str(_("All the programs of this page, as scripts and notebooks: ")))
    para += nodes.reference("", f"{base}.zip", refuri=download_url(docname, docname, f"{base}.zip"))
    return para


def add_archive_link(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: link the chapter's archive under its title, in the text only."""
    if app.builder.format != "html" or app.builder.name in DECK_BUILDERS:
        return
    programs = state(app.env).programs(docname)
    if not programs:
        return
    session = bool(split_page(programs, page_mode(app.env, app.config, docname))[0])
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section.insert(1, chapter_archive_link(docname, session))


def write_downloads(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``: write every chapter's scripts, notebooks and archive."""
    if exception is not None or app.builder.name != "html":
        return
    for docname, programs in sorted(state(app.env).data["programs"].items()):
        if not programs:
            continue
        folder = Path(app.outdir) / FOLDER / docname
        folder.mkdir(parents=True, exist_ok=True)
        files = page_scripts(app.env, app.config, docname, notebooks=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        (folder / f"{Path(docname).name}.zip").write_bytes(archive(files, Path(docname).name))


def setup_downloads(app: Sphinx) -> None:
    """Register the archive link and the writing of the downloads."""
    app.connect("doctree-resolved", add_archive_link)
    app.connect("build-finished", write_downloads)

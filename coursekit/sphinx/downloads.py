"""Downloads: every program as a script and as a notebook, and one archive per chapter.

The HTML text offers, under each program's output, its ``.py`` script (the
same file as in ``examples/``) and a Jupyter notebook made with nbformat that
runs the same code; the chapter's first section links an archive of all of
them. Files go to ``_downloads/coursekit/<chapter>/`` in the HTML output.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes

from coursekit.config import DECK_BUILDERS
from coursekit.core.programs import Program, script_name
from coursekit.sphinx.extraction import scripts_of
from coursekit.sphinx.furniture import _
from coursekit.sphinx.state import state

if TYPE_CHECKING:
    from sphinx.application import Sphinx

FOLDER = "_downloads/coursekit"
#: Zip entries carry this date, so that two builds give the same archive.
EPOCH = (1980, 1, 1, 0, 0, 0)


def notebook_text(program: Program, script: str) -> str:
    """The program as a Jupyter notebook: a title cell, then its code."""
    import nbformat

    title = f"# {program.section}\n\n" if program.section else ""
    body = script.split("\n\n", 1)[1] if "\n\n" in script else script
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                title
                + str(_("Program of the course, from `%(source)s` (code block at line %(line)s)."))
                % {"source": program.source, "line": program.directive_line}
            ),
            nbformat.v4.new_code_cell(body.rstrip("\n")),
        ],
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"  # stable ids: the same notebook at every build
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def chapter_files(programs: list[Program]) -> dict[str, str]:
    """File name -> content: each program's script and notebook."""
    files = {}
    for (name, script), program in zip(scripts_of(programs).items(), programs, strict=True):
        files[name] = script
        files[name[:-3] + ".ipynb"] = notebook_text(program, script)
    return files


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
    name = script_name(index, program)
    para = nodes.paragraph(classes=["coursekit-downloads"])
    para += nodes.Text(str(_("Download: ")))
    for label, filename in (("script .py", name), ("notebook .ipynb", name[:-3] + ".ipynb")):
        if len(para.children) > 1:
            para += nodes.Text(" · ")
        ref = nodes.reference("", label, refuri=download_url(docname, docname, filename))
        ref["classes"].append("download")
        para += ref
    return para


def chapter_archive_link(docname: str) -> nodes.paragraph:
    para = nodes.paragraph(classes=["coursekit-downloads", "coursekit-archive"])
    para += nodes.Text(str(_("All the programs of this page, as scripts and notebooks: ")))
    para += nodes.reference(
        "", f"{docname}.zip", refuri=download_url(docname, docname, f"{docname}.zip")
    )
    return para


def add_archive_link(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """``doctree-resolved``: link the chapter's archive under its title, in the text only."""
    if app.builder.format != "html" or app.builder.name in DECK_BUILDERS:
        return
    if not state(app.env).programs(docname):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is not None and section.children and isinstance(section[0], nodes.title):
        section.insert(1, chapter_archive_link(docname))


def write_downloads(app: Sphinx, exception: BaseException | None) -> None:
    """``build-finished``: write every chapter's scripts, notebooks and archive."""
    if exception is not None or app.builder.name != "html":
        return
    for docname, programs in sorted(state(app.env).data["programs"].items()):
        if not programs:
            continue
        folder = Path(app.outdir) / FOLDER / docname
        folder.mkdir(parents=True, exist_ok=True)
        files = chapter_files(programs)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        (folder / f"{Path(docname).name}.zip").write_bytes(archive(files, Path(docname).name))


def setup_downloads(app: Sphinx) -> None:
    """Register the archive link and the writing of the downloads."""
    app.connect("doctree-resolved", add_archive_link)
    app.connect("build-finished", write_downloads)

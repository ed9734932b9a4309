"""What a learner downloads: a page's programs as scripts and notebooks.

- The blocks of a page's session make one notebook: ``<page>.py`` in
  jupytext's percent format (one ``# %%`` cell per block, headed by its
  ``file:line``) and the same cells as ``<page>.ipynb`` (nbformat).
- A program that runs alone keeps its own script ``NN_sX-Y_name.py`` and
  notebook.

Pure: no Sphinx. The words addressed to the reader (``intro``) come from the
caller, in the course's language.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from coursekit.core.programs import (
    Program,
    Session,
    notebook_cells,
    script_name,
    script_text,
    split_page,
)

KERNEL = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _notebook(title: str, intro: str, codes: list[str]):
    import nbformat

    head = f"# {title}\n\n" if title else ""
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(head + intro),
            *(nbformat.v4.new_code_cell(code.rstrip("\n")) for code in codes),
        ],
        metadata=KERNEL,
    )
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index}"  # stable ids: the same notebook at every build
    nbformat.validate(notebook)
    return notebook


def session_notebook(session: Session, title: str, intro: str):
    """The page's session as an nbformat notebook: an intro cell, then one cell per block."""
    return _notebook(title, intro, notebook_cells(session))


def session_script(notebook) -> str:
    """The session notebook in jupytext's percent format."""
    import jupytext

    return jupytext.writes(notebook, fmt="py:percent")


def program_notebook(program: Program, intro: str) -> str:
    """A program that runs alone, as a notebook of one code cell."""
    import nbformat

    return nbformat.writes(_notebook(program.section, intro, [program.code])) + "\n"


def page_files(
    docname: str,
    programs: list[Program],
    mode: str,
    notebooks: bool,
    session_intro: str = "",
    program_intro: str = "",
) -> dict[str, str]:
    """File name -> content for one page: its session's notebook, its lone programs.

    ``notebooks``: the ``.ipynb`` files too (the downloads); without, only the
    ``.py`` files (``examples/``). The intros are %-formats that may name
    ``%(source)s`` (and ``%(line)s`` for a program).
    """
    import nbformat

    cells, alone = split_page(programs, mode)
    files: dict[str, str] = {}
    if cells:
        base = PurePosixPath(docname).name
        session = Session(docname, cells[0].source, tuple(cells))
        notebook = session_notebook(session, "", session_intro % {"source": session.source})
        files[f"{base}.py"] = session_script(notebook)
        if notebooks:
            files[f"{base}.ipynb"] = nbformat.writes(notebook) + "\n"
    alone_ids = {id(program) for program in alone}
    for index, program in enumerate(programs, start=1):
        if id(program) not in alone_ids:
            continue
        name = script_name(index, program)
        files[name] = script_text(program)
        if notebooks:
            intro = program_intro % {"source": program.source, "line": program.directive_line}
            files[name[:-3] + ".ipynb"] = program_notebook(program, intro)
    return files

"""A synthetic course of a whole course's size, for ``make bench COURSE=synthetic``.

``write_course(docs)`` replaces the pages of a project's source folder with
PAGES chapters (30), each of SLIDES ``.. slide::`` markers (15), BLOCKS Python
blocks (8) and one figure, written in the lecturer's dialect (a marker glued
to its title, short underlines, French prose). The blocks are in notebook
style: each uses the names the block before it defined, as her pages do, so
a page runs as one session. The figure is a script ``images/NAME.py`` that
draws ``images/NAME.png`` with matplotlib. An index page lists the chapters.

The same arguments always give the same files: edits the bench makes are
measured on identical courses.
"""

from __future__ import annotations

import shutil
from pathlib import Path

PAGES, SLIDES, BLOCKS = 30, 15, 8

FIGURE = '''"""Courbe de la page {page}."""

import sys

import matplotlib
import matplotlib.pyplot as plt
import numpy as np

matplotlib.use("Agg")
x = np.linspace(-3, 3, 200)
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(x, np.tanh({scale} * x), label="tanh")
ax.legend()
fig.savefig(sys.argv[1], dpi=80)
'''

PROSE = (
    "Dans cette partie du chapitre {page}, nous reprenons les notions vues plus haut "
    "et nous les appliquons à un petit exemple, pas à pas, en regardant ce que chaque "
    "ligne de code affiche."
)


def block_code(page: int, number: int) -> list[str]:
    """The code of block ``number`` of page ``page``: it uses what the block
    before it defined (shared with :mod:`coursekit.tools.sessionbench`)."""
    if number == 1:
        return [
            "import torch",
            f"torch.manual_seed({page})",
            "w1 = torch.randn(64, 64)",
            "print(round(float(w1.std()), 3))",
        ]
    prev = f"w{number - 1}"
    return [
        f"w{number} = torch.tanh({prev} @ {prev}.T / 64)",
        "for _ in range(200):",
        f"    w{number} = torch.tanh(w{number} @ w{number} / 8)",
        f"print(round(float(w{number}.mean()), 4))",
    ]


def block(page: int, number: int) -> list[str]:
    """Block ``number`` of page ``page`` as a ``code-block`` directive."""
    return [".. code-block:: python", "", *(f"   {line}" for line in block_code(page, number)), ""]


def page_text(page: int, slides: int, blocks: int) -> str:
    """One chapter: ``slides`` markers, ``blocks`` blocks spread over them, one figure."""
    name = f"chapitre_{page:02d}"
    title = f"Chapitre {page} — notions synthétiques"
    lines = [".. slide::", title, "=" * 12, ""]  # a short underline, as she writes them
    lines += [PROSE.format(page=page), ""]
    # The title's slide, then slides - 1 steps: blocks on the last ones, one per
    # slide, the figure on the second.
    code_slides = set(range(slides - blocks, slides))
    number = 0
    for slide in range(1, slides):
        lines += [".. slide::", f"{page}.{slide}. Étape {slide}", "-" * 8, ""]
        lines += [PROSE.format(page=page), ""]
        lines += ["- un premier point à retenir ;", "- un second point, plus long.", ""]
        if slide == 2:
            lines += [f".. image:: images/{name}.png", "   :alt: courbe", "   :width: 50%", ""]
        if slide in code_slides:
            number += 1
            lines += [f"Voici l'étape {number} du calcul :", "", *block(page, number)]
    return "\n".join(lines) + "\n"


def write_course(
    docs: Path, pages: int = PAGES, slides: int = SLIDES, blocks: int = BLOCKS
) -> list[Path]:
    """Replace the pages of ``docs`` (``.rst``, ``.md`` and figures) with the course.

    Keeps what is not a page (``_static``, ``locale``, ``requirements.txt``,
    ``data``) and the execution report's page, which a course has too. Returns
    the pages written, the index first.
    """
    if blocks >= slides:
        raise ValueError("one block per slide at most, the title's slide aside")
    for old in [*docs.glob("*.rst"), *docs.glob("*.md")]:
        if ".. execution-report::" not in old.read_text(encoding="utf-8"):
            old.unlink()
    images = docs / "images"
    shutil.rmtree(images, ignore_errors=True)
    images.mkdir()
    written = [docs / "index.rst"]
    names = [f"chapitre_{page:02d}" for page in range(1, pages + 1)]
    index = ["Cours synthétique", "=================", "", "Les chapitres du cours.", ""]
    index += [".. toctree::", "   :maxdepth: 1", "", *(f"   {name}" for name in names), ""]
    written[0].write_text("\n".join(index), encoding="utf-8")
    for page, name in enumerate(names, start=1):
        path = docs / f"{name}.rst"
        path.write_text(page_text(page, slides, blocks), encoding="utf-8")
        (images / f"{name}.py").write_text(
            FIGURE.format(page=page, scale=1 + page / 10), encoding="utf-8"
        )
        written.append(path)
    return written

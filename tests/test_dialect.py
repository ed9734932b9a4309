"""The Slidey dialect reader: pure unit tests, no Sphinx build."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from coursekit.core.dialect import HABITS, Problem, column_width, read_dialect
from coursekit.tools import fix

ROOT = Path(__file__).resolve().parents[1]
SEED = Path(__file__).parent / "data" / "chap2_seed.rst"


def page(text: str) -> str:
    """A page written inline in a test, without the common indentation."""
    return textwrap.dedent(text).lstrip("\n")


def check(source: str, expected: str, origins: list[int], habits: dict[str, int]) -> None:
    """Read ``source``; compare text, origins and habit counts; check idempotence."""
    reading = read_dialect(page(source))
    assert reading.text == page(expected)
    assert reading.origins == origins
    assert dict(reading.habits) == habits
    assert reading.problems == []
    again = read_dialect(reading.text)
    assert again.text == reading.text
    assert not again.habits


# -- each habit ---------------------------------------------------------------


def test_short_underline_is_lengthened_to_the_display_width():
    check(
        """
        Les fonctions d'activation
        =====

        📖 1. Perceptron multi-couches
        ---
        """,
        """
        Les fonctions d'activation
        ==========================

        📖 1. Perceptron multi-couches
        ------------------------------
        """,
        [1, 2, 3, 4, 5],
        {"short-underline": 2},
    )


def test_short_overline_and_underline_are_lengthened_together():
    check(
        """
        =====
        Chapitre 2 — Perceptron
        ===
        """,
        """
        =======================
        Chapitre 2 — Perceptron
        =======================
        """,
        [1, 2, 3],
        {"short-underline": 1},
    )


def test_column_width_counts_wide_characters_twice():
    assert column_width("📖 a") == 4
    assert column_width("é") == 1
    assert column_width("e\u0301") == 1


def test_title_right_after_slide_marker():
    check(
        """
        .. slide::
        Perceptron multi-couches
        ========================
        """,
        """
        .. slide::

        Perceptron multi-couches
        ========================
        """,
        [1, 1, 2, 3],
        {"title-after-slide": 1},
    )


def test_slide_marker_with_classes_and_short_underline():
    check(
        """
        .. slide:: dense
        1.2. Perceptron intuition
        ~~~~~~~~~~
        """,
        """
        .. slide:: dense

        1.2. Perceptron intuition
        ~~~~~~~~~~~~~~~~~~~~~~~~~
        """,
        [1, 1, 2, 3],
        {"title-after-slide": 1, "short-underline": 1},
    )


def test_text_right_after_slide_marker():
    check(
        """
        .. slide::
        Ensuite, pendant l'entraînement, on ajoute la loss.
        """,
        """
        .. slide::

        Ensuite, pendant l'entraînement, on ajoute la loss.
        """,
        [1, 1, 2],
        {"text-after-directive": 1},
    )


def test_directive_right_after_a_paragraph_line():
    check(
        """
        Voici le perceptron :
        .. image:: images/perceptron.png
           :width: 40%

        Et un commentaire :
        .. à revoir
        """,
        """
        Voici le perceptron :

        .. image:: images/perceptron.png
           :width: 40%

        Et un commentaire :

        .. à revoir
        """,
        [1, 1, 2, 3, 4, 5, 5, 6],
        {"markup-after-text": 2},
    )


def test_code_right_after_code_block_line():
    check(
        """
        .. code-block:: python
            import torch
            x = torch.ones(2)

        .. code:: bash
           :caption: installation
           pip install torch-summary
        """,
        """
        .. code-block:: python

            import torch
            x = torch.ones(2)

        .. code:: bash
           :caption: installation

           pip install torch-summary
        """,
        [1, 1, 2, 3, 4, 5, 6, 6, 7],
        {"code-after-directive": 2},
    )


def test_figure_caption_right_after_options():
    check(
        """
        .. figure:: images/xor.png
           :width: 50%
           La légende
        """,
        """
        .. figure:: images/xor.png
           :width: 50%

           La légende
        """,
        [1, 2, 2, 3],
        {"caption-after-options": 1},
    )


def test_content_right_after_note():
    check(
        """
        .. note::
            **Important** : la dimension de sortie doit correspondre.
        """,
        """
        .. note::

            **Important** : la dimension de sortie doit correspondre.
        """,
        [1, 1, 2],
        {"content-after-directive": 1},
    )


def test_note_with_text_on_its_line_keeps_its_continuation():
    source = page(
        """
        .. note:: Une remarque
           qui continue ici.
        """
    )
    assert read_dialect(source).text == source


def test_unindented_content_of_a_note_is_indented():
    check(
        """
        .. note::
        Remarque : une fonction d'activation seule ne suffit pas.
        Il faut empiler plusieurs couches.

        Suite.
        """,
        """
        .. note::

            Remarque : une fonction d'activation seule ne suffit pas.
            Il faut empiler plusieurs couches.

        Suite.
        """,
        [1, 1, 2, 3, 4, 5],
        {"unindented-content": 1},
    )


def test_list_right_after_a_paragraph_line():
    check(
        """
        Voici quatre fonctions :
        - sigmoïde ;
        - tanh.

        1. **Sigmoïde** : $$\\sigma(x)$$
           - Sortie comprise entre 0 et 1.
           - Classification binaire.
        """,
        """
        Voici quatre fonctions :

        - sigmoïde ;
        - tanh.

        1. **Sigmoïde** : $$\\sigma(x)$$

           - Sortie comprise entre 0 et 1.
           - Classification binaire.
        """,
        [1, 1, 2, 3, 4, 5, 5, 6, 7],
        {"list-after-paragraph": 2},
    )


def test_indented_list_right_after_a_paragraph_line():
    check(
        """
        où :
           - $$y$$ est la sortie,
           - $$W$$ les poids.
        """,
        """
        où :

           - $$y$$ est la sortie,
           - $$W$$ les poids.
        """,
        [1, 1, 2, 3],
        {"list-after-paragraph": 1},
    )


def test_lazy_list_continuation_is_indented():
    check(
        """
        - **Epoch** : passage complet
        sur les données.
        - **Batch** : sous-ensemble.
        """,
        """
        - **Epoch** : passage complet
          sur les données.
        - **Batch** : sous-ensemble.
        """,
        [1, 2, 3],
        {"lazy-continuation": 1},
    )


def test_text_right_after_a_block_quote():
    check(
        """
        Pourquoi ?

          Une moyenne proche de 0 aide.
        Suite du texte.
        """,
        """
        Pourquoi ?

          Une moyenne proche de 0 aide.

        Suite du texte.
        """,
        [1, 2, 3, 3, 4],
        {"text-after-block": 1},
    )


def test_unclosed_strong_is_escaped():
    check(
        """
        Un **perceptron** possède des **paramètres :
        les poids et le biais, et ``x ** 2`` reste du code.
        """,
        """
        Un **perceptron** possède des \\*\\*paramètres :
        les poids et le biais, et ``x ** 2`` reste du code.
        """,
        [1, 2],
        {"unclosed-strong": 1},
    )


def test_every_habit_is_described():
    assert all(desc and desc[0].islower() for desc in HABITS.values())


# -- literal content, nesting, standard reST ----------------------------------


def test_literal_content_is_untouched():
    source = page(
        """
        .. code-block:: python

            # .. slide::
            Titre
            ===
            texte
            - x
            .. note::
            a = b ** 2

        Exemple::

            Titre
            ==
            paragraphe
            - x

        .. math::

           x ** 2
           ===

        .. raw:: html

           <p>**</p>
           ---

        .. un commentaire
           Titre
           ==
        """
    )
    reading = read_dialect(source)
    assert reading.text == source
    assert not reading.habits
    assert reading.origins == list(range(1, len(source.splitlines()) + 1))


def test_nested_content_is_read_recursively():
    check(
        """
        .. spoiler::

            Voici la liste :
            .. discoverList::
            - un
            - deux

        .. step::

            Texte
            - a
        """,
        """
        .. spoiler::

            Voici la liste :

            .. discoverList::

            - un
            - deux

        .. step::

            Texte

            - a
        """,
        [1, 2, 3, 3, 4, 4, 5, 6, 7, 8, 9, 10, 10, 11],
        {"markup-after-text": 1, "text-after-directive": 1, "list-after-paragraph": 1},
    )


def test_code_block_inside_a_list_item():
    check(
        """
        - Installer :

          .. code-block:: bash
             pip install torch
        """,
        """
        - Installer :

          .. code-block:: bash

             pip install torch
        """,
        [1, 2, 3, 3, 4],
        {"code-after-directive": 1},
    )


STANDARD = """\
=======================
Chapitre 2 — Perceptron
=======================

.. slide::

Perceptron multi-couches
------------------------

Un paragraphe avec **gras**, *italique*, ``code`` et $$x^2$$.
Deuxième ligne du paragraphe.

- un élément
  sur deux lignes
- un autre

  * imbriqué

#. premier
#. second

terme
    sa définition
autre terme
    autre définition

.. note::

   Une note.

.. figure:: images/xor.png
   :width: 50%

   La légende.

.. code-block:: python
   :linenos:

   print("ok")

.. _cible:

+-----+-----+
| x₁  | x₂  |
+=====+=====+
| 0   | 1   |
+-----+-----+

-----

Fin :

    citation
"""


def test_standard_rest_is_unchanged():
    reading = read_dialect(STANDARD)
    assert reading.text == STANDARD
    assert not reading.habits
    assert reading.problems == []
    assert reading.origins == list(range(1, STANDARD.count("\n") + 1))


def test_empty_page():
    reading = read_dialect("")
    assert reading.lines == []
    assert reading.origins == []


# -- problems ------------------------------------------------------------------


def test_problems_carry_line_numbers():
    source = page(
        """
        Titre
        +++

        Un titre
        ~~~~~~~~=

        Du texte
        juste au-dessus
        D'un titre
        ==========

        - liste
        \t- indentée par une tabulation
        """
    )
    reading = read_dialect(source)
    lines = [p.line for p in reading.problems]
    assert lines == [5, 9, 13]
    assert all(isinstance(p, Problem) and p.message for p in reading.problems)
    assert "mixed" in reading.problems[0].message
    assert "tab" in reading.problems[2].message


def test_short_underline_of_a_foreign_character_is_a_problem():
    reading = read_dialect("Un long titre\n++++\n")
    assert [p.line for p in reading.problems] == [2]
    assert reading.text == "Un long titre\n++++\n"


# -- the real chapter ------------------------------------------------------------


def test_seed_chapter_counts():
    reading = read_dialect(SEED.read_text(encoding="utf-8"))
    assert reading.problems == []
    assert reading.habits["short-underline"] == 29
    # 38 slide markers glued to the next line, the note of §2.4, §4.4's code.
    assert reading.habits["title-after-slide"] + reading.habits["text-after-directive"] == 38
    assert reading.habits["unindented-content"] == 1
    assert reading.habits["code-after-directive"] == 1
    assert len(reading.origins) == len(reading.lines)
    assert reading.origins == sorted(reading.origins)
    again = read_dialect(reading.text)
    assert again.text == reading.text and not again.habits


def _docutils_messages(text: str) -> list[tuple[int, int | None, str]]:
    """Parse ``text`` with docutils, with Slidey and Sphinx directives as no-ops."""
    from docutils import nodes
    from docutils.core import publish_doctree
    from docutils.parsers.rst import Directive, directives

    class Generic(Directive):
        has_content = True
        optional_arguments = 1
        final_argument_whitespace = True
        option_spec = {  # noqa: RUF012 - docutils reads a plain dict
            name: directives.unchanged
            for name in [
                "linenos",
                "emphasize-lines",
                "caption",
                "name",
                "dedent",
                "force",
                "excerpt-of",
                "no-run",
                "timeout",
                "expect-error",
                "class",
                "maxdepth",
            ]
        }

        def run(self):
            return []

    # docutils' registry is global: restore it, so later Sphinx builds in this
    # process do not find these stand-ins.
    saved = directives._directives.copy()
    try:
        for name in ("slide", "code-block", "code", "sourcecode", "toctree", "discoverList"):
            directives.register_directive(name, Generic)
        doctree = publish_doctree(
            text,
            settings_overrides={
                "report_level": 5,
                "halt_level": 5,
                "warning_stream": io.StringIO(),
            },
        )
    finally:
        directives._directives.clear()
        directives._directives.update(saved)
    return [
        (msg["level"], msg.get("line"), msg.astext())
        for msg in doctree.findall(nodes.system_message)
        if msg["level"] >= 2
    ]


def test_docutils_reads_the_seed_without_warnings():
    reading = read_dialect(SEED.read_text(encoding="utf-8"))
    messages = [
        (level, line, text)
        for level, line, text in _docutils_messages(reading.text)
        # Known defect of the source: the two grid tables of §1.4 are
        # malformed (cells use wide characters); not a dialect habit.
        if "Malformed table" not in text
    ]
    assert messages == []


def test_docutils_complains_about_the_raw_seed():
    """The habits are real: docutils warns about the page before it is read."""
    messages = _docutils_messages(SEED.read_text(encoding="utf-8"))
    assert any("underline too short" in text for _, _, text in messages)


# -- the fix tool --------------------------------------------------------------


def test_fix_tool_rewrites_and_prints_a_diff(tmp_path, capsys):
    path = tmp_path / "chap.rst"
    path.write_text(".. slide::\nPerceptron multi-couches\n=====\n", encoding="utf-8")
    assert fix.main([str(path)]) == 0
    out = capsys.readouterr().out
    assert "\n+" + "=" * 24 + "\n" in out
    assert "title-after-slide" in out and "short-underline" in out
    assert path.read_text(encoding="utf-8") == (
        ".. slide::\n\nPerceptron multi-couches\n========================\n"
    )
    assert fix.main(["--check", str(path)]) == 0


def test_fix_tool_check_mode_writes_nothing(tmp_path, capsys):
    path = tmp_path / "chap.rst"
    source = "Voici :\n- un\n"
    path.write_text(source, encoding="utf-8")
    assert fix.main(["--check", str(path)]) == 1
    assert path.read_text(encoding="utf-8") == source
    out = capsys.readouterr().out
    assert "@@" in out and "list-after-paragraph" in out


def test_fix_tool_reports_problems(tmp_path, capsys):
    path = tmp_path / "chap.rst"
    path.write_text("Un long titre\n++++\n", encoding="utf-8")
    assert fix.main([str(path)]) == 1
    assert f"{path}:2: " in capsys.readouterr().out


def test_fix_tool_never_imports_sphinx(tmp_path):
    path = tmp_path / "chap.rst"
    path.write_text("Titre\n=====\n", encoding="utf-8")
    code = (
        "import sys, runpy; sys.argv = ['fix', '--check', sys.argv[1]];\n"
        "try:\n    runpy.run_module('coursekit.tools.fix', run_name='__main__')\n"
        "except SystemExit as e:\n    code = e.code\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('sphinx', 'docutils')]\n"
        "print(code, bad)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert result.stdout.strip() == "0 []"


@pytest.mark.parametrize("name", ["short-underline", "title-after-slide", "unclosed-strong"])
def test_habit_ids_are_stable(name):
    assert name in HABITS


def test_step_reset_with_its_content_glued_below():
    reading = read_dialect(".. step:: reset\n    Créez une liste de trois nombres.\n")
    assert reading.lines == [".. step:: reset", "", "    Créez une liste de trois nombres."]
    assert reading.origins == [1, 1, 2]


def test_strong_pairs_as_slidey_pairs_them():
    # Slidey pairs ** from the left: the first two make a bold, the last stays literal.
    reading = read_dialect("Attention : **le réseau calcule **les poids** en pratique.\n")
    assert reading.lines == ["Attention : **le réseau calcule** les poids\\*\\* en pratique."]
    assert reading.habits["unclosed-strong"] == 1
    # A bold across two lines keeps its line break.
    reading = read_dialect("Fin **gras \n**suite\n")
    assert reading.lines == ["Fin **gras** ", "suite"]

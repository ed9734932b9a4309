"""``$$…$$`` inside sentences becomes inline math; code is left alone."""

from __future__ import annotations

from coursekit.core.inline_math import rewrite_inline_math


def test_pairs_become_math_role_with_backslashes_kept():
    result = rewrite_inline_math("avec $$y = \\sigma(x_1*w_1 + b)$$ et $$x$$.\n")
    assert result.text == "avec :math:`y = \\sigma(x_1*w_1 + b)` et :math:`x`\\ .\n"
    assert result.count == 2
    assert result.problems == []


def test_math_touching_a_word_is_separated_with_an_escaped_space():
    result = rewrite_inline_math("l'$$x$$s\n")
    assert result.text == "l'\\ :math:`x`\\ s\n"


def test_code_blocks_literals_and_display_math_are_untouched():
    source = (
        "Texte ``$$a$$`` et :code:`$$b$$`.\n"
        "\n"
        ".. code-block:: python\n"
        "\n"
        "    s = '$$c$$'\n"
        "\n"
        ".. math::\n"
        "\n"
        "    $$d$$\n"
        "\n"
        "Exemple ::\n"
        "\n"
        "    $$e$$\n"
        "\n"
        "Fin $$f$$\n"
    )
    result = rewrite_inline_math(source)
    assert result.count == 1
    assert result.text == source.replace("$$f$$", ":math:`f`")


def test_directive_content_that_is_text_is_rewritten():
    source = ".. note::\n\n    Remarque $$x$$\n"
    assert rewrite_inline_math(source).text == ".. note::\n\n    Remarque :math:`x`\n"


def test_line_numbers_do_not_move_and_problems_name_the_line():
    source = "un\ndeux $$x\ntrois $$$$\n"
    result = rewrite_inline_math(source)
    assert result.text.count("\n") == source.count("\n")
    assert [line for line, _ in result.problems] == [2, 3]

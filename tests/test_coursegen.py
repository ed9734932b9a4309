"""coursegen: a synthetic course in the lecturer's dialect, built clean in both outputs."""

from __future__ import annotations

import collections
import re
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import assert_imports_no_sphinx

from coursekit.config import CODE_DIRECTIVES, SUMMARY_PATTERN
from coursekit.core.dialect import read_dialect
from coursekit.tools.coursegen import ANNEX, HELPER_OUTPUT, deck_slides, main, write_course

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"pages": 4, "markers": 12, "programs": 6}
MARKER = re.compile(r"^\.\. slide::(?: .*)?$", re.MULTILINE)
PROGRAM = re.compile(r"^\.\. code-block:: python\s*$", re.MULTILINE)


def count(pattern: re.Pattern[str], srcdir: Path) -> dict[str, int]:
    """Per page, how many lines of its source match ``pattern``."""
    return {
        page.stem: len(pattern.findall(page.read_text(encoding="utf-8")))
        for page in sorted(srcdir.glob("*.rst"))
    }


def programs_in(source: str) -> list[str]:
    """The code of each Python block of a page: the indented lines below its directive."""
    lines, codes = source.splitlines(), []
    for index, line in enumerate(lines):
        if PROGRAM.match(line):
            body = []
            for code in lines[index + 1 :]:
                if code.strip() and not code.startswith(" "):
                    break
                body.append(code)
            codes.append("\n".join(body).strip())
    return codes


def files(folder: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def slides_in(deck_page: Path) -> int:
    """``div.slides > section > section`` (or a top-level section that holds none)."""
    deck = BeautifulSoup(deck_page.read_text(encoding="utf-8"), "html.parser")
    return sum(
        len(outer.find_all("section", recursive=False)) or 1
        for outer in deck.select("div.slides > section")
    )


def test_a_small_course_builds_clean_in_the_text_and_the_deck(make_app, tmp_path):
    srcdir = tmp_path / "course"
    course = write_course(srcdir, **SMALL)
    markers = count(MARKER, srcdir)
    assert sum(markers.values()) == SMALL["markers"]
    assert sum(count(PROGRAM, srcdir).values()) == SMALL["programs"]
    pages = sorted(markers)
    assert pages == sorted(page.name for page in course.pages)

    text = make_app("html", srcdir=srcdir)
    text.build()
    assert text.warning.getvalue() == ""  # the annex is in no toctree: no warning either
    status = text.status.getvalue()
    text.cleanup()
    deck = make_app("revealjs", srcdir=srcdir)
    deck.build()
    assert deck.warning.getvalue() == ""
    deck.cleanup()

    for page in pages:
        assert (text.outdir / f"{page}.html").is_file(), page
    # Only pages with markers have a deck, one slide per marker.
    with_markers = sorted(page for page, n in markers.items() if n)
    assert sorted(p.stem for p in deck.outdir.glob("*.html")) == with_markers
    per_page = {page: slides_in(deck.outdir / f"{page}.html") for page in with_markers}
    assert per_page == {page: markers[page] for page in with_markers}
    assert sum(per_page.values()) == SMALL["markers"]
    assert per_page == {page: deck_slides(deck.outdir / f"{page}.html") for page in with_markers}

    # Every block ran (a page's blocks in its session); the text shows their outputs.
    summary = re.search(SUMMARY_PATTERN, status)
    assert summary is not None, status
    assert summary["statuses"] == f"{SMALL['programs']} ok"
    assert int(summary["blocks"]) == SMALL["programs"]
    assert int(summary["run"]) == int(summary["jobs"]) and summary["cached"] == "0"
    outputs = sum(
        len(BeautifulSoup(p.read_text("utf-8"), "html.parser").select("div.coursekit-output"))
        for p in text.outdir.glob("*.html")
    )
    assert outputs == SMALL["programs"]
    # The build read every habit the generator planted, and no other.
    read = re.search(r"Slidey habits read: (.*)$", status, re.MULTILINE).group(1)
    counts = {habit: int(n) for n, habit in (item.split(" ") for item in read.split(", "))}
    assert counts == dict(course.habits)

    # The figures the pages show were drawn; the helper script was left alone.
    shown = {
        name
        for page in srcdir.glob("*.rst")
        for name in re.findall(r"images/(\w+)\.png", page.read_text("utf-8"))
    }
    assert shown
    for name in shown:
        assert (srcdir / "images" / f"{name}.png").read_bytes().startswith(b"\x89PNG"), name
    assert not (srcdir / "images" / "make_data.png").exists()
    assert not list(tmp_path.rglob(HELPER_OUTPUT))
    assert not (Path.cwd() / HELPER_OUTPUT).exists()


def test_the_course_has_the_lecturers_size_and_is_the_same_for_a_seed(tmp_path):
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert main([str(first)]) == 0
    assert main([str(second), "--seed", "0"]) == 0
    assert main([str(other), "--seed", "1"]) == 0
    assert files(first) == files(second)
    assert files(first) != files(other)

    assert len(count(MARKER, first)) == 28
    assert sum(count(MARKER, first).values()) == 538
    programs = count(PROGRAM, first)
    assert sum(programs.values()) == 256
    assert count(MARKER, first)["index"] == 0
    # Each program is its own: no two alike (the cache would run them once).
    sources = [p.read_text("utf-8") for p in sorted(first.glob("*.rst"))]
    codes = [code for source in sources for code in programs_in(source)]
    assert len(codes) == 256
    assert len(set(codes)) == len(codes)
    # About 5 % take 0.5–1.5 s; none of the others loops long.
    assert sum(s.count("point fixe") for s in sources) == round(256 * 0.05)
    # One page, the annex, is in no toctree.
    index = (first / "index.rst").read_text("utf-8")
    listed = set(re.findall(r"^ {4}(\w+)$", index, re.MULTILINE))
    assert {p.stem for p in first.glob("*.rst")} - listed == {"index", ANNEX}
    # Every directive of the dialect is there.
    text = "\n".join(sources)
    for directive in (
        ".. step:: reset",
        "**Astuce :**\n.. spoiler::",
        ".. discoverList::",
        ".. center::",
        ".. textOnly::",
        ".. slideOnly::",
        ".. note::",
        ".. tip::",
        ".. success::",
        ".. youtube::",
        ".. poll::",
        ".. math::",
        "$$",
        ".. figure:: images/",
        ".. image:: images/",
    ):
        assert directive in text, directive


def test_the_toolkit_reads_every_habit_the_generator_plants(tmp_path):
    course = write_course(tmp_path / "course", seed=3)
    read: collections.Counter[str] = collections.Counter()
    for page in course.pages:
        reading = read_dialect(
            (tmp_path / "course" / f"{page.name}.rst").read_text("utf-8"), CODE_DIRECTIVES
        )
        assert reading.problems == [], page.name
        read += reading.habits
    assert read == course.habits
    assert len(course.habits) >= 10


def test_the_generator_imports_no_sphinx():
    assert_imports_no_sphinx("coursekit.tools.coursegen")


def test_it_writes_over_a_course_of_its_own_only(tmp_path, capsys):
    mine = tmp_path / "mine"
    assert main([str(mine), "--pages", "9", "--seed", "1"]) == 0
    small = [f"--{name}={value}" for name, value in SMALL.items()]
    assert main([str(mine), *small]) == 0  # fewer pages: the earlier ones are gone
    assert len(list(mine.glob("*.rst"))) == SMALL["pages"]
    fresh = tmp_path / "fresh"
    assert main([str(fresh), *small]) == 0
    assert files(mine) == files(fresh)

    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.rst").write_text("Mes notes\n=========\n", encoding="utf-8")
    assert main([str(other)]) == 2
    assert "holds no course written by this tool" in capsys.readouterr().err
    assert [p.name for p in other.iterdir()] == ["notes.rst"]

"""``:output:``: the numbers in the prose come from the runs, in the text and in the deck."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import copy_root, run_sphinx

from coursekit.config import SUMMARY_PATTERN
from coursekit.core.quoting import Reference, format_value, parse_reference

NNBSP = "\u202f"


def test_a_reference_names_a_job_an_expression_and_a_format():
    assert parse_reference("pertes[-1] | .3f") == Reference("", "pertes[-1]", ".3f")
    assert parse_reference("[seul] total") == Reference("seul", "total", "")
    assert parse_reference(" len(h) ") == Reference("", "len(h)", "")
    with pytest.raises(ValueError, match="not a format spec"):
        parse_reference("x | deux")
    with pytest.raises(ValueError, match="not a Python expression"):
        parse_reference("x +")


def test_numbers_are_written_the_french_way_in_french():
    assert format_value(0.125, "", "fr") == "0,125"
    assert format_value(3188, ",d", "fr") == f"3{NNBSP}188"
    assert format_value(3188, ",d", "en") == "3,188"
    assert format_value(0.25, ".1%", "fr") == f"25,0{NNBSP}%"
    assert format_value([5.193, 80.37], ".1f", "fr") == "[5,2 ; 80,4]"
    assert format_value("relu", "", "fr") == "relu"


def quoted(html: Path) -> list[str]:
    page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    return [span.get_text() for span in page.select("span.coursekit-quoted")]


def test_the_text_and_the_deck_quote_the_runs_and_follow_them(tmp_path):
    src = copy_root(tmp_path, "quoting")
    text = run_sphinx(src, tmp_path / "text")
    deck = run_sphinx(src, tmp_path / "deck", "revealjs")
    assert text.returncode == deck.returncode == 0, text.stderr + deck.stderr
    # Each sentence quotes the session right after the block above it.
    values = ["0,125", f"3{NNBSP}188", f"25,0{NNBSP}%", "[0,50 ; 0,25 ; 0,12]", "9,0", "45"]
    assert quoted(tmp_path / "text" / "index.html") == values
    assert quoted(tmp_path / "deck" / "index.html") == values
    # The program changes: the sentence changes with it.
    page = src / "index.rst"
    page.write_text(
        page.read_text("utf-8").replace("epochs = 3188", "epochs = 2000"), encoding="utf-8"
    )
    again = run_sphinx(src, tmp_path / "text")
    assert again.returncode == 0, again.stderr
    assert quoted(tmp_path / "text" / "index.html")[1] == f"2{NNBSP}000"
    assert re.search(SUMMARY_PATTERN, again.stdout)["run"] == "1"  # the session, not `seul`


def test_a_quote_without_a_value_is_an_error_at_its_line(tmp_path):
    src = copy_root(tmp_path, "quoting")
    page = src / "index.rst"
    source = page.read_text("utf-8")
    source = source.replace(":output:`[seul] total`", ":output:`[seul] totale`")
    source = source.replace("epochs | ,d", "epochs | virgule")
    page.write_text(source, encoding="utf-8")
    done = run_sphinx(src, tmp_path / "out")
    assert done.returncode != 0
    errors = re.findall(r"index\.rst:(\d+): ERROR: (.*)", done.stderr)
    assert errors == [
        (
            "14",
            "'virgule' is not a format spec (write one as in Python's format(): "
            "'.2f', 'd', ',d', '.1%') [docutils]",
        ),
        (
            "32",
            "':output:' cannot quote 'totale': NameError: name 'totale' is not defined "
            "[coursekit.output]",
        ),
    ], done.stderr


def test_the_text_and_the_deck_built_side_by_side_run_each_job_once(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    src = copy_root(tmp_path, "quoting")
    with ThreadPoolExecutor(max_workers=2) as pool:
        text = pool.submit(run_sphinx, src, tmp_path / "text")
        deck = pool.submit(run_sphinx, src, tmp_path / "deck", "revealjs")
        builds = [text.result(), deck.result()]
    assert all(build.returncode == 0 for build in builds), [b.stderr for b in builds]
    summaries = [re.search(SUMMARY_PATTERN, build.stdout) for build in builds]
    # The session and the program `seul`: each claimed and run by one build,
    # taken from the cache by the other.
    assert sum(int(found["run"]) for found in summaries) == 2
    assert quoted(tmp_path / "text" / "index.html") == quoted(tmp_path / "deck" / "index.html")

"""Frozen outputs: made by `make freeze` where a block can run, shown where it cannot.

The root ``test-frozen`` has a block marked ``:gpu: :freeze:`` and a page
whose fields mark every block so. A "machine with a GPU" is a build with
COURSEKIT_FAKE_GPU set; the other machine has none.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from bs4 import BeautifulSoup
from conftest import copy_root, run_sphinx

from coursekit.config import BUILD_DIR, FAKE_GPU, SUMMARY_PATTERN

GPU_MACHINE = {FAKE_GPU: "Fake H100"}
NO_GPU = {FAKE_GPU: ""}
STALE = (
    "frozen output is stale (the code changed since it was frozen); "
    "run `make freeze` on a machine with CUDA"
)


def summary(stdout: str) -> dict[str, str]:
    match = re.search(SUMMARY_PATTERN, stdout)
    assert match, stdout
    return match.groupdict()


def outputs(html: Path) -> list[str]:
    page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    return [box.get_text(" ", strip=True) for box in page.select("div.coursekit-output")]


def frozen_entries(src: Path) -> dict[str, dict]:
    """Each frozen result's origin, by key."""
    return {
        path.parent.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((src / "_frozen").glob("*/*/origin.json"))
    }


def forget_the_cache(src: Path) -> None:
    shutil.rmtree(src / BUILD_DIR / ".coursekit-cache", ignore_errors=True)


def test_frozen_on_a_gpu_machine_shown_on_another_then_stale(tmp_path):
    src = copy_root(tmp_path, "frozen")
    # 1. The machine with a GPU freezes: every block runs, the marked ones are stored.
    froze = run_sphinx(src, tmp_path / "gpu", "html", "-D", "coursekit_freeze=1", env=GPU_MACHINE)
    assert froze.returncode == 0, froze.stderr
    assert summary(froze.stdout)["run"] == "3"
    entries = frozen_entries(src)
    assert sorted(entry["where"] for entry in entries.values()) == [
        "index#sorties-figees",
        "page#session",
    ]
    assert {entry["device"] for entry in entries.values()} == {"cuda (Fake H100)"}
    assert all(entry["cuda"] is True for entry in entries.values())
    stored = {path.suffix for path in (src / "_frozen").rglob("*") if path.is_file()}
    assert stored <= {".txt", ".json", ".png"} and ".png" in stored

    # 2. A machine without a GPU and without the cache: the frozen outputs are
    # shown, with where they were made; only the ordinary block runs.
    forget_the_cache(src)
    cpu = run_sphinx(src, tmp_path / "cpu", env=NO_GPU)
    assert cpu.returncode == 0, cpu.stderr
    assert summary(cpu.stdout)["run"] == "1"
    index = outputs(tmp_path / "cpu" / "index.html")
    assert index[0].startswith("Sortie entraîné sur le GPU exécuté sur Fake H100")
    assert index[1] == "Sortie ordinaire"
    page = outputs(tmp_path / "cpu" / "page.html")
    assert page[1].startswith("Sortie dernière perte : 0.25")
    assert page[1].endswith("exécuté sur Fake H100")
    figure = BeautifulSoup((tmp_path / "cpu" / "page.html").read_text("utf-8"), "html.parser")
    (image,) = figure.select("div.coursekit-output img.coursekit-figure")
    assert (tmp_path / "cpu" / image["src"]).read_bytes().startswith(b"\x89PNG")
    report = (tmp_path / "cpu" / "rapport.html").read_text(encoding="utf-8")
    assert report.count("figé (Fake H100)") == 3

    # 3. Unchanged frozen code is never rerun, even where it could run.
    forget_the_cache(src)
    again = run_sphinx(src, tmp_path / "gpu-again", env=GPU_MACHINE)
    assert again.returncode == 0 and summary(again.stdout)["run"] == "1"

    # 4. The code changed, and this machine cannot run it: one clear error.
    index_rst = src / "index.rst"
    index_rst.write_text(
        index_rst.read_text(encoding="utf-8").replace("sur le GPU", "sur le GPU, 2 epochs"),
        encoding="utf-8",
    )
    stale = run_sphinx(src, tmp_path / "stale", env=NO_GPU)
    assert stale.returncode != 0
    errors = re.findall(r"(\S+):(\d+): ERROR: (.*)", stale.stderr)
    assert errors == [(str(index_rst), "12", f"{STALE} [coursekit.gpu]")], stale.stderr
    assert "Non exécuté : ce bloc nécessite un GPU" in outputs(tmp_path / "stale" / "index.html")[0]

    # 5. Freezing again replaces the stale entry; the store keeps what the pages use.
    refroze = run_sphinx(
        src, tmp_path / "gpu2", "html", "-D", "coursekit_freeze=1", env=GPU_MACHINE
    )
    assert refroze.returncode == 0, refroze.stderr
    assert len(frozen_entries(src)) == 2 and set(frozen_entries(src)) != set(entries)


def test_a_gpu_block_without_frozen_output_says_how_to_get_one(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "conf.py").write_text('extensions = ["coursekit"]\nlanguage = "fr"\n', "utf-8")
    (src / "index.rst").write_text(
        "Titre\n=====\n\n.. code-block:: python\n   :gpu:\n\n   print('cuda')\n", "utf-8"
    )
    done = run_sphinx(src, tmp_path / "out", env=NO_GPU)
    assert done.returncode != 0
    (error,) = re.findall(r"index\.rst:4: ERROR: (.*)", done.stderr)
    assert error.startswith("this block needs a GPU (:gpu:) and this machine has none; ")
    assert "make freeze" in error and "EXECUTOR=tcp://HOST:PORT" in error
    assert summary(done.stdout)["statuses"] == "1 no-gpu"


def test_a_frozen_block_never_frozen_asks_for_make_freeze(tmp_path):
    src = copy_root(tmp_path, "frozen")
    done = run_sphinx(src, tmp_path / "out", env=NO_GPU)
    assert done.returncode != 0
    errors = re.findall(r"(index|page)\.rst:(\d+): ERROR: (.*)", done.stderr)
    never = "this block has no frozen output yet; run `make freeze` on a machine with CUDA"
    assert errors == [
        ("index", "12", f"{never} [coursekit.gpu]"),
        ("page", "9", f"{never} [coursekit.gpu]"),
    ], done.stderr
    assert not (src / "_frozen").exists()

"""The real course, built once per test session with both builders."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import DOCS, ROOT

from coursekit.core.inline_math import rewrite_inline_math

CHAPTER = "chap2_perceptron"

EXPECTED_TITLES = [
    "Chapitre 2 — Perceptron multi-couches",
    "📖 1. Rappels sur les perceptrons",
    "1.2. Perceptron intuition",
    "1.3. Mise à jour des paramètres",
    "1.4. Exemples d’applications du perceptron simple",
    "1.4. Exemples d’applications du perceptron simple (suite)",
    "1.5. Faire un perceptron dans PyTorch",
    "📖 2. Fonction d’activation",
    "2.1. Équations des fonctions d’activation",
    "2.2. Représentation graphique des fonctions d’activation",
    "2.3. Les fonctions d’activation dans PyTorch",
    "2.4. Rôle de la fonction d’activation",
    "2.5. Exemple d’utilisation des fonctions d’activation",
    "2.6. Choisir la fonction d’activation adaptée",
    "📖 3. Epoch",
    "3.2 Pourquoi effectuer plusieurs epochs\u202f?",  # French spacing
    "📖 4. Normalisation et standardisation des données",
    "4.2. Exemple de normalisation avec PyTorch",
    "4.3. Standardisation",
    "4.4. Exemple de standardisation avec PyTorch",
    "4.5. Normalisation vs. Standardisation",
    "4.6. Ce qui est attendu après la standardisation",
    "📖 5. Réseaux de neurones multi-couches (MLP)",
    "5.2. Construction d’un MLP",
    "5.3. Construire un MLP simple avec torch.nn",
    "5.4. Construire un MLP avec une classe",
    "5.5. Résoudre XOR avec un MLP",
    "5.6. Standardisation et entraînement d’un MLP sur un exemple de régression",
    "5.7. Analyse des résultats de l’exemple de régression",
    "📖 6. Broadcasting",
    "6.2 Exemple de broadcasting pour centrer des données",
    "📖 7. Observer la loss et déterminer le nombre d’epochs",
    "7.1. Suivi de la loss (suite)",
    "7.1. Suivi de la loss (suite)",
    "7.2. Interprétation du résultat",
    "7.3. Early Stopping",
    "7.3. Early Stopping (suite)",
    "7.3. Early Stopping (suite)",
    "📖 8. Observer le modèle avec torch-summary et le temps de calcul avec torch.profiler",
    "8.1. Utiliser torchsummary (suite)",
    "8.2. Rôle du profiler",
    "8.3. Exemple d’utilisation du profiler pour l’exemple de régression",
    "8.3. Exemple d’utilisation du profiler pour l’exemple de régression (suite)",
    "🏋️ Travaux Pratiques 2",
]


def soup_of(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def html(site) -> Path:
    return site["html"].outdir


@pytest.fixture(scope="module")
def deck(site) -> Path:
    return site["revealjs"].outdir


@pytest.mark.parametrize("builder", ["html", "revealjs"])
def test_builds_with_zero_warnings(site, builder):
    build = site[builder]
    assert build.returncode == 0, build.stderr
    assert "WARNING" not in build.stderr and "ERROR" not in build.stderr, build.stderr


def test_deck_has_one_slide_per_marker(deck):
    source = (DOCS / f"{CHAPTER}.rst").read_text(encoding="utf-8")
    markers = len(re.findall(r"^\.\. slide::\s*$", source, flags=re.M))
    assert markers == 44
    soup = soup_of(deck / f"{CHAPTER}.html")
    slides = soup.select("div.slides > section")
    assert len(slides) == markers
    titles = [s.find(["h1", "h2"]).get_text(" ", strip=True) for s in slides]
    assert titles == EXPECTED_TITLES
    ids = [s.find("section")["id"] for s in slides]
    assert ids == [f"slide-{n}" for n in range(1, 45)]


def test_text_has_an_anchor_per_slide_and_no_visible_marker(html):
    soup = soup_of(html / f"{CHAPTER}.html")
    anchors = soup.select("a.coursekit-slide-link")
    assert [a["id"] for a in anchors] == [f"slide-{n}" for n in range(1, 45)]
    assert "slide::" not in soup.get_text()


@pytest.mark.parametrize("page", [CHAPTER, "TP_chap2"])
def test_every_slide_link_finds_its_target_both_ways(html, deck, page):
    text = soup_of(html / f"{page}.html")
    slides = soup_of(deck / f"{page}.html")
    to_deck = text.select("a.coursekit-slide-link")
    to_text = slides.select("p.coursekit-text-link a")
    sections = slides.select("div.slides > section > section")
    assert len(to_deck) == len(to_text) == len(sections) > 0
    parsed: dict[Path, BeautifulSoup] = {}  # each target page parsed once

    def target(path: Path) -> BeautifulSoup:
        if path not in parsed:
            parsed[path] = soup_of(path)
        return parsed[path]

    for link in to_deck:
        path, anchor = link["href"].split("#/")
        assert target((html / path).resolve()).find("section", id=anchor) is not None, link["href"]
    for link in to_text:
        path, anchor = link["href"].split("#")
        assert target((deck / path).resolve()).find(id=anchor) is not None, link["href"]


@pytest.mark.parametrize("output", ["html", "deck"])
def test_every_dollar_pair_became_inline_math(output, html, deck):
    root = html if output == "html" else deck
    source = (DOCS / f"{CHAPTER}.rst").read_text(encoding="utf-8")
    expected = rewrite_inline_math(source).count
    assert expected >= 40
    soup = soup_of(root / f"{CHAPTER}.html")
    inline = soup.select("span.math")
    assert len(inline) == expected
    assert all(s.get_text().startswith("\\(") for s in inline)
    assert "$$" not in soup.get_text()
    display = soup.select("div.math")
    assert len(display) == 4  # the four ``.. math::`` blocks


def test_no_page_loads_anything_from_the_network(html):
    pages = sorted(html.rglob("*.html"))
    assert any(p.parent.name == "slides" for p in pages)
    remote = re.compile(r"^(https?:)?//")
    stylesheets: set[Path] = set()
    for page in pages:
        soup = soup_of(page)
        for tag in soup.find_all("script", src=True):
            assert not remote.match(tag["src"]), (page, tag["src"])
        for tag in soup.find_all("link", href=True):
            if {"stylesheet", "preload", "modulepreload"} & set(tag.get("rel", [])):
                assert not remote.match(tag["href"]), (page, tag["href"])
            if tag.get("rel") == ["stylesheet"]:
                stylesheets.add((page.parent / tag["href"].split("?")[0]).resolve())
    seen = set()
    while stylesheets:
        css = stylesheets.pop()
        if css in seen:
            continue
        seen.add(css)
        text = css.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), css
        assert not re.search(r"@import\s+['\"](https?:)?//", text), css
        for target in re.findall(r"@import\s+(?:url\()?['\"]?([^'\")\s;]+)", text):
            stylesheets.add((css.parent / target).resolve())
    assert any(css.name == "white-contrast.css" for css in seen)


def test_math_is_served_locally(html, deck):
    for root in (html, deck):
        page = soup_of(root / f"{CHAPTER}.html")
        sources = [tag["src"] for tag in page.find_all("script", src=True)]
        # The local copy, with Sphinx's checksum (the file is in place before the pages).
        mathjax = [s for s in sources if "mathjax" in s]
        assert len(mathjax) == 1 and mathjax[0].startswith("_static/mathjax/tex-svg.js?v=")
        assert (root / "_static" / "mathjax" / "tex-svg.js").stat().st_size > 1_000_000


def test_the_three_figures_exist_and_are_shown(site, html):
    images = site["html"].project / "docs" / "images"
    for name in ("chap2_perceptron", "chap2_et_vs_xor", "chap2_fonctions_d_activation"):
        assert (images / f"{name}.png").stat().st_size > 10_000
        assert (images / f"{name}.py").exists()
        assert (html / "_images" / f"{name}.png").exists()
    soup = soup_of(html / f"{CHAPTER}.html")
    widths = [img.get("style", "") for img in soup.select("img")]
    assert widths and all("300%" not in w and "200%" not in w for w in widths)


def test_both_outputs_are_french(html, deck):
    for page in (html / "index.html", html / f"{CHAPTER}.html", deck / f"{CHAPTER}.html"):
        assert soup_of(page).html["lang"] == "fr"


def test_home_page_links_chapter_deck_and_tp(html):
    soup = soup_of(html / "index.html")
    hrefs = {a["href"].split("#")[0] for a in soup.select("article a[href]")}
    assert {f"{CHAPTER}.html", f"slides/{CHAPTER}.html", "TP_chap2.html"} <= hrefs
    for href in (f"{CHAPTER}.html", f"slides/{CHAPTER}.html", "TP_chap2.html"):
        assert (html / href).exists()


def test_text_has_copy_buttons_search_and_sidebar(html):
    soup = soup_of(html / f"{CHAPTER}.html")
    scripts = [tag["src"] for tag in soup.find_all("script", src=True)]
    assert any("clipboard" in s for s in scripts) and any("copybutton" in s for s in scripts)
    assert soup.select_one("form.sidebar-search-container") is not None
    assert soup.select_one(".sidebar-tree a[href='TP_chap2.html']") is not None
    assert (html / "searchindex.js").exists()


TP_SOLUTIONS = 7  # one per exercise (six) and one for "Pour aller plus loin"


def tp_glued(soup: BeautifulSoup) -> list[str]:
    """The numbers the TP's prose quotes from its run (myst-nb's glue roles), in order."""
    return [span.get_text() for span in soup.select("span.pasted-text")]


def french_number(text: str) -> float:
    return float(text.replace("\u202f", "").replace(",", "."))


def test_tp_is_executed_with_solutions_folded(html):
    soup = soup_of(html / "TP_chap2.html")
    solutions = soup.select("div.cell")
    assert len(solutions) == TP_SOLUTIONS
    for cell in solutions:
        assert "tag_hide-cell" in cell["class"]
        # One closed <details> holds the code and what it prints or draws.
        folded = cell.select_one("details.hide")
        assert folded is not None and not folded.has_attr("open")
        assert folded.select_one("div.cell_input") is not None
        assert folded.select_one("div.cell_output") is not None
    assert len(soup.select("div.cell_output")) == TP_SOLUTIONS
    # Nothing of what the programs print or draw is left in plain view.
    for output in soup.select("div.cell_output"):
        assert output.find_parent("details", class_="hide") is not None
    assert soup.select("div.cell_output img")  # the loss curves
    # The cells that glue numbers for the prose are not shown.
    assert "glue_fr" not in soup.get_text() and "myst_nb" not in soup.get_text()


def test_tp_answers_are_folded(html):
    soup = soup_of(html / "TP_chap2.html")
    article = soup.select_one("article")
    answers = [p for p in article.find_all("p") if p.get_text().startswith("Réponse")]
    assert len(answers) == 6  # exercises 1, 3, 4, 5, 6 and "Pour aller plus loin"
    for answer in answers:
        spoiler = answer.find_parent("details", class_="coursekit-spoiler")
        assert spoiler is not None and not spoiler.has_attr("open")
    glued = article.select("span.pasted-text")
    assert glued
    for number in glued:
        assert number.find_parent("details", class_="coursekit-spoiler") is not None
    # The old unfolded or wrong claims are gone.
    text = article.get_text()
    assert "quinze" not in text and "plus petite loss" not in text


def test_tp_prints_the_summary_table_once(html):
    soup = soup_of(html / "TP_chap2.html")
    assert soup.get_text().count("Trainable params: 193") == 1
    assert soup.get_text().count("Layer (type:depth-idx)") == 1


def test_tp_glued_numbers_are_what_its_programs_print(html):
    """The prose's numbers are pasted from the run: they agree with the printed outputs."""
    soup = soup_of(html / "TP_chap2.html")
    glued = tp_glued(soup)
    assert len(glued) == 21
    assert all(re.fullmatch(r"\d{1,3}(\u202f\d{3})*(,\d+)?", g) for g in glued), glued
    outputs = [box.get_text() for box in soup.select("div.cell_output")]
    means, stds = (
        [float(v) for v in re.search(rf"{label}\s*: tensor\(\[(.*?)\]\)", outputs[0])[1].split(",")]
        for label in ("moyennes", "écarts-types")
    )
    ratio_mean, ratio_std = glued[0:2]
    assert french_number(ratio_mean) == pytest.approx(means[0] / means[1], abs=0.05)
    assert french_number(ratio_std) == pytest.approx(stds[0] / stds[1], abs=0.05)
    assert glued[2] == "193" and "Trainable params: 193" in outputs[2]
    train_final, val_final = re.findall(r"(\d+\.\d{4}) à la fin", outputs[3])
    assert glued[6] == train_final.replace(".", ",")
    assert glued[7] == glued[11] == val_final.replace(".", ",")
    stop = re.search(r"Arrêt anticipé à l'epoch (\d+)", outputs[4]).group(1)
    best, best_epoch = re.search(r"validation : (\d\.\d{4}) \(epoch (\d+)\)", outputs[4]).groups()
    assert glued[8] == stop and glued[10] == best_epoch
    assert glued[9] == glued[14] == best.replace(".", ",")
    assert int(stop) - int(best_epoch) == 100  # "100 epochs après la meilleure loss"
    prediction = re.search(r"prédite : (\d+\.\d\d)", outputs[5]).group(1)
    test_loss = re.search(r"Loss de test : (\d\.\d{4})", outputs[5]).group(1)
    assert glued[12] == prediction.replace(".", ",")
    assert glued[13] == test_loss.replace(".", ",")
    assert glued[15] == glued[5]  # the test set's noise, quoted twice (its claims: test_examples)
    raw = re.search(r"Sans standardisation : (\d+\.\d) à l'epoch 0, (\d\.\d{4})", outputs[6])
    std = re.search(r"Avec standardisation : (\d+\.\d) à l'epoch 0, (\d\.\d{4})", outputs[6])
    assert french_number(glued[16]) == pytest.approx(float(raw.group(1)), abs=0.5)
    assert french_number(glued[17]) == pytest.approx(float(std.group(1)), abs=0.5)
    assert french_number(glued[18]) == pytest.approx(float(raw.group(2)), abs=5e-4)
    assert french_number(glued[20]) == pytest.approx(float(std.group(2)), abs=5e-4)
    assert french_number(glued[19]) == round(float(raw.group(2)) / float(std.group(2)))


def test_tp_deck_quotes_the_same_numbers_and_shows_no_output(html, deck):
    text, slides = soup_of(html / "TP_chap2.html"), soup_of(deck / "TP_chap2.html")
    assert tp_glued(slides) == tp_glued(text)
    assert slides.select("div.cell_output") == []
    assert "Trainable params" not in slides.get_text()
    # The deck runs the notebook too; its executed copy stays out of the published site.
    assert not (html / "jupyter_execute").exists()


def test_the_numbers_the_chapter_quotes_come_from_the_runs(html, deck):
    """§2.5, §5.7, §7.2, §7.3 and §8.3 quote their numbers with :output:, in both outputs."""
    number = re.compile(r"^\[?-?[\d\u202f]+(,\d+)?(e-\d+)?(\u202f%)?( ; -?[\d\u202f]+(,\d+)?)*\]?$")
    text = soup_of(html / f"{CHAPTER}.html")
    quoted = [span.get_text() for span in text.select("span.coursekit-quoted")]
    assert len(quoted) == 18, quoted
    assert all(number.match(value) for value in quoted), quoted
    assert ":output:" not in text.get_text()
    slides = [
        span.get_text()
        for span in soup_of(deck / f"{CHAPTER}.html").select("span.coursekit-quoted")
    ]
    assert slides == quoted
    # §2.5, from the printed sigmoid values.
    assert quoted[:4] == ["-1,5", "0,18", "0,5", "0,62"]


def test_outputs_appear_under_the_code_in_the_text(html):
    soup = soup_of(html / f"{CHAPTER}.html")
    outputs = soup.select("div.coursekit-output")
    assert len(outputs) == 12  # one per program
    for box in outputs:
        previous = box.find_previous_sibling()
        assert previous is not None
        assert "highlight" in " ".join(previous.get("class", [])) or previous.name == "details"
    assert "tensor([[0.1824]" in soup.get_text()  # §2.5's printed sigmoid values
    figures = soup.select("div.coursekit-output img.coursekit-figure")
    assert len(figures) == 1 + 1 + 2 + 2 + 2  # §5.5, §5.6, then two per full program
    for img in figures:
        assert (html / img["src"]).stat().st_size > 5_000


def test_excerpts_link_to_their_folded_complete_program(html):
    soup = soup_of(html / f"{CHAPTER}.html")
    links = soup.select("p.coursekit-excerpt-link a")
    assert len(links) == 8
    for link in links:
        target = soup.find(id=link["href"].lstrip("#"))
        assert target is not None and target.name == "details"
        assert not target.has_attr("open")
        assert "Programme complet" in target.summary.get_text()


def test_deck_shows_code_but_no_outputs_or_full_programs(deck):
    soup = soup_of(deck / f"{CHAPTER}.html")
    assert soup.select("div.coursekit-output") == []
    assert soup.select("details.coursekit-program") == []
    assert soup.select("p.coursekit-excerpt-link") == []
    assert len(soup.select("pre code.python")) == 17  # every Python block of the chapter


def test_execution_report_lists_every_program(html):
    soup = soup_of(html / "rapport_execution.html")
    rows = soup.select("table.coursekit-report tbody tr")
    # The chapter's 12 blocks, then the authoring guide's 9 (one shows an error on purpose).
    assert len(rows) == 21
    statuses, runs = [], []
    for row in rows:
        cells = [c.get_text(strip=True) for c in row.find_all("td")]
        statuses.append((cells[0], cells[3]))
        runs.append((cells[0], cells[2]))
        assert re.fullmatch(r"docs/\w+\.rst:\d+( \(\w+\))?", cells[1]), cells[1]
        assert cells[4].endswith(" s")
        assert cells[5].startswith(("cpu", "cuda"))
        assert cells[6] in {"oui", "non"}
    assert statuses.count(("chap2_perceptron", "réussi")) == 12
    assert statuses.count(("guide_auteur", "erreur attendue")) == 1
    # The chapter's blocks are the cells of one session; its full programs run alone.
    chapter = [run for page, run in runs if page == "chap2_perceptron"]
    assert chapter.count("seul") == 3
    assert [run for run in chapter if run != "seul"] == [
        f"session, cellule {n}" for n in range(1, 10)
    ]


def test_every_program_can_be_downloaded_as_script_and_notebook(html):
    import jupytext
    import nbformat

    soup = soup_of(html / f"{CHAPTER}.html")
    # The page's notebook: the percent script of examples/, and the same cells as .ipynb.
    archive = soup.select_one("p.coursekit-archive")
    assert archive.get_text().startswith("Le notebook de cette page : script .py · notebook .ipynb")
    py, ipynb, zipped_name = (a["href"] for a in archive.select("a"))
    session_script = ROOT / "examples" / CHAPTER / f"{CHAPTER}.py"
    assert (html / py).read_text(encoding="utf-8") == session_script.read_text(encoding="utf-8")
    notebook = nbformat.read(html / ipynb, as_version=4)
    nbformat.validate(notebook)
    from_script = jupytext.read(session_script)
    code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert code == [cell.source for cell in from_script.cells if cell.cell_type == "code"]
    assert len(code) == 9
    assert all(re.match(r"# docs/chap2_perceptron\.rst:\d+\n", c) for c in code)
    # The programs that run alone (the full programs) keep their own script and notebook.
    blocks = soup.select("p.coursekit-downloads:not(.coursekit-archive)")
    assert len(blocks) == 3
    examples = sorted((ROOT / "examples" / CHAPTER).glob("[0-9]*.py"))
    for block, script in zip(blocks, examples, strict=True):
        py, ipynb = (a["href"] for a in block.select("a"))
        assert (html / py).read_text(encoding="utf-8") == script.read_text(encoding="utf-8")
        notebook = nbformat.read(html / ipynb, as_version=4)
        nbformat.validate(notebook)
        code = script.read_text(encoding="utf-8").split("\n\n", 1)[1]
        assert notebook.cells[1].source == code.rstrip("\n")
    with zipfile.ZipFile(html / zipped_name) as zipped:
        names = zipped.namelist()
    assert len(names) == 2 + 3 * 2 and all(n.startswith(f"{CHAPTER}/") for n in names)


def test_a_downloaded_notebook_runs_with_the_same_result(html):
    """The page's .ipynb, run in Jupyter, prints and returns what the page shows, cell by cell."""
    import nbformat
    from nbclient import NotebookClient

    soup = soup_of(html / f"{CHAPTER}.html")
    notebook = nbformat.read(html / soup.select("p.coursekit-archive a")[1]["href"], as_version=4)
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    boxes = soup.select("div.coursekit-output.coursekit-session")
    assert len(cells) == len(boxes) == 9
    for cell, box in zip(cells, boxes, strict=True):
        printed = "".join(
            out.get("text", "") for out in cell.outputs if out.output_type == "stream"
        )
        shown = box.select_one("div.coursekit-stdout pre")
        assert printed == (shown.get_text() if shown else ""), cell.source[:60]
        drawn = [out for out in cell.outputs if "image/png" in out.get("data", {})]
        assert len(drawn) == len(box.select("img.coursekit-figure")), cell.source[:60]


def test_linkcheck_finds_every_internal_target(site):
    from coursekit.tools.sitecheck import check_site

    broken, external = check_site(site["html"].outdir)
    assert broken == []
    assert all(url.startswith("https://") for url in external)  # listed, never fetched


def test_chapter_and_tp_link_each_other_and_home_lists_the_handout(html):
    chapter = soup_of(html / f"{CHAPTER}.html").select_one("article")
    tp = soup_of(html / "TP_chap2.html").select_one("article")
    assert chapter.select_one("a[href='TP_chap2.html']") is not None
    assert tp.select_one(f"a[href='{CHAPTER}.html']") is not None
    home = soup_of(html / "index.html").select_one("article")
    # No handout in a fresh build: the home page says how to make it instead of a dead link.
    missing = home.select_one("span.coursekit-handout-missing")
    assert missing is not None and "make slides-pdf" in missing.get_text()

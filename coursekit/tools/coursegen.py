"""A synthetic course in the lecturer's Slidey dialect, to measure coursekit at course scale.

The lecturer's whole course is about 28 pages (8 chapters, 7 practical
sessions, chapter summaries, extra exercises), 538 ``.. slide::`` markers and
256 Python blocks; chapter 2 alone does not show how a build behaves with all
of them. This tool writes such a course into OUTDIR, deterministic for a
given seed:

- ``conf.py`` (sphinx-revealjs and coursekit, French, numpy preloaded);
- ``index.rst``, the lecturer's own index: authors centred, toctrees of the
  chapters, practical sessions, summaries and exercise pages;
- the pages, written as she writes them: short underlines, a marker glued to
  its title, directives, lists and code glued to the line above, captions
  right after the figure's options, French text; every directive of the
  dialect appears (``step``/``step:: reset`` in the TPs, ``spoiler`` after
  « **Astuce :** », ``discoverList``, ``center``, ``textOnly``/``slideOnly``,
  ``note``/``tip``/``success``, ``youtube``, ``poll``, ``math``, ``$$…$$``);
  one page (an annex) is in no toctree;
- exactly ``--markers`` markers and ``--programs`` Python code blocks, each a
  small self-contained program; about 5 % of them take 0.5–1.5 s (a numpy
  loop), so that scheduling matters;
- ``images/``: figure scripts ``NAME.py`` that draw the ``NAME.png`` pages
  show, and ``make_data.py``, a helper that writes fixed file names and
  raises if run (the build must leave it alone).

The generator counts the Slidey habits it writes: ``--bench`` sets them
beside the ones the build reports, so that a habit the toolkit misreads shows.

``--bench DIR`` writes the course into ``DIR/src`` (fresh), builds the text
and the deck side by side as ``make html`` does (strict, into ``DIR/html``
and ``DIR/html/slides``, with the program cache in ``DIR/cache``, empty at
the start), then rebuilds both with nothing changed, and prints a table.

Usage: python -m coursekit.tools.coursegen OUTDIR [--pages 28] [--markers 538]
           [--programs 256] [--seed 0]
       python -m coursekit.tools.coursegen --bench DIR [same options]
"""

from __future__ import annotations

import argparse
import collections
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from coursekit.config import DECK_BUILDERS, DECK_DIR, SUMMARY_PATTERN, TEXT_BUILDER
from coursekit.core.dialect import HABITS, column_width

# --- The course's shape ----------------------------------------------------------

#: How a page's share of the markers and of the programs is weighed, by kind.
MARKER_WEIGHT = {"index": 0, "chapter": 6, "tp": 3, "summary": 1, "exercises": 0, "annex": 1}
PROGRAM_WEIGHT = {"index": 0, "chapter": 4, "tp": 3, "summary": 0, "exercises": 2, "annex": 1}
#: The share of programs that take 0.5–1.5 s.
SLOW_SHARE = 0.05
#: The page in no toctree.
ANNEX = "annexe_notations"

TOPICS = [
    ("tenseurs", "Tenseurs et calcul vectoriel"),
    ("perceptron", "Perceptron multi-couches"),
    ("gradient", "Descente de gradient"),
    ("convolution", "Réseaux convolutifs"),
    ("regularisation", "Régularisation et généralisation"),
    ("recurrents", "Réseaux récurrents"),
    ("attention", "Attention et transformeurs"),
    ("autoencodeurs", "Auto-encodeurs"),
]
NOTIONS = [
    "le tenseur",
    "la fonction d'activation",
    "la loss",
    "le gradient",
    "le taux d'apprentissage",
    "la normalisation",
    "le mini-batch",
    "la couche cachée",
    "le biais",
    "la convolution",
    "le surapprentissage",
    "l'epoch",
    "la rétropropagation",
    "le jeu de validation",
    "la sortie du réseau",
    "le poids synaptique",
]
SECTION_PATTERNS = [
    "Définir {n}",
    "{N} pas à pas",
    "Visualiser {n}",
    "Calculer {n} avec NumPy",
    "Pourquoi {n} ?",
    "{N} : les pièges",
    "{N} en pratique",
    "Un premier exemple : {n}",
    "Interpréter {n}",
    "{N} et ses variantes",
    "Ce qu'il faut retenir sur {n}",
    "Mesurer {n}",
]
EMOJIS = ["📖 ", "💡 ", "🎯 ", "🧪 "]
SUBJECTS = [
    "Le réseau",
    "Le modèle",
    "Chaque neurone",
    "La fonction de perte",
    "L'optimiseur",
    "Le taux d'apprentissage",
    "La couche cachée",
    "Le gradient",
    "Un mini-batch",
    "La normalisation",
    "Cette méthode",
    "La couche de sortie",
    "Le jeu de validation",
    "Chaque epoch",
    "Le perceptron",
]
VERBS = [
    "ajuste",
    "calcule",
    "transforme",
    "mesure",
    "réduit",
    "compare",
    "combine",
    "propage",
    "stabilise",
    "accélère",
    "contrôle",
    "sépare",
]
OBJECTS = [
    "les poids du modèle",
    "l'erreur de prédiction",
    "les données d'entrée",
    "la sortie de chaque couche",
    "la vitesse de convergence",
    "les paramètres à chaque itération",
    "la distribution des activations",
    "la frontière de décision",
    "les exemples du jeu d'apprentissage",
    "la valeur de la loss",
    "le bruit des mesures",
    "les caractéristiques utiles",
]
CIRCUMSTANCES = [
    "à chaque itération",
    "pendant l'entraînement",
    "dès la première epoch",
    "sur le jeu de test",
    "avant la mise à jour",
    "en pratique",
    "dans la plupart des cas",
    "sans fonction d'activation",
    "grâce à la rétropropagation",
    "après la normalisation",
]
INLINE_MATH = [
    r"x_i",
    r"w_i",
    r"\sigma(x)",
    r"\eta",
    r"\mathcal{L}",
    r"\hat{y}",
    r"y = Wx + b",
    r"\nabla_\theta \mathcal{L}",
    r"\theta",
    r"0 < \sigma(x) < 1",
]
INLINE_CODE = ["np.mean", "x.shape", "np.exp", "range(10)", "len(notes)", "np.linspace", "x.sum()"]
FORMULAS = [
    r"\sigma(x) = \frac{1}{1 + e^{-x}}",
    r"\theta \leftarrow \theta - \eta \, \nabla_\theta \mathcal{L}(\theta)",
    r"\mathcal{L} = \frac{1}{n} \sum_{i=1}^{n} (y_i - \hat{y}_i)^2",
    r"\text{Softmax}(x_i) = \frac{e^{x_i}}{\sum_{j} e^{x_j}}",
    r"x'_i = \frac{x_i - \mu}{\sigma}",
    r"y = \sigma(Wx + b)",
    r"\text{ReLU}(x) = \max(0, x)",
]
INTROS = [
    "Voici un exemple :",
    "Le programme suivant le montre :",
    "Essayons avec NumPy :",
    "En Python, cela donne :",
    "Un petit programme pour vérifier :",
    "Regardons ce que cela donne :",
]
VIDEOS = [
    ("aircAruvnKk", "Mais qu'est-ce qu'un réseau de neurones ? (3Blue1Brown)"),
    ("IHZwWFHWa-w", "La descente de gradient (3Blue1Brown)"),
    ("Ilg3gGewQ5U", "La rétropropagation (3Blue1Brown)"),
    ("tIeHLnjs5U8", "Le calcul de la rétropropagation (3Blue1Brown)"),
]
POLLS = [
    ("Quelle fonction donne des sorties entre 0 et 1 ?", ["ReLU", "la sigmoïde", "tanh"]),
    (
        "Que se passe-t-il si le taux d'apprentissage est trop grand ?",
        ["la loss diverge", "rien", "l'entraînement ralentit"],
    ),
    ("Combien de paramètres a une couche 3 → 2 ?", ["six", "huit", "cinq"]),
    ("Une epoch, c'est :", ["un mini-batch", "un passage sur toutes les données", "un poids"]),
]
AUTHORS = ["**Claire Dubois**", "**Julien Marchand**"]
#: What a helper script writes when it runs (it must not, during a build).
HELPER_OUTPUT = "donnees_tp.csv"

# --- Figures ------------------------------------------------------------------------

FIGURE_HEAD = '''"""Dessine images/{name}.png (le chemin reçu en argument) : {what}."""

import sys

import matplotlib.pyplot as plt
import numpy as np

'''
FIGURE_TAIL = """
ax.grid(alpha=0.3)
fig.savefig(sys.argv[1], dpi=90, bbox_inches="tight", metadata={"Software": None})
"""
FIGURES = {
    "courbe_sigmoide": (
        "la sigmoïde et tanh",
        "La sigmoïde et la tangente hyperbolique.",
        "x = np.linspace(-6, 6, 200)\n"
        "fig, ax = plt.subplots(figsize=(6, 3.5))\n"
        'ax.plot(x, 1 / (1 + np.exp(-x)), label="sigmoïde")\n'
        'ax.plot(x, np.tanh(x), label="tanh")\n'
        "ax.legend()\n",
    ),
    "descente_gradient": (
        "les pas d'une descente de gradient",
        "Les pas successifs d'une descente de gradient sur une parabole.",
        "x = np.linspace(-3, 3, 200)\n"
        "pas = [2.5]\n"
        "for _ in range(8):\n"
        "    pas.append(pas[-1] - 0.3 * 2 * pas[-1])\n"
        "pas = np.array(pas)\n"
        "fig, ax = plt.subplots(figsize=(6, 3.5))\n"
        "ax.plot(x, x**2)\n"
        'ax.plot(pas, pas**2, "o-")\n',
    ),
    "nuage_points": (
        "deux classes de points",
        "Deux classes séparées par une droite.",
        "rng = np.random.default_rng(0)\n"
        "a = rng.normal([-1, -1], 0.5, size=(50, 2))\n"
        "b = rng.normal([1, 1], 0.5, size=(50, 2))\n"
        "fig, ax = plt.subplots(figsize=(5, 4))\n"
        "ax.scatter(*a.T)\n"
        "ax.scatter(*b.T)\n"
        'ax.plot([-2.5, 2.5], [2.5, -2.5], "k--")\n',
    ),
    "courbe_loss": (
        "la loss d'entraînement et de validation",
        "La loss d'entraînement baisse, celle de validation remonte : surapprentissage.",
        "epochs = np.arange(1, 51)\n"
        "fig, ax = plt.subplots(figsize=(6, 3.5))\n"
        'ax.plot(epochs, 1 / epochs**0.5, label="entraînement")\n'
        'ax.plot(epochs, 1 / epochs**0.5 + 0.002 * (epochs - 15) ** 2 / 10, label="validation")\n'
        "ax.legend()\n",
    ),
}
HELPER = f'''"""Aide de l'enseignante : écrit les données des TP sous des noms fixes.

Ce n'est pas un script de figure (aucune page ne montre images/make_data.png) :
la construction du site ne doit jamais le lancer.
"""

from pathlib import Path

Path("{HELPER_OUTPUT}").write_text("x,y\\n0,0\\n1,2\\n", encoding="utf-8")
raise SystemExit("make_data.py ne doit jamais tourner pendant une construction")
'''

#: The first line of the conf.py the tool writes: how it knows a course of its own.
SIGNATURE = "Un cours synthétique écrit par coursekit.tools.coursegen"
CONF = '''"""Un cours synthétique écrit par coursekit.tools.coursegen (graine {seed})."""

project = "Apprentissage profond — cours synthétique"
author = "Claire Dubois et Julien Marchand"
copyright = "2026, Claire Dubois et Julien Marchand"
language = "fr"

extensions = ["sphinx_revealjs", "coursekit"]
exclude_patterns = ["images/*.py"]

revealjs_use_section_ids = True
revealjs_script_plugins = [
    {{"name": "RevealHighlight", "src": "revealjs/plugin/highlight/highlight.js"}},
    {{"name": "RevealNotes", "src": "revealjs/plugin/notes/notes.js"}},
]

coursekit_preload = ["numpy"]
'''


@dataclass
class Page:
    """One page of the course and its share of markers and programs."""

    name: str
    kind: str  # index, chapter, tp, summary, exercises, annex
    number: int
    title: str
    markers: int = 0
    programs: int = 0
    in_toctree: bool = True


@dataclass
class Course:
    """What was written: the pages, the habits planted, the programs."""

    pages: list[Page]
    habits: collections.Counter[str] = field(default_factory=collections.Counter)
    slow: int = 0
    figures: list[str] = field(default_factory=list)

    @property
    def markers(self) -> int:
        return sum(page.markers for page in self.pages)

    @property
    def programs(self) -> int:
        return sum(page.programs for page in self.pages)


def spread(total: int, weights: list[float]) -> list[int]:
    """``total`` shared by ``weights`` (largest remainders); every positive weight
    gets at least one when there is enough to go round."""
    shares = [0] * len(weights)
    positive = [i for i, w in enumerate(weights) if w > 0]
    if not positive or total <= 0:
        return shares
    left = total
    if total >= len(positive):
        for i in positive:
            shares[i] = 1
        left -= len(positive)
    whole = sum(weights[i] for i in positive)
    exact = {i: left * weights[i] / whole for i in positive}
    for i in positive:
        shares[i] += int(exact[i])
    rest = total - sum(shares)
    by_remainder = sorted(positive, key=lambda i: (-(exact[i] - int(exact[i])), i))
    for i in by_remainder[:rest]:
        shares[i] += 1
    return shares


def plan(pages: int, markers: int, programs: int) -> list[Page]:
    """The course's pages, in order, with their markers and programs."""
    if pages < 3:
        raise ValueError("a course has at least 3 pages: the index, a chapter and the annex")
    n = pages - 2
    chapters = max(1, round(n * 8 / 26))
    tps = min(chapters, round(n * 7 / 26))
    exercises = round(n * 3 / 26)
    summaries = max(0, min(chapters, n - chapters - tps - exercises))
    exercises = n - chapters - tps - summaries
    result = [Page("index", "index", 0, "Cours d'apprentissage profond")]
    for k in range(1, chapters + 1):
        slug, topic = TOPICS[(k - 1) % len(TOPICS)]
        if k > len(TOPICS):
            slug, topic = f"{slug}{k}", f"{topic} (approfondissement)"
        result.append(Page(f"chap{k}_{slug}", "chapter", k, f"Chapitre {k} — {topic}"))
        if k <= tps:
            result.append(Page(f"tp{k}_{slug}", "tp", k, f"TP {k} — {topic}"))
        if k <= summaries:
            result.append(Page(f"resume_chap{k}", "summary", k, f"Résumé du chapitre {k}"))
    for k in range(1, exercises + 1):
        result.append(Page(f"exercices_{k}", "exercises", k, f"Exercices supplémentaires {k}"))
    result.append(Page(ANNEX, "annex", 0, "Annexe — Notations", in_toctree=False))
    marker_shares = spread(markers, [MARKER_WEIGHT[page.kind] for page in result])
    program_shares = spread(programs, [PROGRAM_WEIGHT[page.kind] for page in result])
    for page, on_slides, in_code in zip(result, marker_shares, program_shares, strict=True):
        page.markers, page.programs = on_slides, in_code
    return result


# --- Programs -----------------------------------------------------------------------


def _numbers(rng: random.Random, count: int, low: int, high: int) -> str:
    return ", ".join(str(rng.randint(low, high)) for _ in range(count))


def _program_notes(rng: random.Random) -> list[str]:
    return [
        f"notes = [{_numbers(rng, rng.randint(4, 8), 5, 20)}]",
        "moyenne = sum(notes) / len(notes)",
        "au_dessus = [n for n in notes if n > moyenne]",
        'print(f"moyenne : {moyenne:.2f}")',
        'print("au-dessus de la moyenne :", au_dessus)',
    ]


def _program_stats(rng: random.Random) -> list[str]:
    return [
        "import numpy as np",
        "",
        f"rng = np.random.default_rng({rng.randint(0, 999)})",
        f"x = rng.normal(loc={rng.randint(-5, 5)}.0, scale={rng.choice([0.5, 1.0, 2.0])}, "
        f"size={rng.choice([50, 100, 500])})",
        'print("moyenne :", round(float(x.mean()), 3))',
        'print("écart-type :", round(float(x.std()), 3))',
    ]


def _program_minmax(rng: random.Random) -> list[str]:
    rows = ", ".join(
        f"[{rng.randint(1, 9)}.0, {rng.randint(40, 70)}.0]" for _ in range(rng.randint(3, 5))
    )
    return [
        "import numpy as np",
        "",
        f"X = np.array([{rows}])",
        "X_min, X_max = X.min(axis=0), X.max(axis=0)",
        "X_norm = (X - X_min) / (X_max - X_min)",
        "print(X_norm.round(3))",
    ]


def _program_standardise(rng: random.Random) -> list[str]:
    return [
        "import numpy as np",
        "",
        f"x = np.array([{_numbers(rng, rng.randint(5, 8), 10, 90)}], dtype=float)",
        "z = (x - x.mean()) / x.std()",
        'print("centré réduit :", z.round(2))',
        'print("moyenne ≈", round(float(z.mean()), 6), "; écart-type ≈", round(float(z.std()), 6))',
    ]


def _program_descent(rng: random.Random) -> list[str]:
    target = rng.choice([1.5, 2.0, 3.0, -1.0])
    return [
        "w = 0.0",
        f"lr = {rng.choice([0.05, 0.1, 0.2])}",
        f"for epoch in range({rng.choice([20, 30, 40])}):",
        f"    grad = 2 * (w - {target})",
        "    w -= lr * grad",
        "    if epoch % 10 == 0:",
        '        print(f"epoch {epoch} : w = {w:.4f}")',
        'print("w final :", round(w, 4))',
    ]


def _program_sigmoid(rng: random.Random) -> list[str]:
    return [
        "import numpy as np",
        "",
        "",
        "def sigmoide(z):",
        "    return 1 / (1 + np.exp(-z))",
        "",
        "",
        f"z = np.linspace(-{rng.randint(2, 6)}, {rng.randint(2, 6)}, {rng.randint(4, 7)})",
        "for valeur, s in zip(z, sigmoide(z)):",
        '    print(f"sigma({valeur:+.1f}) = {s:.3f}")',
    ]


def _program_softmax(rng: random.Random) -> list[str]:
    scores = ", ".join(f"{rng.uniform(-2, 3):.1f}" for _ in range(rng.randint(3, 5)))
    return [
        "import numpy as np",
        "",
        f"scores = np.array([{scores}])",
        "exp = np.exp(scores - scores.max())",
        "probas = exp / exp.sum()",
        'print("probabilités :", probas.round(3))',
        'print("classe prédite :", int(probas.argmax()))',
    ]


def _program_forward(rng: random.Random) -> list[str]:
    n_in, n_out = rng.randint(2, 4), rng.randint(1, 3)
    return [
        "import numpy as np",
        "",
        f"rng = np.random.default_rng({rng.randint(0, 999)})",
        f"W = rng.normal(size=({n_out}, {n_in}))",
        f"b = np.zeros({n_out})",
        f"x = np.array([{', '.join(str(rng.randint(0, 3)) for _ in range(n_in))}], dtype=float)",
        "y = np.maximum(0, W @ x + b)  # ReLU",
        'print("sortie de la couche :", y.round(3))',
    ]


def _program_words(rng: random.Random) -> list[str]:
    words = ["le", "réseau", "apprend", "poids", "biais", "gradient", "la", "loss"]
    phrase = " ".join(rng.choice(words) for _ in range(rng.randint(6, 12)))
    return [
        f'phrase = "{phrase}"',
        "compte = {}",
        "for mot in phrase.split():",
        "    compte[mot] = compte.get(mot, 0) + 1",
        "for mot, n in sorted(compte.items(), key=lambda kv: (-kv[1], kv[0])):",
        '    print(f"{mot:10s} {n}")',
    ]


def _program_regression(rng: random.Random) -> list[str]:
    return [
        "import numpy as np",
        "",
        f"rng = np.random.default_rng({rng.randint(0, 999)})",
        f"x = np.linspace(0, 1, {rng.choice([20, 50, 100])})",
        f"y = {rng.randint(1, 5)} * x + {rng.randint(-3, 3)} + 0.1 * rng.normal(size=x.size)",
        "pente, ordonnee = np.polyfit(x, y, 1)",
        'print(f"pente : {pente:.3f}, ordonnée à l\'origine : {ordonnee:.3f}")',
    ]


def _program_batches(rng: random.Random) -> list[str]:
    return [
        "import numpy as np",
        "",
        f"indices = np.arange({rng.randint(10, 16)})",
        f"rng = np.random.default_rng({rng.randint(0, 999)})",
        "rng.shuffle(indices)",
        f"taille = {rng.randint(3, 5)}",
        "for numero, debut in enumerate(range(0, len(indices), taille)):",
        '    print(f"lot {numero} : {indices[debut:debut + taille].tolist()}")',
    ]


def _program_onehot(rng: random.Random) -> list[str]:
    k = rng.randint(3, 5)
    return [
        "import numpy as np",
        "",
        f"etiquettes = np.array([{_numbers(rng, rng.randint(4, 6), 0, k - 1)}])",
        f"one_hot = np.eye({k}, dtype=int)[etiquettes]",
        "print(one_hot)",
    ]


def _program_accuracy(rng: random.Random) -> list[str]:
    n = rng.randint(6, 12)
    return [
        f"vrais = [{_numbers(rng, n, 0, 1)}]",
        f"predits = [{_numbers(rng, n, 0, 1)}]",
        "justes = sum(v == p for v, p in zip(vrais, predits))",
        'print(f"exactitude : {justes / len(vrais):.0%}")',
    ]


def _program_fit(rng: random.Random) -> list[str]:
    return [
        "import numpy as np",
        "",
        f"rng = np.random.default_rng({rng.randint(0, 999)})",
        "x = rng.uniform(-1, 1, size=64)",
        f"y = {rng.randint(2, 4)} * x - 1",
        "w, b = 0.0, 0.0",
        f"for epoch in range({rng.choice([50, 100, 150])}):",
        "    erreur = w * x + b - y",
        "    w -= 0.1 * 2 * (erreur * x).mean()",
        "    b -= 0.1 * 2 * erreur.mean()",
        'print(f"w = {w:.3f}, b = {b:.3f}, loss = {(erreur ** 2).mean():.5f}")',
    ]


PROGRAMS = [
    _program_notes,
    _program_stats,
    _program_minmax,
    _program_standardise,
    _program_descent,
    _program_sigmoid,
    _program_softmax,
    _program_forward,
    _program_words,
    _program_regression,
    _program_batches,
    _program_onehot,
    _program_accuracy,
    _program_fit,
]


def _program_slow(rng: random.Random) -> list[str]:
    """0.5–1.5 s on a current core: a numpy loop over a million values."""
    steps = rng.randint(215, 480)
    return [
        "import numpy as np",
        "",
        "# Une longue itération : le point fixe de x -> sqrt(x² + 1) - x / 2",
        f"rng = np.random.default_rng({rng.randint(0, 999)})",
        "x = rng.random(1_000_000)",
        f"for _ in range({steps}):",
        "    x = np.sqrt(x * x + 1.0) - 0.5 * x",
        f'print(f"après {steps} itérations : {{x.mean():.6f}}")',
    ]


# --- Writing a page ---------------------------------------------------------------------


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


class PageWriter:
    """Writes one page in the lecturer's style; counts the habits it plants."""

    def __init__(self, rng: random.Random, habits: collections.Counter[str], label: str) -> None:
        self.rng = rng
        self.habits = habits
        self.label = label  # names the page's programs ("Chapitre 3 — programme 2")
        self.blocks: list[list[str]] = []
        self.programs = 0
        self.slow_left: list[bool] = []
        self.markers = 0

    # -- text ----------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def sentence(self) -> str:
        rng = self.rng
        obj = rng.choice(OBJECTS)
        if self.chance(0.12):
            obj = f"**{obj}**"
        text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {obj} {rng.choice(CIRCUMSTANCES)}"
        roll = rng.random()
        if roll < 0.2:
            text += f", avec $${rng.choice(INLINE_MATH)}$$"
        elif roll < 0.32:
            text += f" (voir ``{rng.choice(INLINE_CODE)}``)"
        return text + "."

    def paragraph(self, sentences: int | None = None) -> str:
        count = sentences or self.rng.randint(1, 3)
        text = " ".join(self.sentence() for _ in range(count))
        return text + " " if self.chance(0.1) else text  # her editor keeps trailing spaces

    def notion(self) -> str:
        return self.rng.choice(NOTIONS)

    def heading(self, title: str, char: str) -> list[str]:
        """A title and its underline: often exact, sometimes short (a habit)."""
        width = column_width(title)
        roll = self.rng.random()
        if roll < 0.35:
            length = self.rng.randint(3, max(3, min(width - 1, 8)))
        elif roll < 0.55:
            length = len(title)  # her editor's count: an emoji is one character
        else:
            length = width + self.rng.randint(0, 3)
        if length < width:
            self.habits["short-underline"] += 1
        return [title, char * length]

    def marker(self, title: str, char: str) -> list[str]:
        """``.. slide::`` then the slide's title, usually glued (a habit)."""
        self.markers += 1
        line = ".. slide::" if not self.chance(0.06) else ".. slide:: dense"
        if self.chance(0.12):
            return [line, "", *self.heading(title, char)]
        self.habits["title-after-slide"] += 1
        return [line, *self.heading(title, char)]

    def add(self, *lines: str) -> None:
        self.blocks.append(list(lines))

    def text(self) -> str:
        return "\n\n".join("\n".join(block) for block in self.blocks) + "\n"

    # -- blocks --------------------------------------------------------------------------

    def glued_after(self, intro: str, block: list[str]) -> list[str]:
        """``block`` (explicit markup) right after a line of text, or after a blank line."""
        if self.chance(0.6):
            self.habits["markup-after-text"] += 1
            return [intro, *block]
        return [intro, "", *block]

    def indented(self, text: str, directive: str, glue_content: bool) -> list[str]:
        """A directive and its indented content, glued (a habit) or not."""
        if glue_content:
            self.habits["content-after-directive"] += 1
            return [directive, f"   {text}"]
        return [directive, "", f"   {text}"]

    def para(self) -> None:
        self.add(self.paragraph())

    def bullet_list(self) -> None:
        rng = self.rng
        intro = rng.choice(["On retiendra :", "En résumé :", "Trois points à noter :", "Ainsi :"])
        items = []
        for _ in range(rng.randint(2, 4)):
            item = self.sentence()
            if self.chance(0.12):
                words = item.split(" ")
                cut = len(words) // 2
                items += [f"- {' '.join(words[:cut])}", " ".join(words[cut:])]
                self.habits["lazy-continuation"] += 1
            else:
                items.append(f"- {item}")
        if self.chance(0.6):
            self.habits["list-after-paragraph"] += 1
            self.add(intro, *items)
        else:
            self.add(intro, "", *items)

    def admonition(self, kind: str) -> None:
        content = self.paragraph(1)
        roll = self.rng.random()
        if roll < 0.3:
            intro = self.rng.choice(["Une remarque :", "À noter :", "Attention :", "Retenez :"])
            self.add(*self.glued_after(intro, [f".. {kind}::", "", f"   {content}"]))
        elif roll < 0.55:
            self.add(*self.indented(content, f".. {kind}::", True))
        elif roll < 0.75:
            self.habits["unindented-content"] += 1
            self.add(f".. {kind}::", content)
        else:
            self.add(f".. {kind}::", "", f"   {content}")

    def math(self) -> None:
        formula = self.rng.choice(FORMULAS)
        roll = self.rng.random()
        intro = self.rng.choice(["La formule s'écrit :", "On a :", "Soit :"])
        if roll < 0.35:
            self.add(*self.glued_after(intro, [".. math::", "", f"   {formula}"]))
        elif roll < 0.55:
            self.add(intro)
            self.add(*self.indented(formula, ".. math::", True))
        elif roll < 0.75:
            self.habits["text-after-directive"] += 1
            self.add(intro)
            self.add(".. math::", "", f"   {formula}", f"où {lower_first(self.sentence())}")
        else:
            self.add(intro)
            self.add(".. math::", "", f"   {formula}")

    def inline_math(self) -> None:
        a, b = self.rng.sample(INLINE_MATH, 2)
        self.add(f"On note $${a}$$ et $${b}$$ : {lower_first(self.sentence())}")

    def figure(self, name: str) -> None:
        caption = FIGURES[name][1]
        head = [f".. figure:: images/{name}.png", f"   :width: {self.rng.choice([50, 60, 70])}%"]
        if self.chance(0.5):
            head.append("   :align: center")
        if self.chance(0.7):
            self.habits["caption-after-options"] += 1
            self.add(*head, f"   {caption}")
        else:
            self.add(*head, "", f"   {caption}")

    def image(self, name: str) -> None:
        self.add(
            f".. image:: images/{name}.png",
            f"    :alt: {FIGURES[name][0]}",
            "    :align: center",
            f"    :width: {self.rng.choice([60, 80, 90])}%",
        )

    def discover_list(self) -> None:
        items = [f"   - {self.sentence()}" for _ in range(self.rng.randint(3, 4))]
        intro = self.rng.choice(["Les étapes :", "Dans l'ordre :", "Ce que fait le réseau :"])
        self.add(*self.glued_after(intro, [".. discoverList::", "", *items]))

    def text_and_slide(self) -> None:
        self.add(*self.indented(self.paragraph(3), ".. textOnly::", self.chance(0.3)))
        self.add(".. slideOnly::", "", f"   {self.sentence()}")

    def youtube(self) -> None:
        video, title = self.rng.choice(VIDEOS)
        argument = video if self.chance(0.7) else f"https://www.youtube.com/watch?v={video}"
        self.add(f".. youtube:: {argument}", f"   :title: {title}")

    def poll(self) -> None:
        question, choices = self.rng.choice(POLLS)
        self.add(".. poll::", "", f"   {question}", "", *(f"   - {c}" for c in choices))

    def notes(self) -> None:
        self.add(".. notes::", "", f"   Demander à la salle : {lower_first(self.sentence())}")

    def quote(self) -> None:
        self.habits["text-after-block"] += 1
        self.add(
            "Comme on le dit souvent :",
            "",
            "   « Apprendre, c'est généraliser. »",
            self.paragraph(1),
        )

    def unclosed_strong(self) -> None:
        self.habits["unclosed-strong"] += 1
        plain = self.sentence().replace("**", "")
        self.add(f"Attention : **{lower_first(plain)}")

    def steps(self) -> None:
        for index in range(self.rng.randint(2, 4)):
            directive = ".. step:: reset" if index == 0 else ".. step::"
            text = self.paragraph(1)
            roll = self.rng.random()
            if index > 0 and roll < 0.3:
                self.add(*self.indented(text, directive, True))
            elif index > 0 and roll < 0.5:
                self.habits["unindented-content"] += 1
                self.add(directive, text)
            else:
                self.add(directive, "", f"   {text}")

    def hint(self) -> None:
        hint = f"utilisez ``{self.rng.choice(INLINE_CODE)}``."
        self.habits["markup-after-text"] += 1
        roll = self.rng.random()
        if roll < 0.25:
            self.habits["content-after-directive"] += 1
            self.add("**Astuce :**", ".. spoiler::", f"   {hint}")
        elif roll < 0.4:
            self.habits["unindented-content"] += 1
            self.add("**Astuce :**", ".. spoiler::", hint[0].upper() + hint[1:])
        else:
            self.add("**Astuce :**", ".. spoiler::", "", f"   {hint}")

    def program(self) -> None:
        """One self-contained program, introduced by a line of text."""
        self.programs += 1
        slow = self.slow_left.pop(0) if self.slow_left else False
        body = (_program_slow if slow else self.rng.choice(PROGRAMS))(self.rng)
        code = [f"# {self.label} — programme {self.programs}", *body]
        lines = [f"    {line}" if line else "" for line in code]
        intro = self.rng.choice(INTROS)
        roll = self.rng.random()
        if roll < 0.35:
            self.habits["markup-after-text"] += 1
            self.habits["code-after-directive"] += 1
            block = [intro, ".. code-block:: python", *lines]
        elif roll < 0.7:
            self.habits["code-after-directive"] += 1
            block = [intro, "", ".. code-block:: python", *lines]
        else:
            block = [intro, "", ".. code-block:: python", "", *lines]
        if self.chance(0.12):
            self.habits["text-after-directive"] += 1
            block.append(f"La sortie montre que {lower_first(self.sentence())}")
        self.add(*block)


# --- Pages ------------------------------------------------------------------------------


def _section_titles(writer: PageWriter, count: int) -> list[tuple[str, str]]:
    """``count`` (title, underline character) pairs: sections ``-`` and subsections ``~``."""
    titles = []
    section = sub = 0
    for index in range(count):
        if index == 0 or writer.chance(0.3):
            section, sub = section + 1, 0
            number, char = f"{section}.", "-"
        else:
            sub += 1
            number, char = f"{section}.{sub}.", "~"
        notion = writer.notion()
        name = writer.rng.choice(SECTION_PATTERNS).format(n=notion, N=upper_first(notion))
        emoji = writer.rng.choice(EMOJIS) if char == "-" and writer.chance(0.3) else ""
        titles.append((f"{emoji}{number} {name}", char))
    return titles


def _share(writer: PageWriter, programs: int, segments: int) -> list[int]:
    """The programs of each of ``segments`` segments, spread evenly, shuffled."""
    if segments == 0:
        return []
    counts = spread(programs, [1.0] * segments)
    writer.rng.shuffle(counts)
    return counts


def _features(writer: PageWriter, wanted: list[str], segments: int) -> list[list[str]]:
    """The features each segment must show: every wanted one somewhere."""
    placed: list[list[str]] = [[] for _ in range(max(segments, 1))]
    slots = list(range(len(placed)))
    writer.rng.shuffle(slots)
    for index, feature in enumerate(wanted):
        placed[slots[index % len(slots)]].append(feature)
    return placed


FILLERS = ["para", "list", "note", "tip", "math", "inline_math", "important", "warning"]


def _segment(writer: PageWriter, features: list[str], programs: int, figure: str) -> None:
    """A slide's (or section's) body: text, its features, its programs."""
    writer.para()
    if not features and writer.chance(0.7):
        features = [writer.rng.choice(FILLERS)]
    for feature in features:
        if feature == "para":
            writer.para()
        elif feature == "list":
            writer.bullet_list()
        elif feature in ("note", "tip", "important", "warning", "success"):
            writer.admonition(feature)
        elif feature == "math":
            writer.math()
        elif feature == "inline_math":
            writer.inline_math()
        elif feature == "figure":
            writer.figure(figure)
        elif feature == "image":
            writer.image(figure)
        elif feature == "discover":
            writer.discover_list()
        elif feature == "textslide":
            writer.text_and_slide()
        elif feature == "youtube":
            writer.youtube()
        elif feature == "poll":
            writer.poll()
        elif feature == "notes":
            writer.notes()
        elif feature == "quote":
            writer.quote()
        elif feature == "strong":
            writer.unclosed_strong()
        elif feature == "hint":
            writer.hint()
        else:  # pragma: no cover - a typo in a feature list
            raise ValueError(feature)
    for _ in range(programs):
        writer.program()


def _segments(
    writer: PageWriter,
    page: Page,
    count: int,
    with_markers: bool,
    wanted: list[str],
    figures: list[str],
    titles: list[tuple[str, str]] | None = None,
) -> None:
    """``count`` segments (slides when ``with_markers``) sharing the page's programs."""
    titles = titles or _section_titles(writer, count)
    programs = _share(writer, page.programs - writer.programs, count)
    features = _features(writer, wanted, count)
    for index, (title, char) in enumerate(titles):
        head = writer.marker(title, char) if with_markers else writer.heading(title, char)
        writer.add(*head)
        figure = figures[index % len(figures)]
        _segment(writer, features[index], programs[index], figure)


def write_chapter(writer: PageWriter, page: Page, figures: list[str]) -> None:
    if page.markers:
        writer.add(*writer.marker(page.title, "="))
    else:
        writer.add(*writer.heading(page.title, "="))
    writer.para()
    objectives = [f"    - {writer.sentence()}" for _ in range(writer.rng.randint(3, 5))]
    writer.add(".. important::", "", "    À la fin de ce chapitre, vous saurez :", "", *objectives)
    wanted = ["figure", "image", "youtube", "poll", "textslide", "discover", "math", "success"]
    wanted += ["notes", "tip", "note", "inline_math", "list"]
    wanted += ["quote"] if writer.chance(0.5) else []
    wanted += ["strong"] if writer.chance(0.5) else []
    count = page.markers - 1 if page.markers else max(1, math.ceil(page.programs / 2))
    if count == 0:  # one marker: everything on the title slide
        _segment(writer, wanted, page.programs, figures[0])
        return
    _segments(writer, page, count, page.markers > 0, wanted, figures)


def write_tp(writer: PageWriter, page: Page, figures: list[str]) -> None:
    writer.add(*writer.heading(page.title, "="))
    writer.add(
        f"Ce TP met en pratique le chapitre {page.number}. {writer.paragraph(1)}",
    )
    count = page.markers or max(1, math.ceil(page.programs / 2))
    titles = []
    for k in range(1, count + 1):
        notion = writer.notion()
        name = writer.rng.choice(SECTION_PATTERNS).format(n=notion, N=upper_first(notion))
        clover = " 🍀" if writer.chance(0.2) else ""
        titles.append((f"Exercice {k} — {lower_first(name)}{clover}", "-"))
    programs = _share(writer, page.programs, count)
    for index, (title, char) in enumerate(titles):
        head = writer.marker(title, char) if page.markers else writer.heading(title, char)
        writer.add(*head)
        writer.para()
        writer.steps()
        if writer.chance(0.6):
            writer.hint()
        for _ in range(programs[index]):
            writer.program()


def write_summary(writer: PageWriter, page: Page, figures: list[str]) -> None:
    writer.add(*writer.heading(page.title, "="))
    names = ["L'essentiel", "Les formules à connaître", "Pour vérifier", "Pour aller plus loin"]
    count = max(page.markers, 1)
    titles = [(f"{k}. {names[(k - 1) % len(names)]}", "-") for k in range(1, count + 1)]
    wanted = ["discover", "math", "success", "poll", "inline_math", "textslide"]
    _segments(writer, page, count, page.markers > 0, wanted, figures, titles=titles)


def write_exercises(writer: PageWriter, page: Page, figures: list[str]) -> None:
    writer.add(*writer.heading(page.title, "="))
    writer.para()
    count = max(2, page.programs)
    programs = _share(writer, page.programs, count)
    for k in range(1, count + 1):
        writer.add(*writer.heading(f"Exercice {k}", "-"))
        writer.para()
        if writer.chance(0.7):
            writer.hint()
        if writer.chance(0.2):
            writer.add(*writer.indented(writer.paragraph(1), ".. textOnly::", False))
        for _ in range(programs[k - 1]):
            writer.program()


def write_annex(writer: PageWriter, page: Page, figures: list[str]) -> None:
    writer.add(*writer.heading(page.title, "="))
    writer.add(
        "Cette page n'est dans aucune table des matières : on y arrive par un lien "
        "donné en cours. Les données des TP viennent de ``images/make_data.py``."
    )
    count = max(page.markers, 1)
    titles = [(f"Notations {k}", "-") for k in range(1, count + 1)]
    _segments(
        writer, page, count, page.markers > 0, ["inline_math", "math"], figures, titles=titles
    )


def write_index(writer: PageWriter, pages: list[Page]) -> None:
    writer.add(*writer.heading(pages[0].title, "="))
    writer.add(
        ".. center::", "", f"   {' et '.join(AUTHORS)}", "", "   Année universitaire 2025–2026"
    )
    writer.add(
        "Bienvenue dans ce cours d'apprentissage profond. Chaque chapitre existe sous deux "
        "formes : un **texte** à lire et un **diaporama** projeté en cours."
    )
    links = []
    for page in pages:
        if page.kind == "chapter":
            deck = f" (:deck:`diaporama <{page.name}>`)" if page.markers else ""
            links.append(f"- :doc:`{page.name}`{deck}")
    writer.habits["list-after-paragraph"] += 1
    writer.add("Les chapitres :", *links)
    captions = {
        "chapter": "Chapitres",
        "tp": "Travaux pratiques",
        "summary": "Résumés",
        "exercises": "Exercices supplémentaires",
    }
    for kind, caption in captions.items():
        names = [page.name for page in pages if page.kind == kind and page.in_toctree]
        if not names:
            continue
        toctree = [".. toctree::", "    :maxdepth: 1", f"    :caption: {caption}", ""]
        toctree += [f"    {name}" for name in names]
        writer.add(*writer.glued_after(f"{caption} :", toctree))


WRITERS = {
    "chapter": write_chapter,
    "tp": write_tp,
    "summary": write_summary,
    "exercises": write_exercises,
    "annex": write_annex,
}
LABELS = {
    "chapter": "Chapitre {k}",
    "tp": "TP {k}",
    "summary": "Résumé {k}",
    "exercises": "Exercices {k}",
    "annex": "Annexe",
    "index": "Accueil",
}


def clear(outdir: Path) -> None:
    """Make room for a course: ``outdir`` is empty, or holds a course of this tool
    (whose pages and images go); anything else is refused."""
    if not outdir.is_dir() or not any(outdir.iterdir()):
        return
    conf = outdir / "conf.py"
    if not conf.is_file() or SIGNATURE not in conf.read_text(encoding="utf-8"):
        raise ValueError(f"{outdir} is not empty and holds no course written by this tool")
    for page in outdir.glob("*.rst"):
        page.unlink()
    shutil.rmtree(outdir / "images", ignore_errors=True)


def write_course(
    outdir: Path, pages: int = 28, markers: int = 538, programs: int = 256, seed: int = 0
) -> Course:
    """Write the course into ``outdir``: empty, or holding an earlier course of this tool."""
    clear(outdir)
    rng = random.Random(seed)
    course = Course(plan(pages, markers, programs))
    slow_count = round(programs * SLOW_SHARE)
    slow = set(rng.sample(range(programs), slow_count)) if programs else set()
    course.slow = slow_count
    outdir.mkdir(parents=True, exist_ok=True)
    images = outdir / "images"
    images.mkdir(exist_ok=True)
    (outdir / "conf.py").write_text(CONF.format(seed=seed), encoding="utf-8")
    for name, (what, _, body) in FIGURES.items():
        script = FIGURE_HEAD.format(name=name, what=what) + body + FIGURE_TAIL
        (images / f"{name}.py").write_text(script, encoding="utf-8")
    (images / "make_data.py").write_text(HELPER, encoding="utf-8")
    course.figures = list(FIGURES)
    figure_names = list(FIGURES)
    first_program = 0
    for page in course.pages:
        writer = PageWriter(rng, course.habits, LABELS[page.kind].format(k=page.number))
        writer.slow_left = [first_program + i in slow for i in range(page.programs)]
        if page.kind == "index":
            write_index(writer, course.pages)
        else:
            rotation = page.number % len(figure_names)
            WRITERS[page.kind](writer, page, figure_names[rotation:] + figure_names[:rotation])
        if writer.markers != page.markers or writer.programs != page.programs:
            raise AssertionError(
                f"{page.name}: wrote {writer.markers} markers and {writer.programs} programs, "
                f"planned {page.markers} and {page.programs}"
            )
        first_program += page.programs
        text = writer.text()
        (outdir / f"{page.name}.rst").write_text(text, encoding="utf-8")
    return course


# --- The bench -------------------------------------------------------------------------

#: What the bench writes in its folder, removed before each run.
BENCH_PARTS = ("src", "html", "doctrees", "cache", "logs")
SUMMARY = re.compile(SUMMARY_PATTERN)
UPDATING = re.compile(
    r"updating environment: (?:\[(?P<why>[^\]]*)\] )?(?P<added>\d+) added, (?P<changed>\d+) changed"
)
HABITS_READ = re.compile(r"Slidey habits read: (?P<habits>.*)$", re.MULTILINE)
PROBLEM = re.compile(r"\b(WARNING|ERROR|CRITICAL|SEVERE):")


@dataclass
class Build:
    """One sphinx-build run."""

    builder: str
    wall: float
    returncode: int
    output: str

    @property
    def problems(self) -> list[str]:
        return [line for line in self.output.splitlines() if PROBLEM.search(line)]

    @property
    def summary(self) -> dict[str, str | None] | None:
        found = SUMMARY.search(self.output)
        return found.groupdict() if found else None

    @property
    def reread(self) -> str:
        """How many pages the build read, and why when Sphinx says so."""
        found = UPDATING.search(self.output)
        if not found:
            return "?"
        pages = int(found.group("added")) + int(found.group("changed"))
        return f"{pages} ({found.group('why')})" if found.group("why") else str(pages)

    @property
    def habits(self) -> collections.Counter[str]:
        found = HABITS_READ.search(self.output)
        counts: collections.Counter[str] = collections.Counter()
        if found:
            for item in found.group("habits").split(", "):
                number, _, habit = item.strip().partition(" ")
                counts[habit] = int(number)
        return counts


class _DeckSlides(HTMLParser):
    """Counts the slides of a sphinx-revealjs page: ``div.slides > section > section``,
    or a top-level section that holds none."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []  # "slides", "div", "section"
        self.inner = 0
        self.slides = 0

    def _sections_in_deck(self) -> int | None:
        if "slides" not in self.stack:
            return None
        return self.stack[self.stack.index("slides") :].count("section")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            classes = (dict(attrs).get("class") or "").split()
            self.stack.append("slides" if "slides" in classes else "div")
        elif tag == "section":
            depth = self._sections_in_deck()
            if depth == 0:
                self.inner = 0
            elif depth == 1:
                self.inner += 1
            self.stack.append("section")

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("div", "section") or not self.stack:
            return
        closed = self.stack.pop()
        if closed == "section" and self._sections_in_deck() == 0:
            self.slides += max(self.inner, 1)


def deck_slides(page: Path) -> int:
    """How many slides a built deck page holds."""
    parser = _DeckSlides()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.slides


def sphinx_command(src: Path, builder: str, out: Path, doctrees: Path, cache: Path) -> list[str]:
    """sphinx-build as ``make html`` runs it (strict, serial), with this course's cache."""
    return [
        sys.executable,
        "-m",
        "sphinx",
        "-c",
        str(src),
        "-W",
        "--keep-going",
        "-j",
        "1",
        "-b",
        builder,
        "-d",
        str(doctrees / builder),
        "-D",
        f"coursekit_cache_dir={cache}",
        str(src),
        str(out),
    ]


def _run(builder: str, cmd: list[str], log: Path) -> Build:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    output = done.stdout + done.stderr
    log.write_text(output, encoding="utf-8")
    return Build(builder, wall, done.returncode, output)


def build_side_by_side(folder: Path, src: Path, name: str) -> tuple[dict[str, Build], float]:
    """The text and the deck built at the same time, as ``make html`` does."""
    html = folder / "html"
    outs = {TEXT_BUILDER: html, DECK_BUILDERS[0]: html / DECK_DIR}
    logs = folder / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            builder: pool.submit(
                _run,
                builder,
                sphinx_command(src, builder, out, folder / "doctrees", folder / "cache"),
                logs / f"{name}-{builder}.log",
            )
            for builder, out in outs.items()
        }
        builds = {builder: future.result() for builder, future in futures.items()}
    return builds, time.perf_counter() - start


def bench(folder: Path, pages: int, markers: int, programs: int, seed: int) -> int:
    """Generate the course afresh, build it cold then again; print the table."""
    folder = folder.resolve()
    for part in BENCH_PARTS:  # fresh: no sources, outputs or cached results of an earlier run
        shutil.rmtree(folder / part, ignore_errors=True)
    src = folder / "src"
    course = write_course(src, pages, markers, programs, seed)
    print(
        f"course written into {src}: {len(course.pages)} pages, {course.markers} markers, "
        f"{course.programs} programs ({course.slow} slow), seed {seed}",
        flush=True,
    )
    cold, cold_wall = build_side_by_side(folder, src, "cold")
    noop, _ = build_side_by_side(folder, src, "noop")

    html, decks = folder / "html", folder / "html" / DECK_DIR
    text_pages = sum((html / f"{page.name}.html").is_file() for page in course.pages)
    with_markers = [page for page in course.pages if page.markers]
    deck_pages = [decks / f"{page.name}.html" for page in with_markers]
    slides = sum(deck_slides(path) for path in deck_pages if path.is_file())
    text = cold[TEXT_BUILDER].summary or {}
    again = noop[TEXT_BUILDER].summary or {}
    read = cold[TEXT_BUILDER].habits
    problems = [line for build in (*cold.values(), *noop.values()) for line in build.problems]
    failed = [b for b in (*cold.values(), *noop.values()) if b.returncode != 0]
    workers = os.cpu_count() or 1

    rows: list[tuple[str, str, bool | None]] = [
        (
            "pages (text / decks)",
            f"{text_pages} / {sum(p.is_file() for p in deck_pages)} "
            f"(of {len(course.pages)} / {len(with_markers)})",
            text_pages == len(course.pages) and all(p.is_file() for p in deck_pages),
        ),
        ("slide markers", str(course.markers), None),
        ("slides in the decks", str(slides), slides == course.markers),
        (
            "code blocks (text build)",
            f"{text.get('blocks', '?')} of {course.programs} ({course.slow} slow)",
            text.get("blocks") == str(course.programs),
        ),
        (
            "jobs (page sessions, blocks alone)",
            f"{text.get('jobs', '?')} ({text.get('statuses', '?')})",
            None,
        ),
        (
            "cold: run / from cache",
            f"{text.get('run', '?')} / {text.get('cached', '?')}",
            text.get("cached") == "0" and text.get("run") == text.get("jobs"),
        ),
        (
            "no-op: run / from cache",
            f"{again.get('run', '?')} / {again.get('cached', '?')}",
            again.get("run") == "0",
        ),
        (
            "at most at once (cold)",
            f"{text.get('at_once') or '?'} ({workers} cores, coursekit_workers 0)",
            None,
        ),
        ("programs' own span (cold)", f"{text.get('seconds', '?')} s", None),
        ("warnings and errors", str(len(problems)), not problems and not failed),
        ("cold text (html)", f"{cold[TEXT_BUILDER].wall:.1f} s", None),
        ("cold deck (revealjs)", f"{cold['revealjs'].wall:.1f} s", None),
        ("cold, side by side", f"{cold_wall:.1f} s", None),
        ("no-op: pages re-read, text", noop[TEXT_BUILDER].reread, None),
        ("no-op: pages re-read, deck", noop[DECK_BUILDERS[0]].reread, None),
        (
            "no-op text / deck",
            f"{noop[TEXT_BUILDER].wall:.1f} s / {noop['revealjs'].wall:.1f} s",
            None,
        ),
    ]
    print()
    width = max(len(label) for label, _, _ in rows)
    for label, value, ok in rows:
        flag = "" if ok is None else ("  ok" if ok else "  MISSED")
        print(f"{label:<{width}}  {value}{flag}")
    print()
    print("Slidey habits (read by the text build / planted by the generator):")
    habits_ok = True
    for habit in HABITS:
        got, planted = read.get(habit, 0), course.habits.get(habit, 0)
        if got or planted:
            same = got == planted
            habits_ok &= same
            line = f"  {habit:<24} {got:>5} / {planted:<5}{'' if same else '  differs'}"
            print(line.rstrip())
    for line in problems[:20]:
        print(line)
    if len(problems) > 20:
        print(f"… {len(problems) - 20} more, in {folder / 'logs'}")
    for build in failed:
        print(f"{build.builder} build failed ({build.returncode}); log in {folder / 'logs'}")
    checks = [ok for _, _, ok in rows if ok is not None]
    return 0 if all(checks) and habits_ok else 1


def main(argv: list[str] | None = None) -> int:
    """Write the course (or bench it); return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m coursekit.tools.coursegen", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "outdir", type=Path, help="where to write the course (with --bench: the bench folder)"
    )
    parser.add_argument("--pages", type=int, default=28, help="pages, the index included")
    parser.add_argument("--markers", type=int, default=538, help=".. slide:: markers in all")
    parser.add_argument("--programs", type=int, default=256, help="Python code blocks in all")
    parser.add_argument("--seed", type=int, default=0, help="the same seed, the same files")
    parser.add_argument(
        "--bench",
        action="store_true",
        help="write into OUTDIR/src, build text and deck cold then no-op, print a table",
    )
    args = parser.parse_args(argv)
    if args.pages < 3 or args.markers < 0 or args.programs < 0:
        parser.error("--pages must be 3 or more, --markers and --programs 0 or more")
    try:
        if args.bench:
            return bench(args.outdir, args.pages, args.markers, args.programs, args.seed)
        course = write_course(args.outdir, args.pages, args.markers, args.programs, args.seed)
    except ValueError as error:
        print(f"coursegen: {error}", file=sys.stderr)
        return 2
    print(
        f"wrote {len(course.pages)} pages, {course.markers} markers, {course.programs} programs "
        f"({course.slow} slow) into {args.outdir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

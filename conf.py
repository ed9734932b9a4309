"""Sphinx configuration of the course: one source, an HTML text and a deck.

Sources are in docs/; this file sits at the top of the repository and the
Makefile passes ``-c .``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

project = "Apprentissage profond"
author = "L'équipe du cours"
copyright = "2026, L'équipe du cours"
language = "fr"

extensions = [
    "myst_nb",
    "sphinx_copybutton",
    "sphinx_revealjs",
    "coursekit",
]

exclude_patterns = ["images/*.py", "**/.ipynb_checkpoints", "_frozen"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
suppress_warnings: list[str] = []
locale_dirs = ["locale"]  # French for the theme's strings Sphinx does not translate

# --- HTML text ---------------------------------------------------------------
html_theme = "furo"
html_title = "Apprentissage profond — cours"
html_static_path = ["docs/_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = None
html_copy_source = False
html_show_sphinx = False
html_show_copyright = False

# --- Deck (sphinx-revealjs) --------------------------------------------------
# A light, high-contrast theme for lecture halls ("white" is the softer one).
revealjs_style_theme = "white-contrast"
revealjs_css_files = ["revealjs/plugin/highlight/monokai.css"]
revealjs_use_section_ids = True
# The slide's size and the font floors come from coursekit (declared once there).
revealjs_script_conf = {
    "margin": 0,
    "slideNumber": "c/t",
    "hash": True,
    "center": False,
    "transition": "none",
}
revealjs_script_plugins = [
    {"name": "RevealHighlight", "src": "revealjs/plugin/highlight/highlight.js"},
    {"name": "RevealNotes", "src": "revealjs/plugin/notes/notes.js"},
]

# --- Programs (coursekit) ---------------------------------------------------
# Imported once by the programs' warm zygote: every program, and the notebook
# pages' kernel, then starts warm. torch._dynamo: torch's optimizers import it
# when the first one is made (1.3 s, at every program that trains a model).
coursekit_preload = ["numpy", "torch", "torch.nn", "torch.optim", "torch._dynamo", "torchsummary"]
# Their versions shape what the programs print: part of every cached result's key.
coursekit_cache_packages = ["torch", "numpy", "matplotlib", "torch-summary", "pillow"]

# --- Notebooks (myst-nb) -----------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence"]
nb_execution_mode = "cache"
nb_execution_cache_path = str(ROOT / "_build" / ".jupyter_cache")
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_code_prompt_show = "Afficher le code"
nb_code_prompt_hide = "Masquer le code"

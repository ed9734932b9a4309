"""Page furniture: the words coursekit adds to pages, translated by Sphinx's locale.

Every such word is written in English in the code and marked with :data:`_`;
the catalogue ``coursekit/locale/<language>/LC_MESSAGES/coursekit.po`` ships
with the package. Sphinx reads compiled catalogues (``.mo``): they are
compiled from the ``.po`` when missing or older, so that only the source is
kept in the repository.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sphinx.locale import get_translation

if TYPE_CHECKING:
    from sphinx.application import Sphinx

DOMAIN = "coursekit"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"

#: Marks a string of page furniture; it is translated when it is used.
_ = get_translation(DOMAIN)


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> None:
    """Compile every ``coursekit.po`` whose ``.mo`` is missing or older.

    The ``.mo`` is written beside and renamed into place: two builds started
    together (the text and the deck) never read a half-written catalogue.
    """
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open(encoding="utf-8") as source:
            catalog = read_po(source, locale=po.parts[-3])
        handle, tmp = tempfile.mkstemp(dir=po.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalog)
        os.replace(tmp, mo)


def setup_furniture(app: Sphinx) -> None:
    """Ship the catalogue of coursekit's words."""
    compile_catalogues()
    app.add_message_catalog(DOMAIN, str(LOCALE_DIR))

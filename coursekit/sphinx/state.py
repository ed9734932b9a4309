"""The build's per-document state, kept in a domain of the environment.

As in ``sphinx.ext.todo``, a domain gives purge and merge for free: what a
page recorded (its programs, its excerpts, whether it must be read at every
build, its runs) is dropped when the page is read again, and merged back
from the processes of a parallel read. Nothing is stored on the Sphinx app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from sphinx.domains import Domain

if TYPE_CHECKING:
    from collections.abc import Set

    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

    from coursekit.core.programs import Excerpt, Program
    from coursekit.core.quoting import Quote

#: Per-document tables: docname -> value, purged and merged per document.
PER_DOCUMENT = ("programs", "excerpts", "habits", "decks", "quotes")
#: Build-wide tables, made anew by every build's execution phase (in the
#: main process, after any parallel read): docname -> this build's runs.
PER_BUILD = ("runs", "failed")


class CoursekitDomain(Domain):
    """coursekit's per-document records (no directives, no roles)."""

    name = "coursekit"
    label = "coursekit"
    initial_data: ClassVar[dict[str, Any]] = {
        "root": "",
        "rewrite": set(),
        **{table: {} for table in (*PER_DOCUMENT, *PER_BUILD)},
    }
    data_version = 4

    def clear_doc(self, docname: str) -> None:
        for table in PER_DOCUMENT:
            self.data[table].pop(docname, None)
        self.data["rewrite"].discard(docname)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for table in PER_DOCUMENT:
            for docname in docnames:
                if docname in otherdata[table]:
                    self.data[table][docname] = otherdata[table][docname]
        self.data["rewrite"] |= otherdata["rewrite"] & set(docnames)

    def resolve_any_xref(self, *args, **kwargs) -> list:
        return []

    # -- what the other modules read and write ---------------------------
    @property
    def root(self) -> str:
        """The project's top (conf.py's folder): messages name files from there."""
        return self.data["root"]

    def programs(self, docname: str) -> list[Program]:
        return self.data["programs"].setdefault(docname, [])

    def excerpts(self, docname: str) -> list[Excerpt]:
        return self.data["excerpts"].setdefault(docname, [])

    def quotes(self, docname: str) -> list[Quote]:
        """What the page's prose quotes from its runs (``:output:``)."""
        return self.data["quotes"].setdefault(docname, [])

    def all_programs(self) -> list[Program]:
        table = self.data["programs"]
        return [program for docname in sorted(table) for program in table[docname]]

    def all_excerpts(self) -> dict[str, list[Excerpt]]:
        return dict(sorted(self.data["excerpts"].items()))

    def rewrite(self, docname: str) -> None:
        self.data["rewrite"].add(docname)

    def to_rewrite(self) -> set[str]:
        return set(self.data["rewrite"])


def state(env: BuildEnvironment) -> CoursekitDomain:
    """The coursekit domain of ``env``."""
    return env.domains["coursekit"]  # type: ignore[return-value]


def remember_root(app: Sphinx) -> None:
    state(app.env).data["root"] = str(app.confdir)


def rewrite_every_build(env: BuildEnvironment) -> None:
    """Mark the page being read as one to write again at every build.

    Some pages show what a build found rather than what their source says
    (the execution report, the handout links). What they show is filled in
    when they are written (``doctree-resolved``), so they are written at every
    build, but never read again unless their source changed.
    """
    state(env).rewrite(env.docname)


def to_write(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """``env-get-updated``: the pages to write at every build."""
    return sorted(state(env).to_rewrite() & set(env.found_docs))


def setup_state(app: Sphinx) -> None:
    """Register the domain and the pages written again at every build."""
    app.add_domain(CoursekitDomain)
    app.connect("builder-inited", remember_root)
    app.connect("env-get-updated", to_write)

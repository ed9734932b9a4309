"""Pages read again at every build.

Some pages show what a build found rather than what their source says: the
execution report (this build's runs), the home page's handout links (whether
``make slides-pdf`` has made the PDFs). A directive or role on such a page
calls :func:`reread_every_build`, and the page is read, so written, each time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment


def reread_every_build(env: BuildEnvironment) -> None:
    """Mark the page being read as one to read again at every build."""
    env.coursekit_reread.add(env.docname)


def init_env(app: Sphinx) -> None:
    if not hasattr(app.env, "coursekit_reread"):
        app.env.coursekit_reread = set()


def purge_doc(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    env.coursekit_reread.discard(docname)


def merge_info(app: Sphinx, env: BuildEnvironment, docnames, other) -> None:
    env.coursekit_reread |= other.coursekit_reread & set(docnames)


def outdated(app: Sphinx, env: BuildEnvironment, added, changed, removed) -> list[str]:
    return sorted(env.coursekit_reread - set(removed))


def setup_rereading(app: Sphinx) -> None:
    """Keep the set of such pages in the environment, and report them outdated."""
    app.connect("builder-inited", init_env)
    app.connect("env-purge-doc", purge_doc)
    app.connect("env-merge-info", merge_info)
    app.connect("env-get-outdated", outdated)

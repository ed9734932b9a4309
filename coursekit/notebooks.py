"""Notebook pages (myst-nb): the kernel that executes them at build time.

The kernel runs on this machine and talks to Sphinx over loopback. ipykernel
logs a warning about unencrypted TCP at every start, which is noise in a
strict build; the build gives the kernel its own IPython directory (under the
build folder, never the user's ``~/.ipython``) whose kernel configuration logs
errors only.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx
    from sphinx.config import Config

KERNEL_CONFIG = """\
# Written by coursekit for notebook execution at build time.
c.IPKernelApp.log_level = "ERROR"
"""


def isolate_kernel_profile(app: Sphinx, config: Config) -> None:
    """Point the build's kernels at a profile of their own."""
    if "myst_nb" not in config.extensions:
        return
    ipython_dir = Path(app.doctreedir).parent / ".ipython"
    profile = ipython_dir / "profile_default"
    profile.mkdir(parents=True, exist_ok=True)
    target = profile / "ipython_kernel_config.py"
    if not target.exists() or target.read_text() != KERNEL_CONFIG:
        target.write_text(KERNEL_CONFIG)
    os.environ["IPYTHONDIR"] = str(ipython_dir)


def setup_notebooks(app: Sphinx) -> None:
    """Prepare notebook execution."""
    app.connect("config-inited", isolate_kernel_profile)

"""The Jupyter kernel a notebook page runs in, in a child forked from the
programs' zygote (its client is :mod:`coursekit.run.kernel`).

An ordinary ipykernel on the connection file it is given. The zygote imported
matplotlib (reading the matplotlibrc it found then: the kernel reads the one it
finds in its folder) and drew with Agg for the programs; a kernel shows figures inline,
as any kernel does (unless ``MPLBACKEND`` says otherwise): the backend is
switched once the kernel's shell exists, as at a fresh kernel's first figure.

This module knows nothing of Sphinx.
"""

from __future__ import annotations

import os
import sys

INLINE = "module://matplotlib_inline.backend_inline"


def run_kernel(argv: list[str]) -> int:
    """In the zygote's forked child: be the kernel of connection file ``argv[0]``,
    with the kernel options that follow.

    - The kernel leads a process group of its own, as a kernel Jupyter starts
      does: an interrupt (SIGINT, passed on by the client) and the lifeline's
      SIGTERM reach the processes the notebook started too.
    - Its parent is the zygote, not the process Jupyter started
      (``JPY_PARENT_PID``): ipykernel then watches for a parent that becomes
      init, and the zygote stays while it has children. The client's
      connection is the lifeline.
    """
    import importlib.util

    import matplotlib
    import matplotlib.pyplot as plt
    from ipykernel.kernelapp import IPKernelApp

    os.setsid()
    # As in a fresh kernel, where ipykernel sets MPLBACKEND before matplotlib is
    # imported (the zygote drew with Agg).
    backend = os.environ.setdefault("MPLBACKEND", INLINE)
    options = ["-f", argv[0], *argv[1:]]
    launcher = importlib.util.find_spec("ipykernel_launcher")
    sys.argv = [launcher.origin if launcher else "ipykernel_launcher", *options]
    # The matplotlibrc a fresh kernel would have read when it imported
    # matplotlib (the notebook's folder's, say): the zygote read its own.
    matplotlib.rc_file(matplotlib.matplotlib_fname())
    app = IPKernelApp.instance()
    app.initialize(options)
    # Once the kernel's shell exists, as at a fresh kernel's first figure:
    # matplotlib-inline, imported as the backend, hooks itself to the shell
    # (each cell's figures are shown under it, as PNG).
    matplotlib.rcParams["backend"] = backend
    plt.switch_backend(backend)
    app.start()
    return 0

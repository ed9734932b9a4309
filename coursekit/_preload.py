"""Imported once by the execution forkserver, before any program is forked.

Everything imported here is paid for once per build instead of once per
program. Nothing here may consume random numbers or create state that a
program could see.
"""

import contextlib
import os

os.environ["MPLBACKEND"] = "Agg"  # programs draw into files, never a window

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot
import numpy  # noqa: F401
import torch
import torch.nn
import torch.optim  # noqa: F401

with contextlib.suppress(ImportError):  # optional: only chapters that use it need it
    import torchsummary  # noqa: F401

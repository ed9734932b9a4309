"""Draws images/attend.png once the page after the one that shows it is read.

Were the reading held up by this figure, that page would never be read: the
script gives up after a minute, and the build fails.
"""

import sys
import time
from pathlib import Path

import matplotlib.pyplot as plt

read = Path(__file__).resolve().parents[1] / "_build" / "doctrees" / "second.doctree"
deadline = time.monotonic() + 60
while not read.exists():
    if time.monotonic() > deadline:
        raise SystemExit(f"{read} was not written while this figure was drawn")
    time.sleep(0.05)
plt.plot([0, 1, 2], [0, 1, 4])
plt.savefig(sys.argv[1])

"""Draws images/simple.png (the path it is given)."""

import sys

import matplotlib.pyplot as plt

plt.plot([0, 1], [0, 1])
plt.savefig(sys.argv[1])

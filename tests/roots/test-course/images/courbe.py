"""Draws images/courbe.png (the path it is given)."""

import sys

import matplotlib.pyplot as plt

plt.plot([0, 1, 2], [0, 1, 4])
plt.savefig(sys.argv[1])

"""Draws images/courbe_deux.png (the path it is given)."""

import sys

import matplotlib.pyplot as plt

plt.plot([0, 1, 2], [2, 1, 0])
plt.savefig(sys.argv[1])

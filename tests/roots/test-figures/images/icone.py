"""Draws images/icone.png (the path it is given): a small disc."""

import sys

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(0.5, 0.5))
ax.add_patch(plt.Circle((0.5, 0.5), 0.4))
ax.set_axis_off()
fig.savefig(sys.argv[1])

"""Draw AND and XOR as points in the plane: a line separates AND, none can separate XOR.

Usage: python chap2_et_vs_xor.py OUTPUT.png
"""

import sys

import matplotlib.pyplot as plt
import numpy as np

POINTS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
GATES = {"ET": [0, 0, 0, 1], "XOR": [0, 1, 1, 0]}
COLORS = {0: "#c0392b", 1: "#1f618d"}


def main(out: str) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.2))
    for ax, (name, labels) in zip(axes, GATES.items(), strict=True):
        for cls in (0, 1):
            pts = POINTS[np.array(labels) == cls]
            marker = "o" if cls == 0 else "s"
            ax.scatter(
                pts[:, 0],
                pts[:, 1],
                s=220,
                c=COLORS[cls],
                marker=marker,
                edgecolors="k",
                zorder=3,
                label=f"classe {cls}",
            )
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
        ax.set_xticks([0, 1])
        ax.set_yticks([0, 1])
        ax.set_xlabel("$x_1$", fontsize=13)
        ax.set_ylabel("$x_2$", fontsize=13)
        ax.set_aspect("equal")
        ax.grid(alpha=0.3)
        if name == "ET":
            xs = np.linspace(-0.5, 1.5, 2)
            ax.plot(xs, 1.5 - xs, "g--", lw=2.5, label="$x_1 + x_2 = 1{,}5$")
            ax.set_title("ET : une droite sépare les classes", fontsize=12)
        else:
            ax.set_title("XOR : aucune droite ne les sépare", fontsize=12)
        ax.legend(loc="upper left", fontsize=9, framealpha=0.9)
    fig.tight_layout()
    fig.savefig(out, dpi=120, metadata={"Software": None})


if __name__ == "__main__":
    main(sys.argv[1])

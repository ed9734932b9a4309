"""Draw the perceptron diagram of chapter 2: inputs, weights, sum with bias, activation, output.

Usage: python chap2_perceptron.py OUTPUT.png
"""

import sys

import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

INPUTS = [r"$x_1$", r"$x_2$", r"$\vdots$", r"$x_i$", r"$\vdots$", r"$x_n$"]
WEIGHTS = [r"$w_1$", r"$w_2$", None, r"$w_i$", None, r"$w_n$"]


def arrow(ax, start, end, **style):
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=18, lw=1.6, color="#333", **style
        )
    )


def main(out: str) -> None:
    fig, ax = plt.subplots(figsize=(9, 4.8))
    ax.set_xlim(0, 10)
    ax.set_ylim(-0.3, 6.3)
    ax.set_aspect("equal")
    ax.axis("off")

    sum_center = (5.0, 3.0)
    ys = [5.6, 4.6, 3.75, 2.9, 2.05, 1.2]
    for label, weight, y in zip(INPUTS, WEIGHTS, ys, strict=True):
        if weight is None:
            ax.text(1.0, y, label, ha="center", va="center", fontsize=18)
            continue
        ax.add_patch(Circle((1.0, y), 0.38, fc="#dbe9f6", ec="#1f4e79", lw=1.6))
        ax.text(1.0, y, label, ha="center", va="center", fontsize=16)
        arrow(ax, (1.4, y), (4.45, sum_center[1] + (y - 3.0) * 0.18))
        ax.text(2.9, y + (sum_center[1] - y) * 0.45 + 0.22, weight, fontsize=15, color="#b03a2e")

    ax.add_patch(Circle(sum_center, 0.55, fc="#fdebd0", ec="#a04000", lw=1.8))
    ax.text(*sum_center, r"$\Sigma$", ha="center", va="center", fontsize=22)
    ax.text(5.0, 1.95, r"$\sum_i w_i x_i + b$", ha="center", fontsize=13)
    arrow(ax, (5.0, 5.2), (5.0, 3.6))
    ax.text(5.0, 5.35, "biais $b$", ha="center", fontsize=14, color="#b03a2e")

    box = FancyBboxPatch(
        (6.3, 2.45), 1.3, 1.1, boxstyle="round,pad=0.05", fc="#d5f5e3", ec="#196f3d", lw=1.8
    )
    ax.add_patch(box)
    ax.text(6.95, 3.0, r"$\sigma$", ha="center", va="center", fontsize=22)
    ax.text(6.95, 2.0, "activation", ha="center", fontsize=12)
    arrow(ax, (5.55, 3.0), (6.3, 3.0))

    arrow(ax, (7.65, 3.0), (8.8, 3.0))
    ax.text(9.15, 3.0, "$y$", ha="center", va="center", fontsize=20)
    ax.text(1.0, 0.2, "entrées", ha="center", fontsize=12)

    fig.savefig(out, dpi=120, bbox_inches="tight", metadata={"Software": None})


if __name__ == "__main__":
    main(sys.argv[1])

"""Draw the sigmoid, tanh, ReLU and softmax curves of chapter 2.

Softmax acts on a vector: its curve shows the first output of softmax([x, 0]),
which is the sigmoid of x, next to the second output, 1 - sigmoid(x).

Usage: python chap2_fonctions_d_activation.py OUTPUT.png
"""

import sys

import matplotlib.pyplot as plt
import numpy as np

x = np.linspace(-5, 5, 401)


def softmax_pair(x):
    e = np.exp(np.stack([x, np.zeros_like(x)]))
    return e / e.sum(axis=0)


def main(out: str) -> None:
    fig, axes = plt.subplots(2, 2, figsize=(9, 6.4))
    curves = [
        ("Sigmoïde", [(1 / (1 + np.exp(-x)), r"$\sigma(x)$")], (-0.1, 1.1)),
        ("Tanh", [(np.tanh(x), r"$\tanh(x)$")], (-1.2, 1.2)),
        ("ReLU", [(np.maximum(0, x), r"$\max(0, x)$")], (-0.5, 5.2)),
        (
            "Softmax sur $[x, 0]$",
            [(softmax_pair(x)[0], "sortie 1"), (softmax_pair(x)[1], "sortie 2")],
            (-0.1, 1.1),
        ),
    ]
    for ax, (title, lines, ylim) in zip(axes.flat, curves, strict=True):
        for values, label in lines:
            ax.plot(x, values, lw=2.5, label=label)
        ax.set_title(title, fontsize=13)
        ax.set_ylim(*ylim)
        ax.axhline(0, color="k", lw=0.6)
        ax.axvline(0, color="k", lw=0.6)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=10, loc="upper left")
    fig.tight_layout()
    fig.savefig(out, dpi=120, metadata={"Software": None})


if __name__ == "__main__":
    main(sys.argv[1])

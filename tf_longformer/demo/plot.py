"""The demo's training-curve plot (matplotlib is optional: without it the plot is skipped)."""

from __future__ import annotations

from typing import Mapping, Sequence


def plot_training_curves(path: str, curves: Mapping[str, Mapping[str, Sequence[float]]]) -> str | None:
    """Writes a PNG: loss per step, raw and smoothed (left), and held-out accuracy per epoch (right), for each run.

    Args:
        path: the PNG to write.
        curves: `{run name: {"loss": per-step losses, "accuracy": per-epoch accuracies}}`.

    Returns:
        `path`, or None when matplotlib is not installed.
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for (name, curve), colour in zip(curves.items(), ("tab:blue", "tab:orange", "tab:green", "tab:red")):
        loss = list(curve["loss"])
        steps = range(1, len(loss) + 1)
        left.plot(steps, loss, color=colour, alpha=0.2, linewidth=0.8)
        left.plot(steps, smooth(loss), color=colour, label=name)
        accuracy = list(curve["accuracy"])
        right.plot(range(0, len(accuracy)), accuracy, color=colour, marker="o", label=name)
    left.set_xlabel("training step")
    left.set_ylabel("loss (cross entropy)")
    left.set_title("training loss per step (faint) and its moving average")
    right.set_xlabel("epoch")
    right.set_ylabel("held-out accuracy")
    right.set_ylim(0, 1.05)
    right.axhline(0.25, color="grey", linestyle=":", linewidth=1)
    right.axhline(0.5, color="grey", linestyle="--", linewidth=1)
    right.set_title("held-out accuracy (0.25 = chance, 0.5 = one end only)")
    for axis in (left, right):
        axis.legend()
        axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def smooth(values: Sequence[float], weight: float = 0.9) -> list[float]:
    """Exponential moving average, bias-corrected so that the first points are not pulled to 0."""
    smoothed, average = [], 0.0
    for count, value in enumerate(values, 1):
        average = weight * average + (1 - weight) * value
        smoothed.append(average / (1 - weight**count))
    return smoothed

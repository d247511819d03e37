"""Report-quality figures of runs, drawn with matplotlib's object API (no GUI, headless-safe).

Every ``draw_*`` function draws into a :class:`matplotlib.figure.Figure` it is given, from the
result dataclasses, so the same code draws saved PNGs (:func:`save_run_plots`, called during
training and by ``nnplug report``) and the live window of ``--display-graphs``.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from nnplug.metric import MetricScale
from nnplug.results import ExperimentResult, RepeatResult
from nnplug.files import safe_name, write_atomically
from nnplug.trainer import TrainingObserver

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
DPI = 120

CURVES_FILE = "curves.png"
MEMORY_FILE = "memory.png"


def confusion_file(exp_id: str) -> str:
    """File name of an experiment's confusion-matrix plot."""
    return f"confusion-{safe_name(exp_id)}.png"


def save_figure(figure: Figure, path: Path) -> Path:
    """Write ``figure`` as PNG at ``path`` atomically; return the path."""
    write_atomically(path, lambda handle: figure.savefig(handle, format="png", dpi=DPI), binary=True)
    return path


def describe(result: ExperimentResult) -> str:
    """A short label for an experiment: its id, model and optimizer with the learning rate."""
    plugins = result.config.get("plugins", {})
    model = plugins.get("model", {}).get("name")
    optimizer = plugins.get("optimizer", {})
    parts = [p for p in (model, optimizer.get("name")) if p]
    rate = optimizer.get("options", {}).get("learning_rate")
    text = ", ".join(parts) + (f" (lr {rate:g})" if isinstance(rate, (int, float)) else "")
    return f"{result.exp_id}: {text}" if text else result.exp_id


# ----------------------------------------------------------------------------- aggregation
def per_epoch(repeats: Sequence[RepeatResult], metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Epochs and the mean, min and max of ``metric`` over the repeats that measured it."""
    values: dict[int, list[float]] = {}
    for repeat in repeats:
        for metrics in repeat.epochs:
            value = getattr(metrics, metric)
            if value is not None and math.isfinite(value):
                values.setdefault(metrics.epoch, []).append(value)
    epochs = np.array(sorted(values), dtype=int)
    stacked = [np.array(values[e]) for e in epochs]
    mean = np.array([v.mean() for v in stacked])
    low = np.array([v.min() for v in stacked])
    high = np.array([v.max() for v in stacked])
    return epochs, mean, low, high


# ----------------------------------------------------------------------------- curves
def draw_curves(figure: Figure, experiments: Sequence[ExperimentResult], title: str = "") -> None:
    """Cost and metric per epoch: training solid, dev dashed, min–max band over repeats, early-stopping markers.

    The metric's axis is named after the experiments' metric and uses its range: percents on a
    0-100% axis for accuracies, a free axis for unbounded metrics (R² can be negative).
    """
    figure.clear()
    cost_axes, metric_axes = figure.subplots(1, 2)
    scale = common_scale(experiments)
    factor = 100.0 if scale.percent else 1.0
    any_band = any_stop = False
    handles: list[Any] = []
    longest = max((len(r.epochs) for result in experiments for r in result.repeats), default=0)
    for index, result in enumerate(experiments):
        color = COLORS[index % len(COLORS)]
        repeats = [r for r in result.repeats if r.epochs]
        if not repeats:
            continue
        many = len(repeats) > 1
        any_band |= many
        for axes, prefix in ((cost_axes, "cost"), (metric_axes, "metric")):
            for partition, style in (("training", "-"), ("dev", "--")):
                epochs, mean, low, high = per_epoch(repeats, f"{partition}_{prefix}")
                if len(epochs) == 0:
                    continue
                times = factor if prefix == "metric" else 1.0
                marker = "o" if longest <= 25 else None
                face = color if partition == "training" else "white"
                axes.plot(epochs, mean * times, style, color=color, marker=marker, markersize=4, markerfacecolor=face, linewidth=1.6)
                if many:
                    axes.fill_between(epochs, low * times, high * times, color=color, alpha=0.15, linewidth=0)
            for repeat in repeats:
                if repeat.early_stopping_epoch is None:
                    continue
                any_stop = True
                epochs, mean, _, _ = per_epoch(repeats, f"dev_{prefix}")
                where = np.flatnonzero(epochs == repeat.early_stopping_epoch)
                if len(where):
                    y = mean[where[0]] * (factor if prefix == "metric" else 1.0)
                    axes.axvline(repeat.early_stopping_epoch, color=color, linewidth=0.9, alpha=0.6, linestyle=":")
                    axes.plot([repeat.early_stopping_epoch], [y], marker="v", color=color, markeredgecolor="black",
                              markersize=10, linestyle="none", zorder=5)
        label = describe(result) + (f" — mean of {len(repeats)} repeats" if many else "")
        handles.append(Line2D([], [], color=color, linewidth=2, label=label))
    marker = "o" if longest <= 25 else None
    handles.append(Line2D([], [], color="black", linestyle="-", marker=marker, markersize=4, label="training"))
    handles.append(Line2D([], [], color="black", linestyle="--", marker=marker, markersize=4, markerfacecolor="white", label="dev"))
    if any_band:
        handles.append(Patch(color="gray", alpha=0.3, label="min–max over repeats"))
    if any_stop:
        handles.append(Line2D([], [], marker="v", color="white", markeredgecolor="black", linestyle="none", markersize=10,
                              label="early stopping (dev cost stalled)"))
    cost_axes.set_title("Cost per epoch")
    cost_axes.set_ylabel("cost (incl. weight decay)")
    threshold = _log_threshold(experiments)
    if threshold is not None:
        cost_axes.set_yscale("symlog", linthresh=threshold)
        cost_axes.set_ylabel("cost (incl. weight decay, log scale)")
    metric_axes.set_title(f"{scale.name[:1].upper()}{scale.name[1:]} per epoch")
    metric_axes.set_ylabel(scale.name + ("" if scale.higher_is_better else " (lower is better)"))
    if scale.percent:
        metric_axes.yaxis.set_major_formatter(PercentFormatter(decimals=0))
        if scale.low == 0.0 and scale.high == 1.0:
            metric_axes.set_ylim(-2, 102)
    for axes in (cost_axes, metric_axes):
        axes.set_xlabel("epoch")
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
        if 0 < longest <= 25:
            axes.set_xlim(0.5, longest + 0.5)
        axes.grid(True, alpha=0.3)
    figure.legend(handles=handles, loc="lower center", ncol=min(4, len(handles)), frameon=False, fontsize=9)
    figure.suptitle(title or "Training curves", fontsize=13)
    rows = math.ceil(len(handles) / 4)
    figure.subplots_adjust(left=0.07, right=0.98, top=0.88, bottom=0.14 + 0.045 * rows, wspace=0.22)


def common_scale(experiments: Sequence[ExperimentResult]) -> MetricScale:
    """The metric scale the experiments share (the first one's; a neutral axis named after all when they differ)."""
    scales = list(dict.fromkeys(result.scale for result in experiments)) or [MetricScale()]
    if len(scales) == 1:
        return scales[0]
    percent = all(s.percent for s in scales)
    return MetricScale(" / ".join(dict.fromkeys(s.name for s in scales)), None, None, "%" if percent else "", True)


def _log_threshold(experiments: Sequence[ExperimentResult]) -> float | None:
    """When costs span more than three decades, the linear threshold of a symmetric log scale (zero stays visible)."""
    costs = [
        value
        for result in experiments
        for repeat in result.repeats
        for metrics in repeat.epochs
        for value in (metrics.training_cost, metrics.dev_cost)
        if value is not None and math.isfinite(value)
    ]
    positive = [c for c in costs if c > 0]
    if not positive or min(costs) < 0 or max(positive) / min(positive) <= 1000:
        return None
    floor = max(min(positive), max(positive) * 1e-8)
    return 10 ** math.floor(math.log10(floor))


# ----------------------------------------------------------------------------- confusion
def summed_confusion(result: ExperimentResult) -> tuple[np.ndarray, list[str], int] | None:
    """The dev confusion matrix summed over repeats, the labels and the number of repeats, or None."""
    matrices = [np.array(r.confusion_matrix) for r in result.repeats if r.confusion_matrix is not None]
    if not matrices:
        return None
    labels = next(r.labels for r in result.repeats if r.confusion_matrix is not None)
    return np.sum(matrices, axis=0), labels, len(matrices)


def draw_confusion(figure: Figure, result: ExperimentResult) -> bool:
    """The final dev confusion matrix of an experiment (summed over repeats); False when there is none."""
    found = summed_confusion(result)
    if found is None:
        return False
    counts, labels, repeats = found
    figure.clear()
    axes = figure.subplots()
    image = axes.imshow(counts, cmap="Blues", vmin=0)
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="samples")
    n = len(labels)
    tilt = n > 4 and max(len(label) for label in labels) > 3
    axes.set_xticks(range(n), labels, rotation=45 if tilt else 0, ha="right" if tilt else "center")
    axes.set_yticks(range(n), labels)
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    if n <= 20:
        threshold = counts.max() / 2 if counts.max() else 1
        for i in range(n):
            for j in range(n):
                axes.text(j, i, str(counts[i, j]), ha="center", va="center", fontsize=10 if n <= 10 else 7,
                          color="white" if counts[i, j] > threshold else "black")
    accuracy = np.trace(counts) / counts.sum() if counts.sum() else float("nan")
    over = f", summed over {repeats} repeats" if repeats > 1 else ""
    axes.set_title(f"Dev confusion matrix — {result.exp_id}\naccuracy {100 * accuracy:.1f}%{over}", fontsize=11)
    figure.tight_layout()
    return True


# ----------------------------------------------------------------------------- memory
def draw_memory(figure: Figure, experiments: Sequence[ExperimentResult], title: str = "") -> bool:
    """Resident memory (RSS) at the end of every epoch against training time; False without epochs."""
    figure.clear()
    axes = figure.subplots()
    elapsed = 0.0
    drawn = False
    for index, result in enumerate(experiments):
        color = COLORS[index % len(COLORS)]
        first = True
        for repeat in result.repeats:
            if not repeat.epochs:
                continue
            times, rss = [], []
            for metrics in repeat.epochs:
                elapsed += metrics.duration
                times.append(elapsed)
                rss.append(metrics.rss_mb)
            axes.plot(times, rss, "-", marker="o" if len(times) <= 40 else None, markersize=3, color=color,
                      label=result.exp_id if first else None)
            first = False
            drawn = True
    if not drawn:
        return False
    axes.set_xlabel("training time (s, summed over epochs)")
    axes.set_ylabel("resident memory (MB)")
    axes.set_title(title or "Memory used (RSS) at the end of each epoch")
    axes.grid(True, alpha=0.3)
    axes.legend(title="experiment", fontsize=9)
    figure.tight_layout()
    return True


# ----------------------------------------------------------------------------- images
def display_shape(loader: Any) -> tuple[int, ...]:
    """The shape to draw a loader's samples with: its ``image_shape`` (C, H, W) when it has one."""
    shape = getattr(loader, "image_shape", None) or loader.sample_shape
    return tuple(int(s) for s in shape)


def as_image(vector: np.ndarray, sample_shape: Sequence[int] | None = None) -> np.ndarray:
    """Arrange a flat vector as a displayable image: (H, W, 3) when it looks like an RGB sample, else (H, W).

    A vector the size of a sample takes the sample's shape, channels first (C, H, W) as loaders
    give them (channels last when the first axis is not 1 or 3); a flat vector of 3·s² values is
    read as a channel-major s×s RGB image, s² values as s×s grayscale; anything else becomes a
    near-square grid padded with NaN.
    """
    vector = np.asarray(vector, dtype=np.float64).ravel()
    n = vector.size
    shape = tuple(int(s) for s in sample_shape) if sample_shape else ()
    if shape and int(np.prod(shape)) == n and len(shape) == 3:
        image = vector.reshape(shape)
        if shape[0] in (1, 3) and shape[2] not in (1, 3):
            image = image.transpose(1, 2, 0)
        return image[..., 0] if image.shape[2] == 1 else image
    if shape and int(np.prod(shape)) == n and len(shape) == 2:
        return vector.reshape(shape)
    side = math.isqrt(n // 3) if n % 3 == 0 else 0
    if side > 1 and 3 * side * side == n:
        return vector.reshape(3, side, side).transpose(1, 2, 0)
    side = math.isqrt(n)
    if side * side == n:
        return vector.reshape(side, side)
    width = math.ceil(math.sqrt(n))
    padded = np.full(width * math.ceil(n / width), np.nan)
    padded[:n] = vector
    return padded.reshape(-1, width)


def _show(axes: Any, image: np.ndarray, low: float, high: float, diverging: bool) -> None:
    if image.ndim == 3:
        scaled = (image - low) / (high - low) if high > low else np.zeros_like(image)
        axes.imshow(np.clip(np.nan_to_num(scaled), 0, 1), interpolation="nearest")
    else:
        cmap = "RdBu_r" if diverging else "gray"
        axes.imshow(image, cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
    axes.set_xticks([])
    axes.set_yticks([])


def draw_tracked(
    figure: Figure, name: str, epochs: Sequence[int], values: np.ndarray, sample_shape: Sequence[int] | None, title: str = ""
) -> None:
    """Evolution of tracked units: one column per epoch (0 = initialization), two rows per unit.

    ``values`` has shape (epochs, units, weights per unit). The first row of a unit shows its
    weights, the second their change since initialization (what training learned, often small
    next to the random initialization). Each row is scaled on its own range over all epochs so
    that epochs compare; in grayscale, red is positive and blue negative.
    """
    figure.clear()
    nbr_epochs, nbr_units = values.shape[0], values.shape[1]
    grid = figure.subplots(2 * nbr_units, nbr_epochs, squeeze=False)
    for unit in range(nbr_units):
        weights = values[:, unit, :].astype(np.float64)
        for offset, (rows, label) in enumerate(((weights, f"unit {unit}"), (weights - weights[0], f"unit {unit}\nchange"))):
            finite = rows[np.isfinite(rows)]
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
            images = [as_image(rows[e], sample_shape) for e in range(nbr_epochs)]
            diverging = images[0].ndim == 2
            if diverging or offset == 1:
                bound = max(abs(low), abs(high)) or 1.0
                low, high = -bound, bound
            for column, image in enumerate(images):
                axes = grid[2 * unit + offset][column]
                _show(axes, image, low, high, diverging)
                if unit == 0 and offset == 0:
                    axes.set_title("init" if epochs[column] == 0 else f"epoch {epochs[column]}", fontsize=9)
                if column == 0:
                    axes.set_ylabel(label, fontsize=9)
    figure.suptitle(title or f"Parameter {name}: evolution of {nbr_units} units", fontsize=12)
    figure.subplots_adjust(left=0.06, right=0.98, top=0.9, bottom=0.02, wspace=0.08, hspace=0.12)


def draw_samples(figure: Figure, images: Sequence[np.ndarray], labels: Sequence[str], title: str = "") -> None:
    """A grid of sample inputs with their labels (inputs in 0..1)."""
    figure.clear()
    count = len(images)
    columns = min(count, 8)
    rows = math.ceil(count / columns)
    grid = figure.subplots(rows, columns, squeeze=False)
    for index, axes in enumerate(grid.ravel()):
        axes.set_axis_off()
        if index >= count:
            continue
        image = images[index]
        if image.ndim == 3:
            axes.imshow(np.clip(np.nan_to_num(image), 0, 1), interpolation="nearest")
        else:
            axes.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        axes.set_title(labels[index], fontsize=9)
    figure.suptitle(title or "Sample inputs", fontsize=12)
    figure.subplots_adjust(left=0.02, right=0.98, top=0.85, bottom=0.02, wspace=0.1, hspace=0.3)


# ----------------------------------------------------------------------------- a whole run
def save_run_plots(directory: Path, experiments: Sequence[ExperimentResult], title: str = "") -> list[Path]:
    """Draw the curves, memory and confusion-matrix plots of a run into ``directory``; return the files."""
    directory = Path(directory)
    written = []
    figure = Figure(figsize=(13, 5.2))
    draw_curves(figure, experiments, title)
    written.append(save_figure(figure, directory / CURVES_FILE))
    figure = Figure(figsize=(8, 4.5))
    if draw_memory(figure, experiments):
        written.append(save_figure(figure, directory / MEMORY_FILE))
    for result in experiments:
        figure = Figure(figsize=(5.5, 4.8))
        if draw_confusion(figure, result):
            written.append(save_figure(figure, directory / confusion_file(result.exp_id)))
    written.extend(redraw_tracked(directory))
    return written


def redraw_tracked(directory: Path) -> list[Path]:
    """Redraw every ``tracked-*.npz`` of a run directory as its PNG."""
    written = []
    for data_file in sorted(Path(directory).glob("tracked-*.npz")):
        with np.load(data_file, allow_pickle=False) as data:
            shape = data["sample_shape"].tolist() or None
            figure = Figure(figsize=(1.3 * len(data["epochs"]) + 1, 2.6 * data["values"].shape[1] + 0.9))
            draw_tracked(figure, str(data["name"]), data["epochs"].tolist(), data["values"], shape, str(data["title"]))
        written.append(save_figure(figure, data_file.with_suffix(".png")))
    return written


class RunPlotter(TrainingObserver):
    """Redraws a run's plots whenever an experiment ends (and when the session closes).

    Args:
        directory: the run directory.
        results: returns the results so far (:meth:`nnplug.runs.RunWriter.results`).
        title: the figures' title.
    """

    def __init__(self, directory: Path, results: Callable[[], list[ExperimentResult]], title: str = "") -> None:
        self.directory = Path(directory)
        self.results = results
        self.title = title
        self.outdated = False

    def epoch_finished(self, context: Any, metrics: Any) -> None:
        """Note that the plots no longer show everything."""
        self.outdated = True

    def experiment_finished(self, result: ExperimentResult) -> None:
        """Redraw with the finished experiment."""
        self.draw()

    def draw(self) -> list[Path]:
        """Draw every plot of the run from the results so far (nothing when they are up to date)."""
        if not self.outdated:
            return []
        self.outdated = False
        return save_run_plots(self.directory, self.results(), self.title)

"""Observers that collect pictures of training: tracked parameters and sample inputs.

``--track-layer NAME,UNITS`` records the weights of the first UNITS units of parameter NAME at
initialization and after chosen epochs (first repeat of the experiment) and draws them as small
images; ``--display-samples N`` draws N dev inputs with their labels. Both write PNGs in the run
directory (tracked values also as ``.npz``, so ``nnplug report`` can redraw them).
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from nnplug.errors import NnplugError
from nnplug.experiment import Experiment
from nnplug.plots import as_image, display_shape, draw_samples, redraw_tracked, save_figure
from nnplug.results import EpochMetrics, ExperimentResult
from nnplug.files import safe_name, write_atomically
from nnplug.trainer import RepeatContext, TrainingObserver

#: at most this many snapshots of a tracked parameter are kept (initialization included).
MAX_SNAPSHOTS = 10


def parse_track_spec(spec: str) -> tuple[str, int]:
    """``"L0_Dense_W,8"`` → ``("L0_Dense_W", 8)`` (already validated by the experiment options)."""
    name, _, units = spec.partition(",")
    return name.strip(), int(units)


def unit_weights(value: np.ndarray, units: int, input_size: int) -> np.ndarray:
    """The weights of the first ``units`` units of a parameter, one row per unit.

    Units are along the first axis (torch's ``(out, in)``, convolution filters), except for a
    matrix whose first axis is the input size, read as ``(in, out)`` (``x @ W``). A vector
    (bias) has one value per unit. ``value`` is a numpy array (the engine converts parameters).
    """
    array = np.asarray(value)
    if array.ndim == 0:
        return array.reshape(1, 1).astype(np.float32)
    if array.ndim == 1:
        return array[:units, None].astype(np.float32)
    if array.ndim == 2 and array.shape[0] == input_size and array.shape[1] != input_size:
        array = array.T
    return array.reshape(array.shape[0], -1)[:units].astype(np.float32)


def snapshot_epochs(nbr_epochs: int) -> set[int]:
    """The epochs whose parameters are kept: initialization (0) and evenly spaced epochs up to the last."""
    return {int(round(e)) for e in np.linspace(0, nbr_epochs, min(MAX_SNAPSHOTS, nbr_epochs + 1))}


class ParameterTracker(TrainingObserver):
    """Records and draws the parameters named by ``--track-layer`` (first repeat of each experiment).

    Args:
        directory: the run directory.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.specs: list[tuple[str, int]] = []
        self.snapshots: dict[str, dict[int, np.ndarray]] = {}
        self.keep: set[int] = set()
        self.input_size = 0
        self.sample_shape: tuple[int, ...] = ()

    def experiment_started(self, experiment: Experiment, result: ExperimentResult) -> None:
        """Read the experiment's ``--track-layer`` options."""
        self.specs = [parse_track_spec(spec) for spec in experiment.options.track_layer]
        self.keep = snapshot_epochs(experiment.options.nbr_epochs)

    def repeat_started(self, context: RepeatContext) -> None:
        """Check the names against the model's parameters; record the initialization."""
        if not self.specs or context.repeat != 0:
            return
        names = [p.name for p in context.model.parameters()]
        for name, _ in self.specs:
            if name not in names:
                raise NnplugError(f"--track-layer: the model has no parameter {name!r} (parameters: {', '.join(names)})")
        self.sample_shape = display_shape(context.data_loader)
        self.input_size = int(np.prod(self.sample_shape))
        self.snapshots = {name: {} for name, _ in self.specs}
        self._record(context, 0)

    def epoch_finished(self, context: RepeatContext, metrics: EpochMetrics) -> None:
        """Record the chosen epochs (and always the latest one)."""
        if self.specs and context.repeat == 0:
            self._record(context, metrics.epoch)

    def _record(self, context: RepeatContext, epoch: int) -> None:
        params = {p.name: p for p in context.model.parameters()}
        for name, units in self.specs:
            kept = self.snapshots[name]
            latest = max(kept, default=None)
            if latest is not None and latest not in self.keep:
                del kept[latest]  # the previous "latest" was not a chosen epoch
            value = params[name].value
            array = context.engine.to_numpy(value) if context.engine is not None else np.asarray(value)
            kept[epoch] = unit_weights(array, units, self.input_size)

    def repeat_finished(self, context: RepeatContext) -> None:
        """Save the snapshots and draw them."""
        if not self.specs or context.repeat != 0:
            return
        exp_id = context.experiment.exp_id
        for name, _ in self.specs:
            kept = self.snapshots.get(name)
            if not kept:
                continue
            epochs = sorted(kept)
            values = np.stack([kept[e] for e in epochs])
            shape = self.sample_shape if values.shape[2] == self.input_size else ()
            title = f"{name}: {values.shape[1]} units over epochs — {exp_id}, repeat 1"
            buffer = io.BytesIO()
            np.savez_compressed(buffer, name=name, epochs=np.array(epochs), values=values,
                                sample_shape=np.array(shape, dtype=np.int64), title=title)
            path = self.directory / f"tracked-{safe_name(exp_id)}-{safe_name(name)}.npz"
            write_atomically(path, lambda handle: handle.write(buffer.getvalue()), binary=True)
        redraw_tracked(self.directory)


class SampleCollector(TrainingObserver):
    """Draws ``--display-samples N`` inputs of each experiment (dev partition, else training) with their labels.

    Args:
        directory: the run directory.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def repeat_started(self, context: RepeatContext) -> None:
        """Draw the samples once per experiment."""
        count = context.experiment.options.display_samples
        if count <= 0 or context.repeat != 0:
            return
        loader = context.data_loader
        partition = next((p for p in ("dev", "test", "training") if loader.size(p)), None)
        if partition is None:
            return
        images, labels = [], []
        for minibatch in loader.minibatches(partition, 0):
            x, y = np.asarray(minibatch.x), np.asarray(minibatch.y).argmax(axis=1)  # loaders give numpy
            for sample, label in zip(x, y):
                images.append(_displayable(as_image(sample, display_shape(loader))))
                labels.append(loader.labels[int(label)])
                if len(images) == count:
                    break
            if len(images) == count:
                break
        columns = min(len(images), 8)
        rows = -(-len(images) // columns)
        figure = Figure(figsize=(1.6 * columns + 0.4, 1.7 * rows + 0.6))
        draw_samples(figure, images, labels, f"Sample inputs — {context.experiment.exp_id} ({partition} partition)")
        save_figure(figure, self.directory / f"samples-{safe_name(context.experiment.exp_id)}.png")


def _displayable(image: np.ndarray) -> np.ndarray:
    """Rescale an image to 0..1 when its values are outside (normalized inputs)."""
    finite = image[np.isfinite(image)]
    if finite.size and (finite.min() < 0 or finite.max() > 1):
        low, high = finite.min(), finite.max()
        return (image - low) / (high - low) if high > low else np.zeros_like(image)
    return image

"""``--dump-minibatches``: every training sample, as the model saw it, written as a PNG file.

Files go to ``<root>/<exp>/<epoch>/<minibatch>/<i>_<label>.png`` (``<exp>_repeat<k>`` for repeats
after the first). Written with Pillow, so the core needs no imaging backend.
"""
from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from nnplug.data_loader import Minibatch
from nnplug.trainer import RepeatContext, TrainingObserver


def sample_image_shape(sample_size: int, loader: Any) -> tuple[int, int, int]:
    """(channels, rows, cols) of a flattened sample: the loader's ``image_shape`` when it has one,
    else a square gray or RGB image when the size allows it, else one row."""
    shape = getattr(loader, "image_shape", None)
    if shape is not None and int(np.prod(shape)) == sample_size:
        return tuple(int(v) for v in shape)  # type: ignore[return-value]
    for channels in (1, 3):
        side = math.isqrt(sample_size // channels)
        if sample_size % channels == 0 and side * side * channels == sample_size:
            return (channels, side, side)
    return (1, 1, sample_size)


def to_pixels(sample: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """A sample (values 0..1, flattened or C,H,W) as uint8 (H, W) or (H, W, 3) pixels."""
    channels, rows, cols = shape
    image = np.asarray(sample, dtype=np.float64).reshape(channels, rows, cols).transpose(1, 2, 0)
    image = np.clip(np.rint(image * 255), 0, 255).astype(np.uint8)
    return image[:, :, 0] if channels == 1 else image[:, :, :3]


def write_png(path: Path, pixels: np.ndarray) -> None:
    """Write ``pixels`` to ``path`` atomically (temporary file in the same folder, then rename)."""
    from PIL import Image

    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        Image.fromarray(pixels).save(temporary, format="PNG")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name) or "_"


class MinibatchDumper(TrainingObserver):
    """Writes every sample of every training minibatch as a PNG named after its position and label.

    Add it to every session's observers: it writes nothing for experiments whose
    ``--dump-minibatches`` is false.

    Args:
        root: the folder receiving one sub-folder per experiment.
    """

    def __init__(self, root: Path = Path("minibatches")) -> None:
        self.root = Path(root)

    def folder(self, context: RepeatContext, epoch: int, minibatch: Minibatch) -> Path:
        """Where the samples of ``minibatch`` go."""
        experiment = _safe(context.experiment.exp_id or "exp")
        if context.repeat:
            experiment += f"_repeat{context.repeat + 1}"
        return self.root / experiment / str(epoch) / str(minibatch.index)

    def minibatch_finished(self, context: RepeatContext, epoch: int, minibatch: Minibatch, cost: float, accuracy: float) -> None:
        """Write the minibatch's samples (only for experiments run with ``--dump-minibatches``)."""
        options = getattr(context.experiment, "options", None)
        if options is not None and not getattr(options, "dump_minibatches", False):
            return
        x, y = _numpy(context, minibatch.x), _numpy(context, minibatch.y)
        shape = sample_image_shape(int(np.prod(x.shape[1:])), context.data_loader)
        labels = context.data_loader.labels
        folder = self.folder(context, epoch, minibatch)
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(len(x)):
            label = labels[int(np.argmax(y[index]))] if len(labels) else str(int(np.argmax(y[index])))
            write_png(folder / f"{index}_{_safe(label)}.png", to_pixels(x[index], shape))


def _numpy(context: RepeatContext, values: Any) -> np.ndarray:
    """Numpy view of a minibatch array in the run's engine (the engine converts it)."""
    engine = context.engine
    return engine.to_numpy(values) if engine is not None else np.asarray(values)

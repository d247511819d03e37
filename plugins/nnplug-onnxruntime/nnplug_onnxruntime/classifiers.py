"""Classifiers ``bin/infer --task=classification`` runs: an ONNX model, or a bin/train checkpoint.

Both turn one image file into the tensor the model takes (:meth:`prepare`) and a stacked batch
into class probabilities (:meth:`predict`), and may know their class names (:attr:`labels`).
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from nnplug import NnplugError
from nnplug.cli.export import PREPROCESSING_KEY
from nnplug.image_backend import ImageBackend
from nnplug_onnxruntime.batching import stacked
from nnplug_onnxruntime.loader_preprocessing import LoaderPreprocessing
from nnplug_onnxruntime.preprocessing import probabilities, unit_input
from nnplug_onnxruntime.session import OrtSession


def _layout_and_size(session: OrtSession, resize: tuple[int, int]) -> tuple[str, tuple[int, int]]:
    """How an ONNX classifier takes images: flat vector, NCHW or NHWC, and at which (width, height)."""
    tensor = session.input
    name = session.path.name
    if tensor.type != "tensor(float)":
        raise NnplugError(f"model {name} takes {tensor.type} input; classification feeds float32 (tensor(float))")
    if tensor.rank == 2:
        values = tensor.shape[1]
        width, height = resize
        if values is None or values == 3 * width * height:
            return "flat", resize
        side = math.isqrt(values // 3)
        if side * side * 3 != values:
            raise NnplugError(f"model {name} takes {values} values per sample, not 3*W*H of an RGB image; use --resize=W,H")
        return "flat", (side, side)
    if tensor.rank == 4:
        if tensor.shape[1] in (3, None) and tensor.shape[3] != 3:
            layout, height, width = "nchw", tensor.shape[2], tensor.shape[3]
        elif tensor.shape[3] == 3:
            layout, height, width = "nhwc", tensor.shape[1], tensor.shape[2]
        else:
            raise NnplugError(f"model {name} takes input {tensor.describe()}: no RGB channel axis of size 3")
        return layout, (width or resize[0], height or resize[1])
    raise NnplugError(f"model {name} takes input of rank {tensor.rank} {tensor.describe()}; classification needs rank 2 (batch, 3*H*W) or 4")


def _metadata_labels(session: OrtSession) -> list[str]:
    """Class names stored in the model's metadata (``labels``: JSON list or comma-separated), if any."""
    text = session.session.get_modelmeta().custom_metadata_map.get("labels")
    if not text:
        return []
    try:
        value = json.loads(text)
        return [str(v) for v in value] if isinstance(value, list) else []
    except json.JSONDecodeError:
        return [part.strip() for part in text.split(",") if part.strip()]


def _check_input(session: OrtSession, preprocessing: LoaderPreprocessing) -> None:
    """Refuse a model whose input does not take the samples the data loader's preprocessing makes."""
    tensor = session.input
    expected = preprocessing.sample_shape
    fits = tensor.rank == len(expected) + 1 and all(dim is None or dim == want for dim, want in zip(tensor.shape[1:], expected))
    if not fits:
        shown = "(" + ", ".join(map(str, expected)) + ")"
        raise NnplugError(f"model {session.path.name} takes input {tensor.describe()}, but its preprocessing ({preprocessing.name}) makes samples {shown}")


class OnnxClassifier:
    """An ONNX classifier run by ONNX Runtime.

    With a preprocessing description (the model's ``nnplug.preprocessing`` metadata, written by
    ``nnplug export``, or ``--preprocessing``), images go through that data loader's own transforms,
    as in training. Without one, they are read and resized by the image backend and scaled to 0..1.

    Args:
        session: the open model.
        backend: reads and resizes images (without a preprocessing description).
        resize: (width, height) when the model's input does not fix it (without a description).
        registry: the installed plugins (to create the data loader of a description).
        preprocessing: a description given by hand (JSON); None: the model's metadata, if any.
    """

    def __init__(self, session: OrtSession, backend: ImageBackend, resize: tuple[int, int], registry: Any = None, preprocessing: str | None = None) -> None:
        from nnplug.registry import Registry

        self.session = session
        self.backend = backend
        self.loader: LoaderPreprocessing | None = None
        if preprocessing or PREPROCESSING_KEY in session.metadata:
            registry = registry or Registry()
            if preprocessing:
                self.loader = LoaderPreprocessing.from_description(preprocessing, registry, "--preprocessing")
            else:
                self.loader = LoaderPreprocessing.from_metadata(session.metadata, registry, session.path.name)
            _check_input(session, self.loader)
        else:
            self.layout, self.size = _layout_and_size(session, resize)
        self.labels = _metadata_labels(session)
        self.fixed_batch = session.fixed_batch
        self.name = session.path.stem

    def prepare(self, path: Path) -> np.ndarray:
        """Decode and preprocess one image (the data loader's way when there is one)."""
        if self.loader is not None:
            return self.loader.prepare(path)
        return unit_input(self.backend.resize(self.backend.read_rgb(path), *self.size), self.layout)

    def predict(self, samples: list[np.ndarray]) -> np.ndarray:
        """(N, classes) probabilities of a batch."""
        output = self.session.run(stacked(samples, self.fixed_batch))
        return probabilities(output[: len(samples)])


class CheckpointClassifier:
    """A model saved by bin/train, rebuilt with its plugin and fed exactly as its data loader fed it.

    The data loader recorded in the checkpoint is re-created with its options
    (:class:`~nnplug_onnxruntime.loader_preprocessing.LoaderPreprocessing`), and its own
    preprocessing (trim, resize, grayscale, min-max, invert, flatten) runs on each image.

    Args:
        path: the checkpoint file.
        registry: the installed plugins (model and data loader); None: discover them.
    """

    def __init__(self, path: Path, registry: Any = None) -> None:
        from nnplug.checkpoints import rebuild_model
        from nnplug.registry import Registry

        registry = registry or Registry()
        self.model, self.config = rebuild_model(path, registry)
        self.engine = registry.create_engine(self.model.engine)
        loader_config = self.config.get("data_loader") or {}
        if not loader_config.get("name"):
            raise NnplugError(f"checkpoint {path} does not record its data loader: cannot preprocess images like training did")
        self.loader = LoaderPreprocessing(
            loader_config["name"], loader_config.get("options") or {}, registry, f"checkpoint {path}", also=("dataset", "datasets_path")
        )
        self.labels = [str(label) for label in self.config.get("labels", [])]
        self.fixed_batch = None
        self.name = Path(path).stem

    @property
    def default_inputs(self) -> list[str]:
        """The dataset folder the model was trained on: what is classified when no input is given."""
        return self.loader.default_inputs

    def prepare(self, path: Path) -> np.ndarray:
        """Decode and preprocess one image like the training data loader (C, H, W or flat)."""
        return self.loader.prepare(path)

    def predict(self, samples: list[np.ndarray]) -> np.ndarray:
        """(N, classes) probabilities of a batch, with the model in evaluation mode."""
        x = self.engine.from_numpy(np.stack(samples))
        return probabilities(self.engine.to_numpy(self.model.forward(x, training=False)))

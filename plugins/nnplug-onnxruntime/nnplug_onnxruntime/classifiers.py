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
from nnplug.image_backend import ImageBackend
from nnplug_onnxruntime.batching import stacked
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


class OnnxClassifier:
    """An ONNX classifier run by ONNX Runtime; images read and resized by the image backend, scaled to 0..1.

    Args:
        session: the open model.
        backend: reads and resizes images.
        resize: (width, height) when the model's input does not fix it.
    """

    def __init__(self, session: OrtSession, backend: ImageBackend, resize: tuple[int, int]) -> None:
        self.session = session
        self.backend = backend
        self.layout, self.size = _layout_and_size(session, resize)
        self.labels = _metadata_labels(session)
        self.fixed_batch = session.fixed_batch
        self.name = session.path.stem

    def prepare(self, path: Path) -> np.ndarray:
        """Decode, resize and lay out one image."""
        return unit_input(self.backend.resize(self.backend.read_rgb(path), *self.size), self.layout)

    def predict(self, samples: list[np.ndarray]) -> np.ndarray:
        """(N, classes) probabilities of a batch."""
        output = self.session.run(stacked(samples, self.fixed_batch))
        return probabilities(output[: len(samples)])


def _numpy(value: Any) -> np.ndarray:
    """An engine's tensor (numpy array, torch tensor...) as a numpy array."""
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


class CheckpointClassifier:
    """A model saved by bin/train, rebuilt with its plugin and fed exactly as its data loader fed it.

    The data loader recorded in the checkpoint is re-created with its options, and its own
    preprocessing (trim, resize, grayscale, min-max, invert, flatten) runs on each image with
    the loader's imaging backend.

    Args:
        path: the checkpoint file.
        registry: the installed plugins (model and data loader); None: discover them.
    """

    def __init__(self, path: Path, registry: Any = None) -> None:
        from nnplug.checkpoints import rebuild_model
        from nnplug.registry import Registry

        registry = registry or Registry()
        self.model, self.config = rebuild_model(path, registry)
        loader_config = self.config.get("data_loader") or {}
        if not loader_config.get("name"):
            raise NnplugError(f"checkpoint {path} does not record its data loader: cannot preprocess images like training did")
        self.loader = registry.create("data_loader", loader_config["name"], self._loader_options(registry, loader_config))
        if not hasattr(self.loader, "preprocessing") or not hasattr(self.loader, "make_transforms"):
            raise NnplugError(f"data loader {loader_config['name']} of checkpoint {path} is not an image loader")
        self.transforms = self.loader.make_transforms()
        self.labels = [str(label) for label in self.config.get("labels", [])]
        self.fixed_batch = None
        self.name = Path(path).stem

    @staticmethod
    def _loader_options(registry: Any, loader_config: dict[str, Any]) -> dict[str, Any]:
        specs = {spec.name: spec for spec in registry.info("data_loader", loader_config["name"]).options}
        options = {}
        for name, value in (loader_config.get("options") or {}).items():
            spec = specs.get(name)
            if spec is not None:
                options[name] = spec.type.check(tuple(value) if spec.type.base == "tuple" and isinstance(value, list) else value)
        return options

    @property
    def default_inputs(self) -> list[str]:
        """The dataset folder the model was trained on: what is classified when no input is given."""
        root = getattr(getattr(self.loader, "files", None), "root", None)
        return [str(root)] if root is not None else []

    def prepare(self, path: Path) -> np.ndarray:
        """Decode and preprocess one image like the training data loader (C, H, W or flat)."""
        pixels = self.loader.preprocessing.apply(self.transforms, self.transforms.read(path))
        sample = np.ascontiguousarray(pixels.transpose(2, 0, 1))
        return sample.reshape(-1) if getattr(self.loader, "flatten", False) else sample

    def predict(self, samples: list[np.ndarray]) -> np.ndarray:
        """(N, classes) probabilities of a batch, with the model in evaluation mode."""
        x = np.stack(samples)
        dummy = np.zeros((len(samples), int(self.config["nbr_classes"])))
        x_engine, _ = self.loader.to_engine(x, dummy)
        return probabilities(_numpy(self.model.forward(x_engine, training=False)))

"""A bin/train data loader's preprocessing, re-created so that a classifier sees images as in training.

The data loader plugin (``Vips``, ``ImageMagick``...) is created through the registry with the
options that change the pixels (:data:`~nnplug.cli.export.PREPROCESSING_OPTIONS`: resize, trim,
grayscale, min-max, invert, flatten) and its own transforms decode and preprocess each image. The
description comes from a checkpoint's configuration, from an exported ONNX file's metadata
(written by ``nnplug export``), or from ``bin/infer --preprocessing`` for files without it.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from nnplug import NnplugError
from nnplug.cli.export import PREPROCESSING_KEY, PREPROCESSING_OPTIONS


def _checked_options(registry: Any, name: str, given: dict[str, Any], origin: str, kept: tuple[str, ...]) -> dict[str, Any]:
    specs = {spec.name: spec for spec in registry.info("data_loader", name).options}
    options = {}
    for option, value in given.items():
        spec = specs.get(option)
        if option not in kept:
            continue
        if spec is None:
            raise NnplugError(f"{origin}: data loader {name} has no option {option} (it changes the pixels: cannot preprocess without it)")
        options[option] = spec.type.check(tuple(value) if spec.type.base == "tuple" and isinstance(value, list) else value)
    return options


class LoaderPreprocessing:
    """Decodes and preprocesses image files exactly as a data loader plugin does in training.

    Args:
        loader: the data loader plugin's name.
        options: its options (the ones outside :data:`PREPROCESSING_OPTIONS` are ignored).
        registry: the installed plugins.
        origin: where the description comes from (for messages).
        also: options kept besides the preprocessing ones (a checkpoint keeps its dataset).

    Raises:
        NnplugError: the loader is not installed, is not an image loader, or lost an option.
    """

    def __init__(self, loader: str, options: dict[str, Any], registry: Any, origin: str, also: tuple[str, ...] = ()) -> None:
        if loader not in registry.names("data_loader"):
            raise NnplugError(f"{origin}: data loader {loader!r} is not installed (installed: {', '.join(registry.names('data_loader'))})")
        self.name = loader
        self.loader = registry.create("data_loader", loader, _checked_options(registry, loader, options, origin, PREPROCESSING_OPTIONS + also))
        if not hasattr(self.loader, "preprocessing") or not hasattr(self.loader, "make_transforms"):
            raise NnplugError(f"{origin}: data loader {loader} is not an image loader")
        self.transforms = self.loader.make_transforms()
        self.flatten = bool(getattr(self.loader, "flatten", False))

    @classmethod
    def from_description(cls, text: str, registry: Any, origin: str) -> "LoaderPreprocessing":
        """From the JSON ``nnplug export`` writes (``{"data_loader": NAME, "options": {...}}``).

        Raises:
            NnplugError: the text is not such a description.
        """
        try:
            description = json.loads(text)
            name, options = description["data_loader"], description.get("options", {})
            if not isinstance(name, str) or not isinstance(options, dict):
                raise TypeError("data_loader must be a name and options an object")
        except (ValueError, KeyError, TypeError) as err:
            example = '{"data_loader": "Vips", "options": {"resize": [28, 28], "grayscale": true}}'
            raise NnplugError(f"{origin} is not a preprocessing description like {example} ({err})") from None
        return cls(name, options, registry, origin)

    @classmethod
    def from_metadata(cls, metadata: dict[str, str], registry: Any, model: str) -> "LoaderPreprocessing | None":
        """From an ONNX file's metadata_props, or None when it has no preprocessing description."""
        text = metadata.get(PREPROCESSING_KEY)
        return cls.from_description(text, registry, f"metadata {PREPROCESSING_KEY} of model {model}") if text else None

    @property
    def sample_shape(self) -> tuple[int, ...]:
        """Shape of one prepared sample: (C*H*W,) flattened, else (C, H, W)."""
        height, width, channels = self.loader.preprocessing.sample_shape
        return (channels * height * width,) if self.flatten else (channels, height, width)

    @property
    def default_inputs(self) -> list[str]:
        """The dataset folder the loader reads by default (a checkpoint's training data)."""
        root = getattr(getattr(self.loader, "files", None), "root", None)
        return [str(root)] if root is not None else []

    def prepare(self, path: Path) -> np.ndarray:
        """Decode and preprocess one image like the data loader: float32 (C, H, W), or flat when it flattens."""
        (pixels,) = self.transforms.preprocess_files([Path(path)], self.loader.preprocessing)  # the call training makes
        if isinstance(pixels, str):
            raise NnplugError(f"cannot read image {path}: {pixels}")
        sample = np.ascontiguousarray(pixels.transpose(2, 0, 1), dtype=np.float32)
        return sample.reshape(-1) if self.flatten else sample

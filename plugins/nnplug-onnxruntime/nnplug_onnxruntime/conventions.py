"""How a segmentation model wants its images: input size and normalization, per model.

A segmentation model's conventions come, first found wins, from:

1. the options ``--resize=W,H``, ``--mean=R,G,B``, ``--std=R,G,B`` (any one given: the others
   default to U-2-Net's 320x320 and ImageNet mean and std);
2. the model file's metadata (key :data:`METADATA_KEY`, JSON ``{"size": [W, H], "mean": [...],
   "std": [...]}``; the shipped blobnet carries it);
3. the table of models users know by name (:data:`KNOWN_MODELS`: rembg's u2net, u2netp,
   u2net_human_seg, silueta, isnet-general-use).

Otherwise the run stops with one line naming the options to give. Every model is fed as U-2-Net's
reference code (and rembg) feed it: resized with Lanczos as Pillow does, divided by the resized
image's own maximum, then normalized with the mean and standard deviation.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from nnplug import NnplugError

#: the ONNX metadata_props key that holds a segmentation model's conventions (JSON).
METADATA_KEY = "nnplug.segmentation"
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
RELEASES = "https://github.com/danielgatis/rembg/releases/download/v0.0.0"


@dataclass(frozen=True)
class SegmentationConventions:
    """Input size and normalization of a segmentation model.

    Attributes:
        size: (width, height) the model is fed.
        mean: per-channel mean subtracted from the 0..1 values (RGB).
        std: per-channel standard deviation they are divided by (RGB).
        origin: where these conventions come from (for messages).
    """

    size: tuple[int, int] = (320, 320)
    mean: tuple[float, float, float] = IMAGENET_MEAN
    std: tuple[float, float, float] = IMAGENET_STD
    origin: str = "U-2-Net"

    def as_metadata(self) -> dict[str, str]:
        """The conventions as ONNX metadata_props (what :func:`from_metadata` reads back)."""
        values = {key: list(value) for key, value in asdict(self).items() if key != "origin"}
        return {METADATA_KEY: json.dumps(values)}


@dataclass(frozen=True)
class KnownModel:
    """A model users know by name: its conventions and where to get its file."""

    name: str
    conventions: SegmentationConventions
    url: str
    about: str


def _u2net_family(name: str, about: str) -> KnownModel:
    return KnownModel(name, SegmentationConventions(origin=name), f"{RELEASES}/{name}.onnx", about)


#: rembg's models by name (sizes and normalizations as rembg's sessions use them).
KNOWN_MODELS: dict[str, KnownModel] = {
    model.name: model
    for model in (
        _u2net_family("u2net", "U-2-Net, general use, 176 MB"),
        _u2net_family("u2netp", "U-2-Net's light version, 4.7 MB"),
        _u2net_family("u2net_human_seg", "U-2-Net trained on people, 176 MB"),
        _u2net_family("silueta", "U-2-Net reduced to 43 MB"),
        KnownModel(
            "isnet-general-use",
            SegmentationConventions((1024, 1024), IMAGENET_MEAN, (1.0, 1.0, 1.0), "isnet-general-use"),
            f"{RELEASES}/isnet-general-use.onnx",
            "IS-Net (DIS), general use, 179 MB",
        ),
    )
}


def download_hint(name: str) -> str | None:
    """Where to get the file of a model known by name, or None for other names."""
    known = KNOWN_MODELS.get(name)
    if known is None:
        return None
    return f"download {name}.onnx ({known.about}) from {known.url} and put it there"


def _triple(values: Any, what: str, origin: str) -> tuple[float, float, float]:
    if not isinstance(values, (list, tuple)) or len(values) != 3:
        raise NnplugError(f"{origin}: {what} must be 3 numbers (R, G, B), got {values!r}")
    return tuple(float(v) for v in values)  # type: ignore[return-value]


def from_metadata(metadata: dict[str, str], model: str) -> SegmentationConventions | None:
    """The conventions stored in a model's metadata_props, or None when it has none.

    Raises:
        NnplugError: the metadata is there but unreadable (the message names the model).
    """
    text = metadata.get(METADATA_KEY)
    if not text:
        return None
    origin = f"metadata {METADATA_KEY} of model {model}"
    try:
        values = json.loads(text)
        width, height = (int(v) for v in values["size"])
        mean = _triple(values.get("mean", IMAGENET_MEAN), "mean", origin)
        std = _triple(values.get("std", IMAGENET_STD), "std", origin)
    except (ValueError, KeyError, TypeError) as err:
        raise NnplugError(f"{origin} is not readable ({err}); give --resize, --mean and --std instead") from None
    return SegmentationConventions((width, height), mean, std, f"the metadata of {model}")


def resolve(
    model: str,
    metadata: dict[str, str],
    resize: tuple[int, int] | None = None,
    mean: tuple[float, float, float] | None = None,
    std: tuple[float, float, float] | None = None,
) -> SegmentationConventions:
    """The conventions of ``model`` by the rules of this module's docstring.

    Args:
        model: the model's name (file stem).
        metadata: its ONNX metadata_props.
        resize, mean, std: the options, None when not given.

    Raises:
        NnplugError: none of the three sources says anything (one line naming the options).
    """
    if resize is not None or mean is not None or std is not None:
        base = SegmentationConventions()
        return SegmentationConventions(resize or base.size, mean or base.mean, std or base.std, "the options")
    stored = from_metadata(metadata, model)
    if stored is not None:
        return stored
    if model in KNOWN_MODELS:
        return KNOWN_MODELS[model].conventions
    names = ", ".join(KNOWN_MODELS)
    raise NnplugError(
        f"model {model} has unknown conventions (not one of {names}; no {METADATA_KEY} metadata): "
        "give --resize=W,H and, unless they are ImageNet's, --mean=R,G,B --std=R,G,B"
    )

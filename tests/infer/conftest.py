"""Fixtures of the inference tests: a Pillow image backend, tiny models and images, an in-process bin/infer."""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nnplug.errors import NnplugError
from nnplug.image_backend import ImageBackend
from nnplug.registry import Registry

sys.path.insert(0, str(Path(__file__).resolve().parent))

import infer_onnx_models  # noqa: E402
from infer_images import bright_square_image, output_files, square_dataset  # noqa: E402,F401


class PillowBackend(ImageBackend):
    """Reads, resizes and writes images with Pillow (test double for Vips and ImageMagick)."""

    def read_rgb(self, path: Path) -> np.ndarray:
        try:
            with Image.open(path) as image:
                return np.asarray(image.convert("RGB"))
        except (OSError, ValueError) as err:
            raise NnplugError(f"cannot read image {path}: {err}") from None

    def resize(self, pixels: np.ndarray, width: int, height: int) -> np.ndarray:
        if np.issubdtype(pixels.dtype, np.floating):
            channels = pixels[..., None] if pixels.ndim == 2 else pixels
            resized = np.stack(
                [np.asarray(Image.fromarray(channels[..., c].astype(np.float32), "F").resize((width, height), Image.BILINEAR)) for c in range(channels.shape[2])],
                axis=2,
            )
            return resized[..., 0] if pixels.ndim == 2 else resized
        return np.asarray(Image.fromarray(pixels).resize((width, height), Image.BILINEAR))

    def write_png(self, path: Path, pixels: np.ndarray) -> None:
        temporary = Path(path).with_name(f".{Path(path).name}.tmp")
        Image.fromarray(pixels).save(temporary, format="PNG")
        os.replace(temporary, path)


@pytest.fixture
def registry() -> Registry:
    """The installed plugins plus the Pillow backend as ``Pillow``."""
    registry = Registry()
    registry.add("image_backend", "Pillow", PillowBackend)
    return registry


@dataclass
class Outcome:
    """Exit status and output of one in-process ``bin/infer`` run."""

    status: int
    out: str
    err: str


@pytest.fixture
def run_infer(registry, capsys):
    """Run ``bin/infer`` in-process with the Pillow backend (``--image-backend=Pillow`` is added)."""
    from nnplug.cli.infer import invoke

    def run(*args: str) -> Outcome:
        status = invoke(["--image-backend=Pillow", "--progress=false", *map(str, args)], registry)
        captured = capsys.readouterr()
        return Outcome(status, captured.out, captured.err)

    return run


@pytest.fixture
def models(tmp_path) -> Path:
    """A models folder with ``bright`` (dynamic size), ``bright32`` (fixed 32x32, batch 1), both saying in
    their metadata that they take 32x32 images, ``plain`` (``bright`` without metadata) and ``rank2``."""
    from nnplug_onnxruntime.conventions import SegmentationConventions

    folder = tmp_path / "models"
    metadata = SegmentationConventions((32, 32)).as_metadata()
    infer_onnx_models.brightness_segmenter(folder / "bright.onnx", metadata=metadata)
    infer_onnx_models.brightness_segmenter(folder / "bright32.onnx", size=32, batch=1, metadata=metadata)
    infer_onnx_models.brightness_segmenter(folder / "plain.onnx")
    infer_onnx_models.rank2_model(folder / "rank2.onnx")
    return folder

"""The deterministic part of the pipeline, run once per sample and cached."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from nnplug.datasets.image_transforms import ImageTransforms


@dataclass(frozen=True)
class Preprocessing:
    """Which transforms to chain, in the reference's order: remove alpha, trim, resize,
    grayscale (or RGB), min-max normalize, adaptive invert.

    Attributes:
        resize: (width, height) of every sample.
        trim: remove borders, then restore the aspect ratio with the border colour.
        grayscale: one channel instead of three.
        minmax_normalize: stretch each image to the full 0..255 range.
        adaptive_invert: invert images whose top-left pixel is dark.
    """

    resize: tuple[int, int] = (110, 110)
    trim: bool = False
    grayscale: bool = False
    minmax_normalize: bool = False
    adaptive_invert: bool = False

    @property
    def channels(self) -> int:
        """Channels of every preprocessed sample."""
        return 1 if self.grayscale else 3

    @property
    def sample_shape(self) -> tuple[int, int, int]:
        """(height, width, channels) of every preprocessed sample."""
        return (self.resize[1], self.resize[0], self.channels)

    def apply(self, transforms: ImageTransforms, image: Any) -> np.ndarray:
        """Run the chain on a decoded image; return float32 (H, W, C) values in 0..1."""
        image = transforms.remove_alpha(image)
        if self.trim:
            image = transforms.trim(image)
        image = transforms.resize(image, *self.resize)
        image = transforms.grayscale(image) if self.grayscale else transforms.to_rgb(image)
        if self.minmax_normalize:
            image = transforms.minmax_normalize(image)
        if self.adaptive_invert:
            image = transforms.adaptive_invert(image)
        return self.finish(transforms.to_array(image))

    def finish(self, pixels: np.ndarray) -> np.ndarray:
        """The last step of every chain: float32 (H, W, C) values 0..255 (or a batch of them,
        (N, H, W, C)) to 0..1, shape checked."""
        if pixels.shape[-3:] != self.sample_shape:
            raise ValueError(f"preprocessing gave shape {pixels.shape[-3:]}, expected {self.sample_shape}")
        return np.clip(pixels * np.float32(1 / 255), 0.0, 1.0, dtype=np.float32)

    def key(self) -> dict[str, Any]:
        """The options that change the pixels, for the disk cache's keys."""
        return {"resize": list(self.resize), "trim": self.trim, "grayscale": self.grayscale, "minmax_normalize": self.minmax_normalize, "adaptive_invert": self.adaptive_invert}

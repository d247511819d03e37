"""Image data loaders on ImageMagick (Wand): ``NumpyImageMagick`` and ``TorchImageMagick``.

Everything but the image transforms comes from :class:`nnplug.datasets.image_loader.ImageDataLoader`;
Wand is imported when the first sample is decoded, torch when the first minibatch is made.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from nnplug.datasets.image_loader import ImageDataLoader
from nnplug.datasets.image_transforms import ImageTransforms


class NumpyImageMagick(ImageDataLoader):
    """Images decoded and transformed by ImageMagick, as numpy float64 arrays in 0..1.

    Unreadable image files are skipped with a warning naming them; an unreadable video stops
    with one line.
    """

    def make_transforms(self) -> ImageTransforms:
        """The ImageMagick transforms."""
        from nnplug_magick.transforms import MagickTransforms

        return MagickTransforms()


class TorchImageMagick(NumpyImageMagick):
    """Images decoded and transformed by ImageMagick, as torch float32 tensors in 0..1."""

    def to_engine(self, x: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
        """Float32 torch tensors sharing the arrays' memory where possible."""
        import torch

        return torch.from_numpy(x), torch.from_numpy(y.astype(np.float32))

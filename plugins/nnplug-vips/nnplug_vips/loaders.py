"""The image data loader on libvips: ``Vips``, with its aliases ``NumpyVips`` and ``TorchVips``.

Everything but the image transforms comes from :class:`nnplug.datasets.image_loader.ImageDataLoader`:
minibatches are numpy arrays that the model's engine converts. pyvips is imported when the first
sample is decoded.
"""
from __future__ import annotations

from typing import ClassVar

from nnplug.datasets.image_loader import ImageDataLoader
from nnplug.datasets.image_transforms import ImageTransforms


class Vips(ImageDataLoader):
    """Images decoded and transformed by libvips, as numpy arrays in 0..1 (any engine).

    Unreadable image files are skipped with a warning naming them; an unreadable video stops
    with one line. ``NumpyVips`` and ``TorchVips`` are this loader pinned to one engine (the
    names of earlier versions): a model of another engine is refused before loading.
    """

    engine: ClassVar[str] = "any"
    aliases: ClassVar[dict[str, dict]] = {"NumpyVips": {"engine": "numpy"}, "TorchVips": {"engine": "torch"}}

    def make_transforms(self) -> ImageTransforms:
        """The libvips transforms."""
        from nnplug_vips.transforms import VipsTransforms

        return VipsTransforms()

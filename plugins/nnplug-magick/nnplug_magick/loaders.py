"""The image data loader on ImageMagick (Wand): ``ImageMagick``, with its aliases ``NumpyImageMagick`` and ``TorchImageMagick``.

Everything but the image transforms comes from :class:`nnplug.datasets.image_loader.ImageDataLoader`:
minibatches are numpy arrays that the model's engine converts. Wand is imported when the first
sample is decoded.
"""
from __future__ import annotations

from typing import ClassVar

from nnplug.datasets.image_loader import ImageDataLoader
from nnplug.datasets.image_transforms import ImageTransforms


class ImageMagick(ImageDataLoader):
    """Images decoded and transformed by ImageMagick, as numpy arrays in 0..1 (any engine).

    Unreadable image files are skipped with a warning naming them; an unreadable video stops
    with one line. ``NumpyImageMagick`` and ``TorchImageMagick`` are this loader pinned to one
    engine (the names of earlier versions): a model of another engine is refused before loading.
    """

    engine: ClassVar[str] = "any"
    aliases: ClassVar[dict[str, dict]] = {"NumpyImageMagick": {"engine": "numpy"}, "TorchImageMagick": {"engine": "torch"}}

    def make_transforms(self) -> ImageTransforms:
        """The ImageMagick transforms."""
        from nnplug_magick.transforms import MagickTransforms

        return MagickTransforms()

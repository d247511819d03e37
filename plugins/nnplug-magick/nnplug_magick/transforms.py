"""The data loaders' image transforms on ImageMagick, through Wand.

Wand operations change an image in place; each method returns the image it was given (or a new
one) so the chain reads like the libvips one. One-channel images are kept in the ``gray``
colourspace; pixels are exported and imported as floats straight through the MagickWand C API.
"""
from __future__ import annotations

import ctypes
from pathlib import Path
from typing import Sequence

import numpy as np
from wand.api import library
from wand.color import Color
from wand.image import STORAGE_TYPES, Image

from nnplug.datasets.image_transforms import TRIM_THRESHOLD, ImageTransforms, colour_array, error_line, invert_array, minmax_array, trim_array
from nnplug.datasets.preprocessing import Preprocessing
from nnplug.image_backend import check_image_pixels, cmyk_to_rgb

#: Luma weights of :meth:`MagickTransforms.grayscale` (Rec. 709 on the stored values), one row per output channel.
LUMA_MATRIX = [[0.2126, 0.7152, 0.0722]] * 3
_FLOAT = STORAGE_TYPES.index("float")


def _channels(image: Image) -> int:
    return 1 if image.colorspace == "gray" else 3


def _top_left(image: Image) -> Color:
    """The colour of pixel (0, 0), as an opaque colour of the image's own values."""
    return image[0, 0]


class MagickTransforms(ImageTransforms):
    """Each transform is one or two MagickWand calls on a ``wand.image.Image``."""

    def version(self) -> str:
        """The class, ImageMagick's and Wand's versions and the transforms' version."""
        from wand.version import MAGICK_VERSION, VERSION

        return f"{super().version()}; {MAGICK_VERSION}; Wand {VERSION}"

    def preprocess_files(self, paths: Sequence[Path], preprocessing: Preprocessing) -> list[np.ndarray | str]:
        """The chain file by file, with as few ImageMagick calls as the steps allow.

        Without trim, JPEG files are decoded at a reduced size (``jpeg:size`` hint). The pixels are
        exported once for trim's box (found with numpy, as the libvips loader does) and once after
        the resize; luma, min-max and invert run with numpy on the small result.
        """
        results: list[np.ndarray | str] = []
        for path in paths:
            try:
                results.append(self._preprocess(path, preprocessing))
            except Exception as err:  # Wand's exceptions, or an unsupported layout
                results.append(error_line(err))
        return results

    def _preprocess(self, path: Path, preprocessing: Preprocessing) -> np.ndarray:
        image = self.read(path, at_least=None if preprocessing.trim else preprocessing.resize)
        try:
            image = self.remove_alpha(image)
            if preprocessing.trim:
                pixels = self.to_array(image)
                trimmed = trim_array(pixels)
                if trimmed is not pixels:
                    image.close()
                    image = self.from_array(trimmed)
            pixels = self.to_array(self.resize(image, *preprocessing.resize))
        finally:
            image.close()
        values = colour_array(pixels, preprocessing.grayscale)
        if preprocessing.minmax_normalize:
            values = minmax_array(values)
        if preprocessing.adaptive_invert:
            values = invert_array(values)
        return preprocessing.finish(values)

    def read(self, path: Path, at_least: tuple[int, int] | None = None) -> Image:
        """Decode ``path`` (corrupt or non-image files raise a Wand exception).

        ``at_least`` (width, height): let the JPEG decoder scale down by 1/2, 1/4 or 1/8 as long
        as the image stays at least that large (libjpeg's DCT scaling, ImageMagick's ``jpeg:size``).
        """
        with Image() as header:  # the size from the header, before decoding
            header.ping(filename=str(path))
            check_image_pixels(path, header.width, header.height)
        image = Image()
        if at_least is not None:
            image.options["jpeg:size"] = f"{at_least[0]}x{at_least[1]}"
        try:
            image.read(filename=str(path))
        except BaseException:
            image.close()
            raise
        if len(image.sequence) > 1:  # animated or multi-page: keep the first frame
            first = Image(image=image.sequence[0])
            image.close()
            image = first
        if image.colorspace == "cmyk":  # Pillow's plain formula, as every backend (not ImageMagick's)
            cmyk = np.asarray(image.export_pixels(channel_map="CMYK", storage="char"), dtype=np.uint8).reshape(image.height, image.width, 4)
            image.close()
            image = self.from_array(cmyk_to_rgb(cmyk))
        return image

    def from_array(self, pixels: np.ndarray) -> Image:
        """An image from (H, W, C) values in 0..255."""
        height, width, channels = pixels.shape
        data = np.ascontiguousarray(np.repeat(pixels, 3, axis=2) if channels == 1 else pixels[:, :, :3], dtype=np.float32) / np.float32(255)
        image = Image(width=width, height=height, background=Color("black"))
        image.alpha_channel = "off"
        if not library.MagickImportImagePixels(image.wand, 0, 0, width, height, b"RGB", _FLOAT, data.ctypes.data_as(ctypes.c_void_p)):
            image.raise_exception()
        if channels == 1:
            image.transform_colorspace("gray")
        return image

    def to_array(self, image: Image) -> np.ndarray:
        """Float32 (H, W, C) in 0..255 (one channel in the gray colourspace, else RGB)."""
        channels = _channels(image)
        out = np.empty((image.height, image.width, channels), dtype=np.float32)
        mapping = b"R" if channels == 1 else b"RGB"
        if not library.MagickExportImagePixels(image.wand, 0, 0, image.width, image.height, mapping, _FLOAT, out.ctypes.data_as(ctypes.c_void_p)):
            image.raise_exception()
        return out * np.float32(255)

    def remove_alpha(self, image: Image) -> Image:
        """Flatten alpha onto black."""
        if image.alpha_channel:
            image.background_color = Color("black")
            image.alpha_channel = "remove"
        return image

    def trim(self, image: Image) -> Image:
        """Crop the borders of pixel (0, 0)'s colour, then pad with it back to the aspect ratio."""
        background = _top_left(image)
        original_width, original_height = image.size
        trimmed = image.clone()
        trimmed.trim(color=background, fuzz=TRIM_THRESHOLD / 255 * image.quantum_range, reset_coords=True)
        width, height = trimmed.size
        if (width, height) == (1, 1) or (width, height) == (original_width, original_height):
            trimmed.close()
            return image  # uniform image (nothing left) or no border
        image.close()
        ratio = original_width / original_height
        out_width, out_height = (max(width, round(height * ratio)), height) if width / height < ratio else (width, max(height, round(width / ratio)))
        trimmed.background_color = background
        trimmed.extent(out_width, out_height, x=-((out_width - width) // 2), y=-((out_height - height) // 2))
        trimmed.reset_coords()
        return trimmed

    def resize(self, image: Image, width: int, height: int) -> Image:
        """Lanczos resize to exactly ``width`` x ``height``."""
        if image.size != (width, height):
            image.resize(width, height, filter="lanczos")
        return image

    def grayscale(self, image: Image) -> Image:
        """Rec. 709 luma of the stored RGB values (gray images unchanged)."""
        if _channels(image) == 3:
            image.color_matrix(LUMA_MATRIX)
            image.transform_colorspace("gray")
        return image

    def to_rgb(self, image: Image) -> Image:
        """Three channels."""
        if _channels(image) == 1:
            image.transform_colorspace("srgb")
        return image

    def minmax_normalize(self, image: Image) -> Image:
        """Stretch the image's range (all channels together) to the full range."""
        low, high = image.range_channel()
        if high > low:
            image.level(black=low / image.quantum_range, white=high / image.quantum_range)
        return image

    def adaptive_invert(self, image: Image) -> Image:
        """Negate when pixel (0, 0) is dark."""
        colour = _top_left(image)
        values = [colour.red] if _channels(image) == 1 else [colour.red, colour.green, colour.blue]
        if float(np.mean(values)) < 0.5:
            image.negate()
        return image

    def rotate(self, image: Image, angle: float) -> Image:
        """Rotate clockwise, fill with pixel (0, 0)'s colour, crop the centre."""
        width, height = image.size
        image.rotate(angle, background=_top_left(image))
        image.crop((image.width - width) // 2, (image.height - height) // 2, width=width, height=height)
        image.reset_coords()
        return image

    def add_noise(self, image: Image, sigma: float, seed: int) -> Image:
        """Seeded Gaussian noise of fixed standard deviation, generated with numpy.

        ImageMagick's own Gaussian noise (``+noise Gaussian``) scales with the pixel intensity
        and cannot be seeded per image, so it cannot honour the shared semantics.
        """
        pixels = self.to_array(image)
        image.close()
        noisy = pixels + np.random.default_rng(seed).normal(0.0, sigma, size=pixels.shape).astype(np.float32)
        return self.from_array(np.clip(noisy, 0, 255))

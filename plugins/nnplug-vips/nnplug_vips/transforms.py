"""The data loaders' image transforms on libvips (pyvips).

:meth:`VipsTransforms.preprocess_files` plans the chain of many files at once. Each file is
opened lazily (header only); without trim it is decoded at a reduced size when the format allows
it (JPEG shrink-on-load, WebP scale-on-load), flattened, and -- if it is larger than
:data:`STACK_AT_MOST` -- resized in the same evaluation. Small images (the digits of training
sets) are decoded in one evaluation each and then resized together, one libvips call per size,
stacked as the bands of one image: setting up a libvips call costs about as much as decoding a
small PNG. Trim needs the decoded pixels first (its box depends on them), so with trim a file is
decoded at full size, trimmed with numpy, then resized. Small images are computed by a region
fetch in the calling thread (no thread pool start-up per image; the loader runs one task per
core), large ones written to memory (:func:`fetch`). The point operations after the resize (luma,
min-max, invert) run with numpy on the small result.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pyvips

from nnplug.datasets.image_transforms import ImageTransforms, colour_array, error_line, invert_array, minmax_array, trim_array
from nnplug.datasets.preprocessing import Preprocessing
from nnplug.image_backend import check_image_pixels, cmyk_to_rgb

#: Luma weights of :meth:`VipsTransforms.grayscale` (Rec. 709 on the stored values).
LUMA = [[0.2126, 0.7152, 0.0722]]

#: numpy dtype of each libvips band format.
DTYPES = {
    "uchar": np.uint8,
    "char": np.int8,
    "ushort": np.uint16,
    "short": np.int16,
    "uint": np.uint32,
    "int": np.int32,
    "float": np.float32,
    "double": np.float64,
}

#: Most bands stacked into one image by :meth:`VipsTransforms.resize_many`.
MAX_STACKED_BANDS = 384

#: Largest image (pixels) stacked with others for one resize; larger ones are resized alone.
STACK_AT_MOST = 128 * 128

#: Loaders that decode at a reduced size, and how to ask them for an integer shrink factor.
SHRINK_ON_LOAD = {
    "jpegload": lambda factor: {"shrink": factor},
    "webpload": lambda factor: {"scale": 1 / factor},
}


def fetch(image: pyvips.Image, shape: tuple[int, int, int] | None = None, band_format: str | None = None, exact: bool = False) -> np.ndarray | None:
    """Evaluate ``image``: its (H, W, C) pixels (``shape`` and ``band_format`` when the caller knows them:
    each header field read from Python costs about 10 microseconds, as much as a digit's trim). With
    ``exact``, None when the pixels computed do not have the size ``shape`` and ``band_format`` imply.

    A small image is computed by a region fetch in the calling thread: libvips' thread pool costs
    more to start than the work on the small images of training sets (the data loaders run one
    task per core anyway). A large one is written to memory by libvips' own strips and threads:
    one region covering a whole large image is slower (measured about 3x on a 320x240 JPEG).
    """
    height, width, bands = shape if shape is not None else (image.height, image.width, image.bands)
    dtype = DTYPES[band_format or image.format]
    if width * height <= STACK_AT_MOST:
        data = pyvips.Region.new(image).fetch(0, 0, width, height)
    else:
        data = image.write_to_memory()
    if exact and len(data) != width * height * bands * np.dtype(dtype).itemsize:
        return None  # not the band format the caller assumed
    return np.frombuffer(data, dtype=dtype).reshape(height, width, bands)


def open_image(path: Path, access: str = "sequential", **options) -> pyvips.Image:
    """Open ``path`` lazily (header only); decoding errors, truncation included, raise when evaluated.

    An image larger than the pixel limit raises here, before anything is decoded.
    """
    image = pyvips.Image.new_from_file(str(path), access=access, fail_on="warning", revalidate=True, **options)
    check_image_pixels(path, image.width, image.height)
    return image


def shrink_factor(width: int, height: int, target: tuple[int, int]) -> int:
    """The largest of 1, 2, 4, 8 that keeps a ``width`` x ``height`` image at least ``target`` in both sides."""
    room = min(width / target[0], height / target[1])
    return next((factor for factor in (8, 4, 2) if factor <= room), 1)


def open_for_size(path: Path, target: tuple[int, int]) -> tuple[pyvips.Image, int, int]:
    """Open ``path`` decoding at the smallest size still at least ``target`` (JPEG, WebP), else full size;
    return the image and its width and height.

    Small images are read sequentially; large ones with random access, which lets the resize that
    follows in the same evaluation read the decoded image at once (measured faster than
    sequential decoding feeding the resize, on 640x480 JPEG photos).
    """
    image = open_image(path)
    width, height = image.width, image.height
    factor = shrink_factor(width, height, target)
    make_options = SHRINK_ON_LOAD.get(str(image.get("vips-loader")).removesuffix("_source")) if factor > 1 else None
    factor = factor if make_options is not None else 1
    large = (width // factor) * (height // factor) > STACK_AT_MOST
    if factor == 1 and not large:
        return image, width, height
    image = open_image(path, access="random" if large else "sequential", **(make_options(factor) if make_options else {}))
    return (image, image.width, image.height) if factor > 1 else (image, width, height)


def standard(image: pyvips.Image) -> pyvips.Image:
    """8-bit sRGB or grey with an optional alpha band, whatever the file stored (CMYK, 16-bit, float).

    CMYK goes through :func:`nnplug.image_backend.cmyk_to_rgb` (Pillow's plain formula, as every
    backend), not libvips' colour profile.
    """
    if image.interpretation == "cmyk" and image.bands >= 4:
        cmyk = image.extract_band(0, n=4)
        cmyk = cmyk if cmyk.format == "uchar" else (cmyk >> 8).cast("uchar")
        return pyvips.Image.new_from_array(cmyk_to_rgb(fetch(cmyk)), interpretation="srgb")
    if image.format == "uchar":
        return image
    if image.interpretation in ("rgb16", "grey16"):
        return image.colourspace("srgb" if image.interpretation == "rgb16" else "b-w")
    return image.cast("uchar")


class VipsTransforms(ImageTransforms):
    """Each transform is one or two libvips operations on a ``pyvips.Image`` (statistics on its pixels)."""

    def version(self) -> str:
        """The class, libvips' version and the transforms' version."""
        return f"{super().version()}; libvips {pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"

    def preprocess_files(self, paths: Sequence[Path], preprocessing: Preprocessing) -> list[np.ndarray | str]:
        """The whole chain of many files, planned for libvips (see the module docstring)."""
        decoded: list[np.ndarray | str] = []
        for path in paths:
            try:
                decoded.append(self.decode(path, preprocessing))
            except Exception as err:  # pyvips.Error, or an unsupported colour layout
                decoded.append(error_line(err))
        readable = [index for index, pixels in enumerate(decoded) if not isinstance(pixels, str)]
        resized = self.resize_many([decoded[index] for index in readable], *preprocessing.resize)
        results: list[np.ndarray | str] = list(decoded)
        by_channels: dict[int, list[int]] = {}
        for position, pixels in enumerate(resized):
            by_channels.setdefault(pixels.shape[2], []).append(position)
        for members in by_channels.values():  # the steps after the resize, on all images at once
            values = colour_array(np.stack([resized[position] for position in members]), preprocessing.grayscale)
            if preprocessing.minmax_normalize:
                values = minmax_array(values)
            if preprocessing.adaptive_invert:
                values = invert_array(values)
            for position, sample in zip(members, preprocessing.finish(values)):
                results[readable[position]] = sample
        return results

    def decode(self, path: Path, preprocessing: Preprocessing) -> np.ndarray:
        """``path`` in 8 bits with alpha flattened onto black, in one evaluation: uint8 (H, W, C).

        With trim: decoded at full size, then trimmed (the box needs the pixels). Without: decoded at
        a reduced size when the format allows it, and resized in the same evaluation unless the
        image is small (small ones are resized together by :meth:`resize_many`).
        """
        if preprocessing.trim:
            image = open_image(path)
            width, height = image.width, image.height
        else:
            image, width, height = open_for_size(path, preprocessing.resize)
        # 8-bit files are the rule: their band format is not read (one header field less per file);
        # the size of the computed pixels tells, and other formats go through standard().
        bands = image.bands
        if bands >= 4 and image.interpretation == "cmyk":
            image, bands = standard(image), 3
        for attempt in ("as stored", "standardized"):
            if attempt == "standardized":  # opened again: a sequential file is read once per opening
                image = standard(open_image(path) if preprocessing.trim else open_for_size(path, preprocessing.resize)[0])
                bands = image.bands
            if image.hasalpha():
                image, bands = self.remove_alpha(image), bands - 1
            shape = (height, width, bands)
            if not preprocessing.trim and width * height > STACK_AT_MOST:
                image, shape = self.resize(image, *preprocessing.resize), (*preprocessing.resize[::-1], bands)
            pixels = fetch(image, shape, "uchar", exact=attempt == "as stored")
            if pixels is not None:
                break
        return trim_array(pixels) if preprocessing.trim else pixels

    def resize_many(self, images: list[np.ndarray], width: int, height: int) -> list[np.ndarray]:
        """Resize uint8 (H, W, C) arrays to ``width`` x ``height`` (in order), those of one size together.

        Small images of the same size are stacked as the bands of one image and resized in one
        libvips call: each call costs about half a millisecond to set up, as much as decoding a small
        PNG, and the bands of an image are resized independently, so the result is the same.
        """
        out: list[np.ndarray | None] = [None] * len(images)
        groups: dict[tuple[int, ...], list[int]] = {}
        for index, pixels in enumerate(images):
            if pixels.shape[:2] == (height, width):
                out[index] = pixels
            elif pixels.shape[0] * pixels.shape[1] > STACK_AT_MOST:
                out[index] = fetch(self.resize(pyvips.Image.new_from_array(pixels), width, height))
            else:
                groups.setdefault(pixels.shape, []).append(index)
        for shape, members in groups.items():
            channels = shape[2]
            for begin in range(0, len(members), MAX_STACKED_BANDS // channels or 1):
                chunk = members[begin : begin + (MAX_STACKED_BANDS // channels or 1)]
                stacked = images[chunk[0]] if len(chunk) == 1 else np.concatenate([images[i] for i in chunk], axis=2)
                result = fetch(self.resize(pyvips.Image.new_from_array(np.ascontiguousarray(stacked)), width, height))
                for position, index in enumerate(chunk):
                    out[index] = result[:, :, position * channels : (position + 1) * channels]
        return [pixels for pixels in out if pixels is not None]

    def read(self, path: Path) -> pyvips.Image:
        """Decode ``path`` fully (truncated or corrupt files raise ``pyvips.Error``)."""
        image = standard(open_image(path))
        return pyvips.Image.new_from_array(fetch(image), interpretation=image.interpretation)

    def from_array(self, pixels: np.ndarray) -> pyvips.Image:
        """Wrap an (H, W, C) array."""
        return pyvips.Image.new_from_array(np.ascontiguousarray(pixels))

    def to_array(self, image: pyvips.Image) -> np.ndarray:
        """Float32 (H, W, C)."""
        return fetch(image).astype(np.float32, copy=False)

    def remove_alpha(self, image: pyvips.Image) -> pyvips.Image:
        """Flatten alpha onto black."""
        return image.flatten(background=[0]) if image.hasalpha() else image

    def trim(self, image: pyvips.Image) -> pyvips.Image:
        """Crop the borders of pixel (0, 0)'s colour, then pad with it back to the aspect ratio.

        The box is found on the pixels with numpy (``find_trim`` median-filters first, which drops
        thin strokes): a threshold on the difference to the corner colour, as ImageMagick's trim.
        """
        pixels = fetch(image)
        trimmed = trim_array(pixels)
        return image if trimmed is pixels else self.from_array(trimmed)

    def resize(self, image: pyvips.Image, width: int, height: int) -> pyvips.Image:
        """Lanczos3 resize to exactly ``width`` x ``height``."""
        if (image.width, image.height) == (width, height):
            return image
        resized = image.resize(width / image.width, vscale=height / image.height, kernel="lanczos3")
        if (resized.width, resized.height) != (width, height):  # rounding of the scale
            resized = resized.gravity("centre", width, height, extend="copy")
        return resized

    def grayscale(self, image: pyvips.Image) -> pyvips.Image:
        """Rec. 709 luma of the three bands (one-band images unchanged)."""
        return image if image.bands == 1 else image.extract_band(0, n=3).recomb(LUMA)

    def to_rgb(self, image: pyvips.Image) -> pyvips.Image:
        """Three bands."""
        return image.bandjoin([image, image]) if image.bands == 1 else image.extract_band(0, n=3)

    def minmax_normalize(self, image: pyvips.Image) -> pyvips.Image:
        """Stretch to 0..255 (minimum and maximum over all bands)."""
        return self.from_array(minmax_array(fetch(image).astype(np.float32)))

    def adaptive_invert(self, image: pyvips.Image) -> pyvips.Image:
        """255 - v when pixel (0, 0) is dark."""
        return image.linear(-1, 255) if float(fetch(image.crop(0, 0, 1, 1)).mean()) < 127.5 else image

    def rotate(self, image: pyvips.Image, angle: float) -> pyvips.Image:
        """Rotate clockwise, fill with pixel (0, 0)'s colour, crop the centre."""
        corner = [float(v) for v in fetch(image.crop(0, 0, 1, 1)).ravel()]
        rotated = image.rotate(angle, background=corner)
        return rotated.crop((rotated.width - image.width) // 2, (rotated.height - image.height) // 2, image.width, image.height)

    def add_noise(self, image: pyvips.Image, sigma: float, seed: int) -> pyvips.Image:
        """libvips' seeded Gaussian noise, one independent field per band."""
        fields = [pyvips.Image.gaussnoise(image.width, image.height, sigma=sigma, mean=0, seed=seed + band) for band in range(image.bands)]
        noise = fields[0].bandjoin(fields[1:]) if len(fields) > 1 else fields[0]
        return (image.cast("float") + noise).clamp(min=0, max=255)

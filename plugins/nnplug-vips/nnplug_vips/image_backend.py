"""The ``Vips`` image backend: read, resize and write images with libvips."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nnplug import files
from nnplug.errors import NnplugError
from nnplug.image_backend import ImageBackend, check_image_pixels, cmyk_to_rgb


class Vips(ImageBackend):
    """Reads, resizes and writes images with libvips (pyvips)."""

    def read_rgb(self, path: Path) -> np.ndarray:
        """Decode ``path`` as uint8 RGB (H, W, 3), upright; alpha is dropped, gray is repeated, CMYK by the plain formula."""
        import pyvips

        try:
            image = pyvips.Image.new_from_file(str(path), access="sequential", fail_on="warning", revalidate=True)
            check_image_pixels(path, image.width, image.height)  # from the header: nothing decoded yet
            image = image.autorot()  # upright as the EXIF orientation says (as rembg and Pillow's exif_transpose)
            if image.interpretation == "cmyk" and image.bands >= 4:  # the plain formula, as Pillow (not libvips' profile)
                cmyk = image.extract_band(0, n=4)
                return cmyk_to_rgb((cmyk if cmyk.format == "uchar" else (cmyk >> 8)).cast("uchar").numpy())
            if image.hasalpha():
                image = image.extract_band(0, n=image.bands - 1)
            if image.interpretation not in ("srgb", "b-w", "multiband") or image.format != "uchar":
                image = image.colourspace("srgb").cast("uchar")
            pixels = image.numpy()
        except pyvips.Error as err:
            raise NnplugError(f"cannot read image {path}: {' '.join(str(err).split())[:200]}") from None
        if pixels.ndim == 2:
            pixels = pixels[:, :, None]
        if pixels.shape[2] == 1:
            pixels = np.repeat(pixels, 3, axis=2)
        return np.ascontiguousarray(pixels[:, :, :3], dtype=np.uint8)

    def resize(self, pixels: np.ndarray, width: int, height: int) -> np.ndarray:
        """Bilinear-like (linear kernel) resize of (H, W) or (H, W, C) pixels; keeps the dtype kind."""
        import pyvips

        two_d = pixels.ndim == 2
        source = pixels[:, :, None] if two_d else pixels
        as_float = np.issubdtype(source.dtype, np.floating)
        image = pyvips.Image.new_from_array(np.ascontiguousarray(source.astype(np.float32) if as_float else source))
        out = image.resize(width / image.width, vscale=height / image.height, kernel="linear")
        if (out.width, out.height) != (width, height):
            out = out.gravity("centre", width, height, extend="copy")
        result = out.numpy()
        if result.ndim == 2:
            result = result[:, :, None]
        if as_float:
            result = result.astype(np.float32, copy=False)
        else:
            result = np.clip(np.rint(result), 0, np.iinfo(pixels.dtype).max).astype(pixels.dtype)
        return result[:, :, 0] if two_d else result

    def write_png(self, path: Path, pixels: np.ndarray) -> None:
        """Write uint8 (H, W), (H, W, 3) or (H, W, 4) pixels as PNG, atomically."""
        import pyvips

        path = Path(path)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp.png")
        try:
            pyvips.Image.new_from_array(np.ascontiguousarray(pixels, dtype=np.uint8)).pngsave(str(temporary))
            os.replace(temporary, path)
        except pyvips.Error as err:  # a full disk is libvips' multi-line text: one line, naming the file
            raise files.library_write_error(path, err) from None
        finally:
            temporary.unlink(missing_ok=True)

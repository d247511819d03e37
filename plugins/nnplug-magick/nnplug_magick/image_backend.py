"""The ``ImageMagick`` image backend: read, resize and write images with ImageMagick (Wand)."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from nnplug import files
from nnplug.errors import NnplugError
from nnplug.image_backend import ImageBackend, check_image_pixels, cmyk_to_rgb


class ImageMagick(ImageBackend):
    """Reads, resizes and writes images with ImageMagick (Wand)."""

    def read_rgb(self, path: Path) -> np.ndarray:
        """Decode ``path`` as uint8 RGB (H, W, 3), upright; alpha is dropped, gray is repeated, CMYK by the plain formula."""
        from wand.exceptions import WandException
        from wand.image import Image

        try:
            with Image() as header:  # the size from the header, before decoding
                header.ping(filename=str(path))
                check_image_pixels(path, header.width, header.height)
            with Image(filename=str(path)) as image:
                with Image(image=image.sequence[0]) as frame:
                    frame.auto_orient()  # upright as the EXIF orientation says (as rembg and Pillow's exif_transpose)
                    width, height = frame.size
                    cmyk = frame.colorspace == "cmyk"  # the plain formula, as Pillow (not ImageMagick's)
                    values = frame.export_pixels(channel_map="CMYK" if cmyk else "RGB", storage="char")
        except WandException as err:
            raise NnplugError(f"cannot read image {path}: {' '.join(str(err).split())[:200]}") from None
        if cmyk:
            return cmyk_to_rgb(np.asarray(values, dtype=np.uint8).reshape(height, width, 4))
        return np.asarray(values, dtype=np.uint8).reshape(height, width, 3)

    def resize(self, pixels: np.ndarray, width: int, height: int) -> np.ndarray:
        """Triangle-filter (bilinear-like) resize of (H, W) or (H, W, C) pixels, channel by channel; keeps the dtype kind."""
        from nnplug_magick.transforms import MagickTransforms

        transforms = MagickTransforms()
        source = pixels[:, :, None] if pixels.ndim == 2 else pixels
        as_float = np.issubdtype(source.dtype, np.floating)
        scale = np.float32(255.0 if as_float else 255.0 / np.iinfo(source.dtype).max)
        channels = []
        for index in range(source.shape[2]):
            image = transforms.from_array(source[:, :, index : index + 1].astype(np.float32) * scale)
            image.resize(width, height, filter="triangle")
            channels.append(transforms.to_array(image)[:, :, 0] / scale)
            image.close()
        result = np.stack(channels, axis=2)
        if not as_float:
            result = np.clip(np.rint(result), 0, np.iinfo(source.dtype).max).astype(source.dtype)
        else:
            result = result.astype(source.dtype, copy=False)
        return result[:, :, 0] if pixels.ndim == 2 else result

    def write_png(self, path: Path, pixels: np.ndarray) -> None:
        """Write uint8 (H, W), (H, W, 3) or (H, W, 4) pixels as PNG, atomically."""
        from wand.exceptions import WandException
        from wand.image import Image

        path = Path(path)
        data = np.ascontiguousarray(pixels[:, :, None] if pixels.ndim == 2 else pixels, dtype=np.uint8)
        channel_map = {1: "I", 3: "RGB", 4: "RGBA"}[data.shape[2]]
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp.png")
        try:
            with Image.from_array(data, channel_map=channel_map) as image:
                image.format = "png"
                image.save(filename=str(temporary))
            os.replace(temporary, path)
        except WandException as err:  # a full disk in ImageMagick's words: one line, naming the file
            raise files.library_write_error(path, err) from None
        finally:
            temporary.unlink(missing_ok=True)

"""What to run inference on: files, folders and dataset names, expanded to a list of images.

Rules:
- a path that exists is used as is; otherwise the argument is a dataset name looked up under
  ``--datasets-path``;
- a folder is searched recursively for files with an image extension (hidden files and other
  files are ignored); a folder holding an ``images/`` subfolder is a segmentation dataset: its
  images are taken from ``images/`` and their ground truth masks from ``masks/`` (same relative
  path, any image extension);
- images inside class folders (``<folder>/<label>/<file>``) carry that label (classification);
- a file named explicitly is always attempted, whatever its extension.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from nnplug import NnplugError
from nnplug.files import shown_name

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pnm"})


@dataclass(frozen=True)
class ImageInput:
    """One image to process.

    Attributes:
        path: the image file.
        name: its path relative to the folder it was found in, without extension: output files
            are named after it (``cars/red`` → ``cars/red_mask.png``).
        label: the class folder the image sits in, when found inside a folder with subfolders.
        ground_truth: the ground truth mask of a segmentation dataset, when there is one.
    """

    path: Path
    name: str
    label: str | None = None
    ground_truth: Path | None = None


def _images_in(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _ground_truth(masks: Path, relative: Path) -> Path | None:
    for extension in (relative.suffix, *sorted(IMAGE_EXTENSIONS)):
        candidate = masks / relative.with_suffix(extension)
        if candidate.is_file():
            return candidate
    return None


def _from_folder(folder: Path) -> list[ImageInput]:
    images_folder = folder / "images"
    if images_folder.is_dir():
        masks = folder / "masks"
        return [
            ImageInput(p, p.relative_to(images_folder).with_suffix("").as_posix(), None, _ground_truth(masks, p.relative_to(images_folder)))
            for p in _images_in(images_folder)
        ]
    found = []
    for path in _images_in(folder):
        relative = path.relative_to(folder)
        label = relative.parts[0] if len(relative.parts) > 1 else None
        found.append(ImageInput(path, relative.with_suffix("").as_posix(), label))
    return found


def resolve(argument: str, datasets_path: Path) -> Path:
    """The file or folder an argument names: an existing path, else a dataset under ``datasets_path``.

    Raises:
        NnplugError: neither exists.
    """
    path = Path(argument)
    if path.exists():
        return path
    dataset = Path(datasets_path) / argument
    if dataset.exists():
        return dataset
    raise NnplugError(f"input {argument!r} not found: neither a file or folder nor a dataset in {datasets_path}")


def collect(arguments: list[str], datasets_path: Path) -> list[ImageInput]:
    """Every image the arguments name, in order; output names made unique.

    Raises:
        NnplugError: an argument names nothing, or a folder holds no image.
    """
    collected: list[ImageInput] = []
    for argument in arguments:
        path = resolve(argument, datasets_path)
        if path.is_dir():
            if not os.access(path, os.R_OK | os.X_OK):
                raise NnplugError(f"cannot read the input folder {shown_name(path)}: permission denied")
            try:
                found = _from_folder(path)
            except OSError as err:
                raise NnplugError(f"cannot read the input folder {shown_name(path)}: {err.strerror or err}") from None
            if not found:
                extensions = ", ".join(sorted(IMAGE_EXTENSIONS))
                raise NnplugError(f"no image in {path} (looked for {extensions})")
            collected.extend(found)
        elif path.is_file():
            collected.append(ImageInput(path, path.stem))
        else:  # a named pipe would block forever in open(), a device would be read without end
            raise NnplugError(f"input {shown_name(path)} is not a regular file or a folder")
    return _unique_names(collected)


def _unique_names(images: list[ImageInput]) -> list[ImageInput]:
    seen: dict[str, int] = {}
    unique = []
    for image in images:
        count = seen.get(image.name, 0)
        seen[image.name] = count + 1
        unique.append(image if count == 0 else ImageInput(image.path, f"{image.name}-{count + 1}", image.label, image.ground_truth))
    return unique

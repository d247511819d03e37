"""Find a model file by name: ``--onnx-model NAME`` means ``<models-path>/NAME.onnx``."""
from __future__ import annotations

from pathlib import Path

from nnplug import NnplugError
from nnplug_onnxruntime.conventions import download_hint


def locate_model(name: str, models_path: Path) -> Path:
    """Return the path of model ``name`` (a name, a file name or a path to an .onnx file).

    Raises:
        NnplugError: the file does not exist; the message says where it looked and what to do.
    """
    candidate = Path(name)
    if candidate.suffix == ".onnx" and (candidate.is_absolute() or len(candidate.parts) > 1):
        path = candidate
    else:
        path = Path(models_path) / (name if name.endswith(".onnx") else f"{name}.onnx")
    if path.is_file():
        return path
    stem = path.stem
    hint = download_hint(stem) or f"put {path.name} there, or pass --models-path DIR or --onnx-model NAME"
    raise NnplugError(f"ONNX model {stem!r} not found: no file {path.absolute()} ({hint})")

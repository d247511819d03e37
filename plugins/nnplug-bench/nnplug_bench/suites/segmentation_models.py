"""The segmentation networks the inference suite runs, as torch modules and as ONNX files.

They come from the ``nnplug_onnx.segmentation`` package (the shipped BlobNet's architecture and
the U2-Net-shaped network; ``scripts/segmentation`` trains and exports them). ONNX Runtime runs the shipped ``models/blobnet.onnx`` when present
(at 320×320) and otherwise the file the project's own exporter makes of the module; torch runs
the module itself with random weights (speed does not depend on their values).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from nnplug_bench.paths import repository


@dataclass(frozen=True)
class SegmentationModel:
    """A network of the inference suite.

    Attributes:
        title: its name in tables and plots.
        build: returns the torch module (eval mode) given the scripts' modules.
    """

    title: str
    build: Callable[[Any, Any], Any]
    #: the ONNX file shipped in ``models/`` with this architecture, used as is when present.
    shipped: str | None = None


def scripts() -> tuple[Any, Any, Any]:
    """The ``blobnet``, ``u2net_like`` and ``export`` modules of ``nnplug_onnx.segmentation`` (ImportError when absent)."""
    return tuple(importlib.import_module(f"nnplug_onnx.segmentation.{name}") for name in ("blobnet", "u2net_like", "export"))


def models(quick: bool) -> list[SegmentationModel]:
    """BlobNet (the shipped model's network) and U2-NetP's shape (a tiny width in quick mode)."""
    mid, out = (4, 8) if quick else (16, 64)
    return [
        SegmentationModel("BlobNet (shipped)", lambda blobnet, u2net: blobnet.BlobNet().eval(), shipped="blobnet.onnx"),
        SegmentationModel("U2-NetP-shaped" if not quick else "U2-Net-shaped (tiny)", lambda blobnet, u2net: u2net.random_u2net_like(mid, out)),
    ]


def shipped_file(model: SegmentationModel, size: int) -> Path | None:
    """The repository's ``models/<file>`` for ``model`` when it exists and ``size`` is its 320×320, else None."""
    if model.shipped is None or size != 320:
        return None
    path = repository() / "models" / model.shipped
    return path if path.is_file() else None


def export(module: Any, path: Path, size: int) -> Path:
    """``module`` as an ONNX file with U2-Net's interface (dynamic batch), through the project's exporter."""
    _, u2net, exporter = scripts()
    names = list(u2net.OUTPUT_NAMES) if isinstance(module, u2net.U2NetLike) else None
    return exporter.export_segmentation_model(module, path, (size, size), names)

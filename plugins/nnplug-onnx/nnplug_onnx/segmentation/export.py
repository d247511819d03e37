"""Export a torch segmentation network to ONNX with U2-Net's interface.

One input ``input`` float32 (batch, 3, 320, 320), normalized; the outputs in the module's order,
the first being the foreground probability (batch, 1, 320, 320); the batch axis is dynamic.
Uses the TorchScript exporter (``dynamo=False``): it folds batch norm into the convolutions and
writes one self-contained file (no external data).
"""
from __future__ import annotations

from pathlib import Path

import torch

from nnplug.files import atomic_path


def export_segmentation_model(
    model: torch.nn.Module, path: Path, size: tuple[int, int] = (320, 320), output_names: list[str] | None = None
) -> Path:
    """Write ``model`` (in eval mode) to ``path`` atomically and return the path."""
    model.eval()
    output_names = output_names or ["mask"]
    dynamic = {"input": {0: "batch"}} | {name: {0: "batch"} for name in output_names}
    with atomic_path(path) as temporary, torch.no_grad():
        torch.onnx.export(
            model,
            (torch.zeros(1, 3, *size),),
            str(temporary),
            input_names=["input"],
            output_names=output_names,
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )
    return path

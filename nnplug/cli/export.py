"""``nnplug export``: a saved model (checkpoint) as an ONNX file.

Models export themselves when they have an ``export_onnx(path, sample_shape, dtype)`` method
(the torch engine's do, through ``torch.onnx.export``); other models are exported by a function
registered in the entry-point group ``nnplug.onnx_exporters`` under the model's plugin name
(``function(model, path, sample_shape, dtype)``; nnplug-onnx registers NLayers and OneLayer).
The exported graph is the model in evaluation mode: input ``input`` (N, *sample_shape), output
``probabilities`` (N, classes).
"""
from __future__ import annotations

import importlib.metadata
from pathlib import Path
from typing import Any, Callable

import click
import numpy as np

from nnplug.errors import NnplugError

EXPORTER_GROUP = "nnplug.onnx_exporters"


def exporter_for(model: Any) -> Callable[..., None]:
    """The function that writes ``model`` as ONNX, or a one-line error when there is none."""
    if hasattr(model, "export_onnx"):
        return lambda model, path, sample_shape, dtype: model.export_onnx(path, sample_shape, dtype=dtype)
    name = model.plugin_name or type(model).__name__
    for entry in importlib.metadata.entry_points(group=EXPORTER_GROUP):
        if entry.name == name:
            return entry.load()
    raise NnplugError(f"model {name} cannot be exported to ONNX (no export_onnx method, no {EXPORTER_GROUP} entry point)")


def export_checkpoint(checkpoint: Path, output: Path, dtype: str = "float32") -> tuple[Any, dict[str, Any]]:
    """Rebuild the model saved in ``checkpoint`` and write it as ONNX to ``output``; return (model, configuration)."""
    from nnplug.checkpoints import rebuild_model

    model, config = rebuild_model(checkpoint)
    exporter = exporter_for(model)
    output.parent.mkdir(parents=True, exist_ok=True)
    exporter(model, output, tuple(config["sample_shape"]), dtype)
    return model, config


def verify(model: Any, output: Path, sample_shape: tuple[int, ...], dtype: str, samples: int = 8, seed: int = 0) -> float:
    """Max absolute difference between ONNX Runtime on ``output`` and the model, on random samples in 0..1."""
    import onnxruntime

    x = np.random.default_rng(seed).uniform(0, 1, size=(samples, *sample_shape)).astype(dtype)
    session = onnxruntime.InferenceSession(str(output), providers=["CPUExecutionProvider"])
    (exported,) = session.run(None, {session.get_inputs()[0].name: x})
    expected = model.forward(x.astype(np.float64) if getattr(model, "engine", "") == "numpy" else x, training=False)
    if hasattr(expected, "detach"):
        expected = expected.detach().cpu().numpy()
    return float(np.abs(np.asarray(expected, dtype=np.float64) - exported).max())


@click.command()
@click.option("--checkpoint", required=True, type=click.Path(dir_okay=False, path_type=Path), help="model saved by bin/train --save-model")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="ONNX file to write")
@click.option("--dtype", type=click.Choice(["float32", "float64"]), default="float32", show_default=True, help="float type of the exported graph")
@click.option("--verify/--no-verify", "check", default=True, show_default=True, help="compare ONNX Runtime's outputs with the model's on random samples")
def export(checkpoint: Path, output: Path, dtype: str, check: bool) -> None:
    """Export a checkpoint to ONNX (NLayers, OneLayer, NLayersTorch, OnnxTorch...)."""
    model, config = export_checkpoint(checkpoint, output, dtype)
    message = f"wrote {output} ({config['model']}, input (N, {', '.join(map(str, config['sample_shape']))}), {config['nbr_classes']} classes)"
    if check:
        try:
            difference = verify(model, output, tuple(config["sample_shape"]), dtype)
            message += f"; ONNX Runtime vs {config['model']}: max abs difference {difference:.2e}"
        except ImportError:
            message += "; not verified (onnxruntime is not installed)"
    click.echo(message)

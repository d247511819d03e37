"""``nnplug export``: a saved model (checkpoint) as an ONNX file.

Models export themselves when they have an ``export_onnx(path, sample_shape, dtype)`` method
(the torch engine's do, through ``torch.onnx.export``); other models are exported by a function
registered in the entry-point group ``nnplug.onnx_exporters`` under the model's plugin name
(``function(model, path, sample_shape, dtype)``; nnplug-onnx registers NLayers and OneLayer).
The exported graph is the model in evaluation mode: input ``input`` (N, *sample_shape), output
``probabilities`` (N, classes). The file's metadata_props carry what inference needs to feed it
as training did: ``labels`` (JSON list of class names) and ``nnplug.preprocessing`` (JSON: the data
loader plugin's name, its options that change the pixels, and the input layout), which
``bin/infer --task=classification`` reads.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
from pathlib import Path
from typing import Any, Callable

import click
import numpy as np

from nnplug.errors import NnplugError

EXPORTER_GROUP = "nnplug.onnx_exporters"
#: metadata_props key of the data loader's preprocessing (JSON ``{"data_loader", "options", "layout"}``).
PREPROCESSING_KEY = "nnplug.preprocessing"
#: metadata_props key of the class names (JSON list), in the model's output order.
LABELS_KEY = "labels"
#: the data loader options that change the pixels a model sees (what inference must repeat).
PREPROCESSING_OPTIONS = ("resize", "trim", "grayscale", "minmax_normalize", "adaptive_invert", "flatten")


def inference_metadata(config: dict[str, Any]) -> dict[str, str]:
    """The metadata_props an exported model carries, from its checkpoint's configuration."""
    metadata = {LABELS_KEY: json.dumps([str(label) for label in config.get("labels", [])])}
    loader = config.get("data_loader") or {}
    if loader.get("name"):
        options = {name: value for name, value in (loader.get("options") or {}).items() if name in PREPROCESSING_OPTIONS}
        layout = "flat" if len(config["sample_shape"]) == 1 else "nchw"
        metadata[PREPROCESSING_KEY] = json.dumps({"data_loader": loader["name"], "options": options, "layout": layout})
    return metadata


def add_metadata(path: Path, metadata: dict[str, str]) -> None:
    """Add ``metadata`` to the metadata_props of the ONNX file at ``path`` (rewritten atomically)."""
    import onnx

    from nnplug.files import write_atomically

    model = onnx.load(str(path))
    merged = {prop.key: prop.value for prop in model.metadata_props} | metadata
    onnx.helper.set_model_props(model, merged)
    write_atomically(path, lambda handle: handle.write(model.SerializeToString()), binary=True)


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
    """Rebuild the model saved in ``checkpoint`` and write it as ONNX to ``output`` with its labels and
    preprocessing in the metadata (:func:`inference_metadata`); return (model, configuration)."""
    from nnplug.checkpoints import rebuild_model

    model, config = rebuild_model(checkpoint)
    exporter = exporter_for(model)
    output.parent.mkdir(parents=True, exist_ok=True)
    exporter(model, output, tuple(config["sample_shape"]), dtype)
    add_metadata(output, inference_metadata(config))
    return model, config


def verify(model: Any, output: Path, sample_shape: tuple[int, ...], dtype: str, samples: int = 8, seed: int = 0) -> float:
    """Max absolute difference between ONNX Runtime on ``output`` and the model, on random samples in 0..1.

    The model sees the samples as its engine converts them (as in training).
    """
    import onnxruntime

    from nnplug.registry import Registry

    engine = Registry().create_engine(model.engine)
    x = np.random.default_rng(seed).uniform(0, 1, size=(samples, *sample_shape)).astype(dtype)
    session = onnxruntime.InferenceSession(str(output), providers=["CPUExecutionProvider"])
    (exported,) = session.run(None, {session.get_inputs()[0].name: x})
    expected = engine.to_numpy(model.forward(engine.from_numpy(x), training=False))
    return float(np.abs(np.asarray(expected, dtype=np.float64) - exported).max())


def check_output_file(target: Path, option: str) -> None:
    """Refuse an output file that cannot be written, by writing and removing a probe next to it.

    Raises:
        click.BadParameter: ``target`` is a folder or read-only, or its folder cannot be written.
    """
    from nnplug.files import check_writable, shown_name, writable_error

    if target.is_dir() or (target.exists() and not os.access(target, os.W_OK)):
        raise click.BadParameter(f"cannot write {shown_name(target)}: " + ("it is a folder" if target.is_dir() else "the file is read-only"), param_hint=option)
    try:
        check_writable(target.parent)
    except OSError as err:
        raise click.BadParameter(writable_error(target.parent, err, "the folder"), param_hint=option) from None


@click.command()
@click.option("--checkpoint", required=True, type=click.Path(dir_okay=False, path_type=Path), help="model saved by bin/train --save-model (a .safetensors checkpoint)")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="ONNX file to write")
@click.option("--dtype", type=click.Choice(["float32", "float64"]), default="float32", show_default=True, help="float type of the exported graph")
@click.option("--verify/--no-verify", "check", default=True, show_default=True, help="compare ONNX Runtime's outputs with the model's on random samples")
def export(checkpoint: Path, output: Path, dtype: str, check: bool) -> None:
    """Export a checkpoint to ONNX (NLayers, OneLayer, NLayersTorch, OnnxTorch...)."""
    check_output_file(output, "--output")  # before the checkpoint is read and the model rebuilt
    model, config = export_checkpoint(checkpoint, output, dtype)
    message = f"wrote {output} ({config['model']}, input (N, {', '.join(map(str, config['sample_shape']))}), {config['nbr_classes']} classes)"
    if check:
        try:
            difference = verify(model, output, tuple(config["sample_shape"]), dtype)
            message += f"; ONNX Runtime vs {config['model']}: max abs difference {difference:.2e}"
        except ImportError:
            message += "; not verified (onnxruntime is not installed)"
    click.echo(message)

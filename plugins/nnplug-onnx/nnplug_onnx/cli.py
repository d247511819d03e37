"""``nnplug onnx``: write the ONNX models nnplug ships (``one-layer``); a subcommand registered in ``nnplug.commands``."""
from __future__ import annotations

from pathlib import Path

import click

from nnplug.errors import NnplugError


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.split(","))
    except ValueError:
        raise click.BadParameter(f"expected W,H (e.g. 110,110), got {text!r}") from None
    return width, height


@click.group()
def onnx() -> None:
    """Generate ONNX models (trained with --model=OnnxTorch, run by bin/infer)."""


@onnx.command("one-layer")
@click.option("--size", default="110,110", show_default=True, help="image width,height the model takes (as --resize)")
@click.option("--channels", default=3, show_default=True, type=int, help="channels per pixel (1 for --grayscale)")
@click.option("--classes", default=3, show_default=True, type=int, help="number of classes")
@click.option("--init", type=click.Choice(["glorot", "zeros"]), default="glorot", show_default=True, help="initial weights")
@click.option("--seed", default=0, show_default=True, type=int, help="seed of the Glorot initial weights")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("models/one_layer.onnx"), show_default=True,
              help="file to write")
def one_layer_command(size: str, channels: int, classes: int, init: str, seed: int, output: Path) -> None:
    """Write a dense + softmax classifier of flattened images (the ONNX twin of OneLayer)."""
    from nnplug_onnx.one_layer import one_layer, save

    width, height = _size(size)
    try:
        model = one_layer(width, height, channels, classes, init=init, seed=seed)
    except ValueError as err:
        raise NnplugError(str(err)) from None
    save(model, output)
    click.echo(f"wrote {output}: input (N, {width * height * channels}) = {width}x{height}x{channels} flattened, {classes} classes")

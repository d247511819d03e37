"""``bin/infer``: run a trained or downloaded model over images (segmentation or classification).

A thin command: it parses options into an :class:`~nnplug.inference_engine.InferenceRequest`,
creates the image backend and inference engine plugins through the registry (``--image-backend``,
``--inference-engine``; ONNX Runtime by default, from the nnplug-onnxruntime distribution) and
prints what the engine's run describes. Nothing heavy is imported until the command runs.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from nnplug import interrupts
from nnplug.cli.errors import run_click, run_guarded, wants_debug
from nnplug.registry import KINDS

ENGINE = KINDS["inference_engine"]
BACKEND = KINDS["image_backend"]

EPILOG = """\b
Outputs (segmentation), under --output-dir (default inference/<model>/), per image NAME:
  NAME_mask.png (grayscale), NAME_cutout.png (RGBA, mask as alpha), NAME_figure.png (source | mask | cut-out).
Outputs (classification): predictions.csv (file, label, predicted label, one probability column per class).
Unreadable or non-image files are skipped with a warning (listed in the summary); a run with no readable
image fails. Nothing is written when a run fails.
Segmentation follows U-2-Net's reference code as rembg runs it (Lanczos resize as Pillow does, division by
the image's maximum, mean/std, first output min-max normalized). Models known by name: u2net, u2netp,
u2net_human_seg, silueta (320x320), isnet-general-use (1024x1024): put NAME.onnx in --models-path (nothing
is downloaded; the error says where to get it) and pass --onnx-model=NAME. Other models: their nnplug
metadata, else --resize (and --mean, --std).
"""


def _size(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    try:
        width, height = (int(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter(f"expected WIDTH,HEIGHT (e.g. 320,320), got {value!r}") from None
    if width <= 0 or height <= 0:
        raise click.BadParameter(f"width and height must be positive, got {value!r}")
    return width, height


def _triple(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, float, float] | None:
    if value is None:
        return None
    try:
        values = tuple(float(part) for part in value.split(","))
    except ValueError:
        values = ()
    if len(values) != 3:
        raise click.BadParameter(f"expected three numbers R,G,B (e.g. 0.485,0.456,0.406), got {value!r}")
    if param.name == "std" and min(values) <= 0:
        raise click.BadParameter(f"standard deviations must be positive, got {value!r}")
    return values  # type: ignore[return-value]


def _colour(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        values = tuple(int(part) for part in value.split(","))
    except ValueError:
        values = ()
    if len(values) not in (3, 4) or not all(0 <= v <= 255 for v in values):
        raise click.BadParameter(f"expected R,G,B or R,G,B,A with values 0..255 (e.g. 255,255,255), got {value!r}")
    return values


def _names(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


@click.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.argument("inputs", nargs=-1)
@click.option("--dataset", "datasets", multiple=True, help="a dataset name under --datasets-path (repeatable; same as giving it as INPUT).")
@click.option("--task", type=click.Choice(["segmentation", "classification"]), default="segmentation", show_default=True,
              help="segmentation (U2-Net conventions) or classification (CSV of predictions); --checkpoint implies classification.")
@click.option("--onnx-model", help="model NAME: the file <models-path>/NAME.onnx (or a path to an .onnx file). [default: blobnet, the shipped segmentation model]")
@click.option("--models-path", type=click.Path(path_type=Path, file_okay=False), default=Path("models"), show_default=True, help="folder of the ONNX models.")
@click.option("--checkpoint", type=click.Path(path_type=Path, dir_okay=False), help="a model saved by bin/train (--save-model, or a run's checkpoints/*.safetensors), to classify images with.")
@click.option("--datasets-path", type=click.Path(path_type=Path, file_okay=False), default=Path("datasets"), show_default=True,
              help="folder where dataset names are looked up.")
@click.option("--image-backend", default=BACKEND.default, show_default=True, help="image backend plugin that reads, resizes and writes images (Vips, ImageMagick).")
@click.option("--resize", callback=_size, metavar="W,H",
              help="size the images are resized to for the model. [default: the model's own: its metadata or its known name "
                   "(u2net...: 320,320; isnet-general-use: 1024,1024); classification: 320,320 unless the model fixes it]")
@click.option("--mean", callback=_triple, metavar="R,G,B", help="segmentation: per-channel mean of the normalization. [default: the model's own, else ImageNet's]")
@click.option("--std", callback=_triple, metavar="R,G,B", help="segmentation: per-channel standard deviation of the normalization. [default: the model's own, else ImageNet's]")
@click.option("--batch-size", type=click.IntRange(min=1), default=1, show_default=True, help="images per model run (a model with a fixed batch size uses its own).")
@click.option("--providers", default="CPUExecutionProvider", show_default=True, callback=_names, metavar="P1,P2",
              help="ONNX Runtime execution providers, in order of preference.")
@click.option("--threads", type=click.IntRange(min=0), default=0, show_default=True, help="intra-op threads (0: one per physical core).")
@click.option("--output-dir", type=click.Path(path_type=Path), help="where outputs go. [default: inference/<model>]")
@click.option("--figures", type=click.BOOL, is_flag=False, flag_value=True, default=True, show_default=True, metavar="true|false",
              help="write the side-by-side figure of each image (segmentation).")
@click.option("--display", type=click.BOOL, is_flag=False, flag_value=True, default=False, show_default=True, metavar="true|false",
              help="open the figures in a window at the end (segmentation).")
@click.option("--only-mask", is_flag=True, help="segmentation: write the masks only (no cut-out, no figure), as rembg's --only-mask.")
@click.option("--post-process-mask", is_flag=True, help="segmentation: clean the masks as rembg does (morphological opening, Gaussian blur, threshold).")
@click.option("--alpha-matting", is_flag=True, help="segmentation: cut out with alpha matting (pymatting), which refines hair and soft edges; slow on large images.")
@click.option("--alpha-matting-foreground-threshold", type=click.IntRange(0, 255), default=240, show_default=True,
              help="alpha matting: mask values above it are sure foreground.")
@click.option("--alpha-matting-background-threshold", type=click.IntRange(0, 255), default=10, show_default=True,
              help="alpha matting: mask values below it are sure background.")
@click.option("--alpha-matting-erode-size", type=click.IntRange(min=0), default=10, show_default=True,
              help="alpha matting: side of the square the sure regions are eroded by.")
@click.option("--background-color", callback=_colour, metavar="R,G,B[,A]", help="segmentation: lay the cut-out over this colour. [default: transparent]")
@click.option("--labels", default="", callback=_names, metavar="L1,L2,...",
              help="class names in the model's output order (classification). [default: the checkpoint's, else the sorted class folders]")
@click.option("--preprocessing", metavar="JSON",
              help='classification: the training data loader\'s preprocessing, for ONNX files without nnplug export\'s metadata, '
                   'e.g. \'{"data_loader": "Vips", "options": {"resize": [28, 28], "grayscale": true}}\'. [default: the file\'s metadata, else --resize and 0..1 RGB]')
@click.option("--progress", type=click.BOOL, is_flag=False, flag_value=True, default=True, metavar="true|false", help="show a progress bar on a terminal.")
@click.option("--inference-engine", "--engine", "inference_engine", default=ENGINE.default, show_default=True, metavar="NAME",
              help=f"inference engine plugin that runs the model (entry points {ENGINE.group}; nnplug plugins lists them).")
@click.option("--debug", is_flag=True, help="show tracebacks of errors.")
def infer(**options: Any) -> None:
    """Segment images (default) or classify them with an ONNX model or a bin/train checkpoint.

    INPUTS are image files, folders or dataset names under --datasets-path; with none,
    the sample dataset 'segmentation' is segmented with the shipped model and the mean IoU
    against its ground truth masks is printed.
    """
    registry = click.get_current_context().find_object(_RegistryHolder)
    for line in run_inference(options, registry.registry if registry else None):
        click.echo(line)


class _RegistryHolder:
    """Passed as click's ``obj`` to run the command with a given plugin registry (tests, notebooks)."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry


def invoke(args: list[str], registry: Any = None) -> int:
    """Run ``bin/infer`` with ``args`` in-process, as the command line does; return the exit status.

    Args:
        args: command-line arguments.
        registry: plugin registry to take the image backend from (default: the installed plugins).
    """
    holder = _RegistryHolder(registry) if registry is not None else None
    return run_guarded(lambda: run_click(infer, args, "infer", obj=holder), "infer", wants_debug(args))


def run_inference(options: dict[str, Any], registry: Any = None) -> list[str]:
    """Run ``bin/infer`` with parsed ``options``; return the summary lines.

    Args:
        options: the click parameters of :func:`infer`.
        registry: the plugin registry to create the image backend and the engine from (tests add their own).
    """
    from nnplug.inference_engine import InferenceRequest
    from nnplug.registry import Registry

    options = dict(options)
    options.pop("debug", None)
    engine_name = options.pop("inference_engine")
    backend_name = options.pop("image_backend")
    options["inputs"] = [*options.pop("inputs"), *options.pop("datasets")]
    registry = registry or Registry()
    engine = registry.create(ENGINE.name, engine_name, {})
    backend = registry.create(BACKEND.name, backend_name, {})
    return engine.run(InferenceRequest(**options), backend, registry).describe()


def main() -> None:
    """Console-script and ``bin/infer`` entry point: user errors are one line on stderr, status 2."""
    interrupts.finish(invoke(sys.argv[1:]))

"""The inference engine plugin kind (entry-point group ``nnplug.inference_engines``).

``bin/infer`` parses its options into an :class:`InferenceRequest`, creates the image backend
and the engine selected with ``--image-backend`` and ``--inference-engine`` (default
``OnnxRuntime``, from nnplug-onnxruntime), calls :meth:`InferenceEngine.run` and prints the
lines of the result's ``describe()``. The engine does everything else: find the model, read the
inputs, run the model, write the outputs.
"""
from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from nnplug.image_backend import ImageBackend
from nnplug.plugin import Plugin

if TYPE_CHECKING:
    from nnplug.registry import Registry

#: the model ``bin/infer`` uses when none is named: trained by scripts/segmentation/train.py.
DEFAULT_SEGMENTATION_MODEL = "blobnet"
#: the dataset ``bin/infer`` segments when no input is named.
DEFAULT_SEGMENTATION_DATASET = "segmentation"


@dataclass
class InferenceRequest:
    """The options of one ``bin/infer`` run, one field per option (``bin/infer --help`` says what each means).

    Attributes:
        inputs: image files, folders and dataset names (``--dataset`` values included); empty:
            the sample dataset :data:`DEFAULT_SEGMENTATION_DATASET`.
        task: ``segmentation`` or ``classification`` (a checkpoint implies classification).
        onnx_model: model name under ``models_path`` or path to a model file; None: the default model.
        models_path: folder of the models.
        checkpoint: a model saved by ``bin/train``, to classify with.
        datasets_path: folder where dataset names are looked up.
        resize: (width, height) the images are resized to for the model; None: the model's own
            (its metadata, or its known name; classification: 320x320 unless the model fixes it).
        mean: per-channel mean of a segmentation model's normalization; None: the model's own.
        std: per-channel standard deviation of that normalization; None: the model's own.
        batch_size: images per model run.
        providers: execution providers, in order of preference (engines without any ignore it).
        threads: intra-op threads, 0 for one per physical core.
        output_dir: where outputs go; None: ``inference/<model>``.
        figures: write the side-by-side figure of each image (segmentation).
        display: open the figures in a window at the end (segmentation).
        labels: class names in the model's output order (classification); empty: the checkpoint's.
        progress: show a progress bar on a terminal.
        post_process_mask: clean the masks as rembg does (opening, blur, threshold).
        alpha_matting: cut out with alpha matting (pymatting) instead of the mask as alpha.
        alpha_matting_foreground_threshold: mask values above it are sure foreground.
        alpha_matting_background_threshold: mask values below it are sure background.
        alpha_matting_erode_size: side of the square the sure regions are eroded by.
        background_color: (R, G, B[, A]) laid under the cut-out; None: transparent.
        only_mask: write the masks only (no cut-out, no figure).
        preprocessing: classification: a data loader's preprocessing as JSON (what ``nnplug export``
            writes in the ONNX metadata), for ONNX files without it; None: the file's own, if any.
    """

    inputs: list[str] = field(default_factory=list)
    task: str = "segmentation"
    onnx_model: str | None = None
    models_path: Path = Path("models")
    checkpoint: Path | None = None
    datasets_path: Path = Path("datasets")
    resize: tuple[int, int] | None = None
    mean: tuple[float, float, float] | None = None
    std: tuple[float, float, float] | None = None
    batch_size: int = 1
    providers: list[str] = field(default_factory=lambda: ["CPUExecutionProvider"])
    threads: int = 0
    output_dir: Path | None = None
    figures: bool = True
    display: bool = False
    labels: list[str] = field(default_factory=list)
    progress: bool = True
    post_process_mask: bool = False
    alpha_matting: bool = False
    alpha_matting_foreground_threshold: int = 240
    alpha_matting_background_threshold: int = 10
    alpha_matting_erode_size: int = 10
    background_color: tuple[int, ...] | None = None
    only_mask: bool = False
    preprocessing: str | None = None

    @property
    def model_name(self) -> str:
        """The model's name: the ONNX model's name, the checkpoint's file stem, or the default model."""
        if self.checkpoint is not None:
            return Path(self.checkpoint).stem
        if self.onnx_model:
            return Path(self.onnx_model).stem
        return DEFAULT_SEGMENTATION_MODEL

    @property
    def output_folder(self) -> Path:
        """``--output-dir``, by default ``inference/<model>``."""
        return Path(self.output_dir) if self.output_dir is not None else Path("inference") / self.model_name


class InferenceSummary(Protocol):
    """What :meth:`InferenceEngine.run` returns: a result (a dataclass, say) that can describe itself."""

    def describe(self) -> list[str]:
        """The summary lines ``bin/infer`` prints (counts, timings, output folder, scores)."""


class InferenceEngine(Plugin):
    """Runs a model over images for ``bin/infer`` (segmentation and classification) with one runtime.

    ``bin/infer`` builds the engine without options (its constructor, if any, must give every
    argument a default); everything a run needs comes in the request.
    """

    kind: ClassVar[str] = "inference_engine"

    @abstractmethod
    def run(self, request: InferenceRequest, image_backend: ImageBackend, registry: Registry | None = None) -> InferenceSummary:
        """Run the request and return its result; outputs go under ``request.output_folder``.

        Args:
            request: the options of the run.
            image_backend: the image backend selected with ``--image-backend``, to read, resize
                and write images with.
            registry: the installed plugins (to rebuild a checkpoint's model and data loader); None:
                discover them when needed.

        Raises:
            NnplugError: anything the user can get wrong (unknown model, unreadable output
                folder, no readable image among the inputs...), as one line; nothing is written
                then.
        """

"""``bin/infer`` on ONNX Runtime: the entry point the CLI loads (group ``nnplug.inference_engines``).

Everything a user can get wrong is checked before any output is written (model file, model
inputs, input images, output folder); outputs go through a staging folder so a failed run
leaves nothing behind.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnplug import NnplugError
from nnplug.image_backend import ImageBackend
from nnplug_onnxruntime import inputs as input_files
from nnplug_onnxruntime.model_file import locate_model
from nnplug_onnxruntime.request import DEFAULT_SEGMENTATION_DATASET, InferenceRequest
from nnplug_onnxruntime.session import OrtSession
from nnplug_onnxruntime.staging import StagedOutputs
from nnplug_onnxruntime.timings import StageTimes

log = logging.getLogger("nnplug.infer")


@dataclass
class InferenceResult:
    """What a run did, for printing and for benchmarks.

    Attributes:
        task: ``segmentation`` or ``classification``.
        model: the model's name.
        processed: number of images written.
        skipped: files that could not be read, with the reason.
        seconds: wall time of the processing loop.
        times: time per stage.
        output_folder: where the outputs are.
        mean_iou: segmentation: mean IoU against ground truth masks, when the inputs have them.
        accuracy: classification: accuracy on images in labeled class folders, when there are some.
        files: the output files written.
    """

    task: str
    model: str
    processed: int
    skipped: list[tuple[Path, str]]
    seconds: float
    times: StageTimes
    output_folder: Path
    mean_iou: float | None = None
    scored: int = 0
    accuracy: float | None = None
    files: list[Path] = field(default_factory=list)

    def describe(self) -> list[str]:
        """The summary lines ``bin/infer`` prints."""
        rate = self.processed / self.seconds if self.seconds > 0 else 0.0
        verb = "segmented" if self.task == "segmentation" else "classified"
        lines = [
            f"{verb} {self.processed} image(s) with {self.model} in {self.seconds:.2f}s "
            f"({rate:.1f} images/s; {self.times.describe()}); outputs in {self.output_folder}"
        ]
        if self.skipped:
            lines.append(f"skipped {len(self.skipped)} unreadable file(s): " + ", ".join(str(p) for p, _ in self.skipped))
        if self.mean_iou is not None:
            lines.append(f"mean IoU against ground truth: {self.mean_iou:.4f} over {self.scored} image(s)")
        if self.accuracy is not None:
            lines.append(f"accuracy: {100 * self.accuracy:.2f}% over {self.scored} labeled image(s)")
        return lines


def progress_bar(total: int, enabled: bool):
    """A tqdm bar over images on stderr (shown on terminals only, or never when ``enabled`` is false)."""
    from tqdm import tqdm

    return tqdm(total=total, unit="image", desc="infer", disable=None if enabled else True, leave=False)


class OnnxRuntimeInference:
    """Segmentation (U2-Net conventions) and classification inference on ONNX Runtime.

    Args:
        request: the options of the run.
        image_backend: the image backend that reads, resizes and writes images.
        registry: the installed plugins (to rebuild a checkpoint's model and data loader).
    """

    #: the options the CLI fills in.
    request_type = InferenceRequest

    def __init__(self, request: InferenceRequest, image_backend: ImageBackend, registry: Any = None) -> None:
        self.request = request
        self.backend = image_backend
        self.registry = registry

    def run(self) -> InferenceResult:
        """Run the requested task.

        Raises:
            NnplugError: bad model, bad input, unwritable output folder, or no readable image.
        """
        if self.request.task == "classification" or self.request.checkpoint is not None:
            from nnplug_onnxruntime.classification_run import run_classification

            return run_classification(self.request, self.backend, self.registry)
        return self._segment()

    def _open(self, name: str) -> OrtSession:
        path = locate_model(name, self.request.models_path)
        return OrtSession(path, self.request.providers, self.request.threads)

    def _segment(self) -> InferenceResult:
        from nnplug_onnxruntime.segmentation import Segmenter

        request = self.request
        session = self._open(request.model_name)
        segmenter = Segmenter(session, self.backend, request.resize, request.batch_size, request.figures, request.display)
        images = input_files.collect(request.inputs or [DEFAULT_SEGMENTATION_DATASET], request.datasets_path)
        folder = request.output_folder
        started = time.perf_counter()
        with StagedOutputs(folder) as outputs:
            with progress_bar(len(images), request.progress) as progress:
                result = segmenter.run(images, outputs, progress)
            if not result.processed:
                raise NnplugError(f"no readable image among {len(images)} input file(s) (see the warnings above)")
            files = outputs.commit()
        seconds = time.perf_counter() - started
        segmenter.show()
        return InferenceResult(
            "segmentation", request.model_name, len(result.processed), result.skipped.files, seconds, result.times, folder,
            mean_iou=result.mean_iou, scored=len(result.ious), files=files,
        )

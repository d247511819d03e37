"""``bin/infer`` on ONNX Runtime: the inference engine plugin ``OnnxRuntime`` (group ``nnplug.inference_engines``).

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
from nnplug.inference_engine import DEFAULT_SEGMENTATION_DATASET, InferenceEngine, InferenceRequest
from nnplug_onnxruntime import inputs as input_files
from nnplug_onnxruntime.model_file import locate_model
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


class OnnxRuntimeInference(InferenceEngine):
    """Segmentation (U-2-Net's and rembg's conventions) and classification inference on ONNX Runtime.

    Runs ONNX models (``--onnx-model``) on the execution providers of ``--providers``; a
    ``bin/train`` checkpoint (``--checkpoint``) is rebuilt with its own model and data loader plugins.
    """

    def run(self, request: InferenceRequest, image_backend: ImageBackend, registry: Any = None) -> InferenceResult:
        """Run the requested task: classification with a checkpoint or ``--task=classification``, else segmentation.

        Raises:
            NnplugError: bad model, bad input, unwritable output folder, or no readable image.
        """
        if request.task == "classification" or request.checkpoint is not None:
            from nnplug_onnxruntime.classification_run import run_classification

            return run_classification(request, image_backend, registry)
        return self._segment(request, image_backend)

    @staticmethod
    def _open(name: str, request: InferenceRequest) -> OrtSession:
        path = locate_model(name, request.models_path)
        return OrtSession(path, request.providers, request.threads)

    def _segment(self, request: InferenceRequest, image_backend: ImageBackend) -> InferenceResult:
        from nnplug_onnxruntime import conventions
        from nnplug_onnxruntime.cutouts import CutoutOptions
        from nnplug_onnxruntime.segmentation import Segmenter, check_segmentation_input

        session = self._open(request.model_name, request)
        check_segmentation_input(session)
        model_conventions = conventions.resolve(request.model_name, session.metadata, request.resize, request.mean, request.std)
        cutouts = CutoutOptions(
            request.post_process_mask, request.alpha_matting, request.alpha_matting_foreground_threshold,
            request.alpha_matting_background_threshold, request.alpha_matting_erode_size, request.background_color, request.only_mask,
        )
        segmenter = Segmenter(session, image_backend, model_conventions, request.batch_size, request.figures, request.display, cutouts)
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

"""Segmentation as U-2-Net's reference code (and rembg) do it, for U-2-Net and the models like it.

For each image: decode it with the image backend; resize it to the model's size with Lanczos as
Pillow does; divide by the resized image's own maximum and normalize with the model's mean and
std (:mod:`nnplug_onnxruntime.conventions`); run in batches; take the first output, min-max
normalize it per image, truncate it to 8 bits and resize it back to the image's size with
Lanczos. Then, as rembg offers (:mod:`nnplug_onnxruntime.cutouts`): post-process the mask, cut
out (alpha matting, background colour), and write ``<name>_mask.png`` (grayscale),
``<name>_cutout.png`` (RGBA) and ``<name>_figure.png`` (source | mask | cut-out); with
``--only-mask``, the mask alone. Outputs are post-processed and written by a few threads while the
next batch is decoded and run (PNG encoding releases the GIL): writing does not hold up inference.
"""
from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from nnplug import NnplugError, interrupts
from nnplug.image_backend import ImageBackend
from nnplug_onnxruntime import figure as figures
from nnplug_onnxruntime.batching import chunks, effective_batch_size, stacked
from nnplug_onnxruntime.conventions import SegmentationConventions
from nnplug_onnxruntime.cutouts import CutoutOptions
from nnplug_onnxruntime.decoding import DecodedImage, Skipped, decode
from nnplug_onnxruntime.inputs import ImageInput
from nnplug_onnxruntime.metrics import iou
from nnplug_onnxruntime.preprocessing import lanczos_resize, mask_grey, min_max_normalized, u2net_input
from nnplug_onnxruntime.session import OrtSession
from nnplug_onnxruntime.staging import StagedOutputs
from nnplug_onnxruntime.timings import StageTimes


@dataclass
class SegmentationResult:
    """What a segmentation run did: images written, skipped files, IoU per image with ground truth."""

    processed: list[str] = field(default_factory=list)
    skipped: Skipped = field(default_factory=Skipped)
    ious: dict[str, float] = field(default_factory=dict)
    times: StageTimes = field(default_factory=StageTimes)

    @property
    def mean_iou(self) -> float | None:
        """Mean IoU over the images that have a ground truth mask, or None."""
        return float(np.mean(list(self.ious.values()))) if self.ious else None


def check_segmentation_input(session: OrtSession) -> None:
    """Refuse models that do not take (N, 3, H, W) float images.

    Raises:
        NnplugError: one line saying what the model takes and what segmentation needs.
    """
    tensor = session.input
    if tensor.rank != 4:
        raise NnplugError(
            f"model {session.path.name} takes input {tensor.name!r} of rank {tensor.rank} {tensor.describe()}; "
            "segmentation needs rank 4 (batch, 3, height, width)"
        )
    if tensor.type != "tensor(float)":
        raise NnplugError(f"model {session.path.name} takes {tensor.type} input; segmentation feeds float32 (tensor(float))")
    if tensor.shape[1] not in (None, 3):
        raise NnplugError(f"model {session.path.name} takes {tensor.shape[1]} channels {tensor.describe()}; segmentation feeds 3 (RGB)")


def check_segmentation_model(session: OrtSession, size: tuple[int, int]) -> None:
    """Refuse models that do not take (N, 3, H, W) float images of ``size`` (width, height).

    Raises:
        NnplugError: one line saying what the model takes and what segmentation needs.
    """
    check_segmentation_input(session)
    width, height = size
    fixed = session.input.shape[2:]
    if fixed[0] is not None and fixed[1] is not None and tuple(fixed) != (height, width):
        raise NnplugError(f"model {session.path.name} takes {fixed[1]}x{fixed[0]} images; use --resize={fixed[1]},{fixed[0]}")


#: threads post-processing and writing outputs while the next batch runs.
WRITERS = max(1, min(4, os.cpu_count() or 1))


def _mask_map(output: np.ndarray) -> np.ndarray:
    """One image's first-output map as (H, W): (1, H, W) or (H, W) accepted; channel 0 otherwise."""
    while output.ndim > 2:
        output = output[0]
    return output


class Segmenter:
    """Segments images with one ONNX Runtime session and writes the results.

    Args:
        session: the open model (checked with :func:`check_segmentation_model`).
        backend: reads and writes the images.
        conventions: the model's input size and normalization.
        batch_size: images per ``session.run`` (the model's fixed batch size wins).
        figures: whether to write the side-by-side figure.
        display: whether to open the figures at the end.
        cutouts: rembg's output options (post-processing, alpha matting, background, mask only).
    """

    def __init__(
        self,
        session: OrtSession,
        backend: ImageBackend,
        conventions: SegmentationConventions,
        batch_size: int = 1,
        figures: bool = True,
        display: bool = False,
        cutouts: CutoutOptions | None = None,
    ) -> None:
        check_segmentation_model(session, conventions.size)
        self.session = session
        self.backend = backend
        self.conventions = conventions
        self.batch_size = effective_batch_size(batch_size, session.fixed_batch)
        self.cutouts = cutouts or CutoutOptions()
        self.figures = figures and not self.cutouts.only_mask
        self.display = display and not self.cutouts.only_mask
        self._shown: list = []

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) the model is fed."""
        return self.conventions.size

    def predict(self, batch: list[DecodedImage]) -> list[np.ndarray]:
        """The min-max normalized prediction maps (model resolution) of a batch of decoded images."""
        mean, std = self.conventions.mean, self.conventions.std
        tensors = stacked([u2net_input(image.resized, mean, std) for image in batch], self.session.fixed_batch)
        output = self.session.run(tensors)
        if output.ndim not in (3, 4) or output.shape[0] != tensors.shape[0]:
            raise NnplugError(
                f"model {self.session.path.name}: first output has shape {output.shape}; segmentation expects (batch, 1, height, width)"
            )
        return [min_max_normalized(_mask_map(output[i])) for i in range(len(batch))]

    def full_size_mask(self, prediction: np.ndarray, image: DecodedImage) -> np.ndarray:
        """The prediction as 8-bit grey (truncated), resized back to the image's size with Lanczos, as U-2-Net's code does."""
        height, width = image.rgb.shape[:2]
        return lanczos_resize(mask_grey(prediction), width, height)

    def write(self, image: DecodedImage, mask: np.ndarray, outputs: StagedOutputs) -> None:
        """Write the mask and, unless ``--only-mask``, the cut-out and (optionally) the figure of one image."""
        name = image.source.name
        self.backend.write_png(outputs.path(f"{name}_mask.png"), mask)
        if self.cutouts.only_mask:
            return
        cutout = self.cutouts.cutout(image.rgb, mask, image.source.path.name)
        self.backend.write_png(outputs.path(f"{name}_cutout.png"), cutout)
        if self.figures or self.display:
            drawn = figures.segmentation_figure(image.rgb, mask, cutout, image.source.path.name)
            if self.figures:
                figures.save_figure(drawn, outputs.path(f"{name}_figure.png"))
            if self.display:
                self._shown.append(drawn)

    def score(self, image: ImageInput, mask: np.ndarray) -> float | None:
        """IoU of the mask thresholded at half against the ground truth, when the image has one."""
        if image.ground_truth is None:
            return None
        truth = self.backend.read_rgb(image.ground_truth).mean(axis=2) >= 128
        if truth.shape != mask.shape:
            raise NnplugError(f"ground truth {image.ground_truth} is {truth.shape[1]}x{truth.shape[0]}, its image {mask.shape[1]}x{mask.shape[0]}")
        return iou(mask >= 128, truth)

    def finish(self, image: DecodedImage, prediction: np.ndarray, outputs: StagedOutputs) -> tuple[str, float | None]:
        """Post-process and write one image's outputs; return its name and IoU (None without ground truth)."""
        mask = self.cutouts.mask(self.full_size_mask(prediction, image))
        self.write(image, mask, outputs)
        return image.source.name, self.score(image.source, mask)

    def run(self, images: list[ImageInput], outputs: StagedOutputs, progress=None) -> SegmentationResult:
        """Segment ``images``, writing into ``outputs``; ``progress`` (a tqdm bar) advances per image."""
        result = SegmentationResult()
        decoded = decode(images, self.backend, self.size, result.skipped, resize=lanczos_resize)
        pending: deque[Future] = deque()

        def collect(keep: int) -> None:
            while len(pending) > keep:
                name, score = pending.popleft().result()  # a writer's exception surfaces here
                interrupts.check()
                result.processed.append(name)
                if score is not None:
                    result.ious[name] = score
                if progress is not None:  # skipped files count as done too
                    progress.update(len(result.processed) + len(result.skipped.files) - progress.n)

        # Ctrl-C and SIGTERM stop it between batches and written images, not at any instruction: a
        # KeyboardInterrupt there could leave a lock held that the writer threads wait for
        with interrupts.cooperative(), ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="nnplug-infer-writer") as writers:
            while True:
                interrupts.check()
                with result.times.measure("decoding"):
                    batch = next(chunks(decoded, self.batch_size), None)
                if not batch:
                    break
                with result.times.measure("inference"):
                    predictions = self.predict(batch)
                with result.times.measure("writing"):
                    pending.extend(writers.submit(self.finish, image, prediction, outputs) for image, prediction in zip(batch, predictions))
                    collect(2 * WRITERS)  # bounded: decoded images do not pile up in memory
            with result.times.measure("writing"):
                collect(0)
        if progress is not None:
            progress.update(len(result.processed) + len(result.skipped.files) - progress.n)
        return result

    def show(self) -> None:
        """Open the figures kept for ``--display``."""
        if self._shown:
            figures.show_all(self._shown)

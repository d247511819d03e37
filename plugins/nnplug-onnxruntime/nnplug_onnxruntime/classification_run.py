"""Classification inference: probabilities per image into ``predictions.csv``, accuracy on labeled folders.

An ONNX model exported by ``nnplug export`` is fed through its training data loader's own
preprocessing (its ``nnplug.preprocessing`` metadata); other ONNX models through the image
backend (``--resize``, 0..1 values), or the preprocessing stated with ``--preprocessing``.
Images in class folders (``<folder>/<label>/<file>``) are scored: accuracy is the share whose
predicted label is their folder's name. Class names come from ``--labels``, else from the
checkpoint (or the ONNX model's ``labels`` metadata), else from the sorted class folders when
their number matches the model's outputs, else they are the output indices.
"""
from __future__ import annotations

import csv
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np

from nnplug import NnplugError
from nnplug.inference_engine import InferenceRequest
from nnplug_onnxruntime import inputs as input_files
from nnplug_onnxruntime.batching import chunks, effective_batch_size
from nnplug_onnxruntime.decoding import Skipped
from nnplug_onnxruntime.inputs import ImageInput
from nnplug_onnxruntime.staging import StagedOutputs
from nnplug_onnxruntime.timings import StageTimes

log = logging.getLogger("nnplug.infer")
PREDICTIONS_FILE = "predictions.csv"


def class_names(given: list[str], known: list[str], images: list[ImageInput], nbr_classes: int) -> list[str]:
    """The name of each output, by the rules of this module's docstring."""
    for names in (given, known):
        if names:
            if len(names) != nbr_classes:
                raise NnplugError(f"{len(names)} class names ({', '.join(names)}) for a model with {nbr_classes} outputs")
            return list(names)
    folders = sorted({image.label for image in images if image.label is not None})
    if len(folders) == nbr_classes:
        return folders
    return [str(index) for index in range(nbr_classes)]


def _classifier(request: InferenceRequest, backend: Any, registry: Any):
    if request.checkpoint is not None:
        from nnplug_onnxruntime.classifiers import CheckpointClassifier

        return CheckpointClassifier(Path(request.checkpoint), registry)
    if not request.onnx_model:
        raise NnplugError("classification needs --onnx-model=NAME (an ONNX classifier) or --checkpoint=PATH (a bin/train model)")
    from nnplug_onnxruntime.classifiers import OnnxClassifier
    from nnplug_onnxruntime.model_file import locate_model
    from nnplug_onnxruntime.session import OrtSession

    session = OrtSession(locate_model(request.onnx_model, request.models_path), request.providers, request.threads)
    return OnnxClassifier(session, backend, request.resize or (320, 320), registry, request.preprocessing)


def _inputs(request: InferenceRequest, classifier: Any) -> list[ImageInput]:
    if request.inputs:
        return input_files.collect(request.inputs, request.datasets_path)
    default = getattr(classifier, "default_inputs", [])
    if not default:
        raise NnplugError("classification needs INPUTS: image files, folders or dataset names")
    return input_files.collect(default, request.datasets_path)


def _predict_all(classifier: Any, images: list[ImageInput], batch_size: int, times: StageTimes, skipped: Skipped, progress) -> tuple[list[ImageInput], list[np.ndarray]]:
    done: list[ImageInput] = []
    rows: list[np.ndarray] = []
    for group in chunks(images, effective_batch_size(batch_size, classifier.fixed_batch)):
        samples, kept = [], []
        with times.measure("decoding"):
            for image in group:
                try:
                    samples.append(classifier.prepare(image.path))
                    kept.append(image)
                except Exception as err:  # the backend's or the loader's error for a file it cannot decode
                    skipped.add(image.path, (str(err) if isinstance(err, NnplugError) else f"{type(err).__name__}: {err}").splitlines()[0])
        if samples:
            with times.measure("inference"):
                rows.extend(classifier.predict(samples))
            done.extend(kept)
        if progress is not None:
            progress.update(len(group))
    return done, rows


def _write_csv(path: Path, images: list[ImageInput], rows: list[np.ndarray], names: list[str]) -> None:
    with open(path, "w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["file", "label", "predicted", *names])
        for image, row in zip(images, rows):
            writer.writerow([str(image.path), image.label or "", names[int(np.argmax(row))], *(f"{p:.6f}" for p in row)])


def run_classification(request: InferenceRequest, backend: Any, registry: Any = None):
    """Classify the requested images; write ``predictions.csv``; return an :class:`InferenceResult`."""
    from nnplug_onnxruntime.engine import InferenceResult, progress_bar

    classifier = _classifier(request, backend, registry)
    images = _inputs(request, classifier)
    folder = request.output_folder
    times, skipped = StageTimes(), Skipped()
    started = time.perf_counter()
    with StagedOutputs(folder) as outputs:
        with progress_bar(len(images), request.progress) as progress:
            done, rows = _predict_all(classifier, images, request.batch_size, times, skipped, progress)
        if not done:
            raise NnplugError(f"no readable image among {len(images)} input file(s) (see the warnings above)")
        names = class_names(request.labels, classifier.labels, done, len(rows[0]))
        with times.measure("writing"):
            _write_csv(outputs.path(PREDICTIONS_FILE), done, rows, names)
        files = outputs.commit()
    seconds = time.perf_counter() - started
    scored = [(image, row) for image, row in zip(done, rows) if image.label is not None and image.label in names]
    accuracy = float(np.mean([names[int(np.argmax(row))] == image.label for image, row in scored])) if scored else None
    if any(image.label is not None for image in done) and not scored:
        log.warning("images sit in class folders, but none of the folder names is a class name of the model: no accuracy")
    return InferenceResult(
        "classification", classifier.name, len(done), skipped.files, seconds, times, folder, accuracy=accuracy, scored=len(scored), files=files
    )

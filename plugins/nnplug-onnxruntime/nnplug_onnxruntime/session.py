"""One ONNX Runtime session per run: opened once, checked against what the task needs, run in batches."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nnplug import NnplugError


def default_threads() -> int:
    """Intra-op threads: one per physical core (2 here); hyper-threads do not help convolutions."""
    try:
        import psutil

        cores = psutil.cpu_count(logical=False)
    except ImportError:  # psutil is a core dependency, but stay usable without it
        cores = None
    return max(1, cores or os.cpu_count() or 1)


@dataclass(frozen=True)
class TensorInfo:
    """Name, shape (ints for fixed dimensions, None for dynamic ones) and element type of a tensor."""

    name: str
    shape: tuple[int | None, ...]
    type: str

    @property
    def rank(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    def describe(self) -> str:
        """Shape as text, e.g. ``(batch, 3, 320, 320)``."""
        return "(" + ", ".join("?" if dim is None else str(dim) for dim in self.shape) + ")"


def _tensor_info(node: Any) -> TensorInfo:
    shape = tuple(dim if isinstance(dim, int) else None for dim in (node.shape or []))
    return TensorInfo(node.name, shape, node.type)


class OrtSession:
    """An ``onnxruntime.InferenceSession`` on one model file with the machine's thread settings.

    Args:
        path: the .onnx file.
        providers: execution providers in order of preference (``CPUExecutionProvider``...).
        threads: intra-op threads (0: one per physical core).

    Raises:
        NnplugError: the file is not a valid ONNX model, a provider is unknown, or the model
            has no input or output.
    """

    def __init__(self, path: Path, providers: list[str] | None = None, threads: int = 0) -> None:
        import onnxruntime as ort

        self.path = Path(path)
        providers = list(providers or ["CPUExecutionProvider"])
        available = ort.get_available_providers()
        unknown = [p for p in providers if p not in available]
        if unknown:
            raise NnplugError(f"execution provider(s) {', '.join(unknown)} not available (available: {', '.join(available)})")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or default_threads()
        options.inter_op_num_threads = 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # errors only: ORT's warnings are not for end users
        try:
            self.session = ort.InferenceSession(str(self.path), sess_options=options, providers=providers)
        except Exception as err:  # ORT raises its own exception types (InvalidProtobuf, Fail...)
            reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
            raise NnplugError(f"cannot load ONNX model {self.path}: not a valid ONNX file ({reason[:200]})") from err
        self.inputs = [_tensor_info(node) for node in self.session.get_inputs()]
        self.outputs = [_tensor_info(node) for node in self.session.get_outputs()]
        if not self.inputs or not self.outputs:
            raise NnplugError(f"ONNX model {self.path} has no input or no output")

    @property
    def input(self) -> TensorInfo:
        """The first (image) input."""
        return self.inputs[0]

    @property
    def metadata(self) -> dict[str, str]:
        """The model file's metadata_props (key → text)."""
        return dict(self.session.get_modelmeta().custom_metadata_map)

    @property
    def fixed_batch(self) -> int | None:
        """The batch size the model accepts when its first dimension is fixed, else None."""
        return self.input.shape[0] if self.input.shape else None

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Run the model on a batch and return its first output."""
        return self.session.run([self.outputs[0].name], {self.input.name: batch})[0]

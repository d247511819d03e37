"""The torch engine: models whose arrays are torch tensors (on the CPU or a CUDA device)."""
from __future__ import annotations

import math
from typing import Any, Callable, ClassVar

import numpy as np
import torch

from nnplug.engine import Engine


class TorchEngine(Engine):
    """torch tensors; float32 and float64 arrays keep their precision (other floats become float32)."""

    defaults: ClassVar[dict[str, dict[str, str]]] = {
        "classification": {"optimizer": "AdamTorch", "loss": "CrossEntropyTorch", "metric": "ClassesTorch"},
        "regression": {"optimizer": "AdamTorch", "loss": "MeanSquaredErrorTorch", "metric": "R2"},
    }

    def to_numpy(self, value: Any) -> np.ndarray:
        """A tensor detached from autograd and copied to the CPU; other values through numpy."""
        if isinstance(value, torch.Tensor):
            return value.detach().cpu().numpy()
        return np.asarray(value)

    def from_numpy(self, array: np.ndarray, like: Any = None) -> torch.Tensor:
        """A tensor with ``like``'s dtype and device, else on the CPU with the array's dtype.

        float32 and float64 arrays keep their precision (image loaders give float32 samples and
        targets; in-memory float64 data reaches a float64 model unrounded), other floats become
        float32, integers are kept. Shares the array's memory when the dtype already fits.
        """
        array = np.asarray(array)
        if isinstance(like, torch.Tensor):
            return torch.as_tensor(array, dtype=like.dtype, device=like.device)
        if np.issubdtype(array.dtype, np.floating) and array.dtype not in (np.float32, np.float64):
            array = array.astype(np.float32)
        if not array.flags.writeable:
            array = array.copy()
        return torch.from_numpy(np.ascontiguousarray(array))

    def scalar(self, value: Any) -> float:
        """A cost tensor (with or without autograd graph) as a float."""
        if isinstance(value, torch.Tensor):
            return float(value.detach())
        return float(value)

    def assign(self, target: Any, array: np.ndarray) -> None:
        """Copy ``array`` into the tensor ``target`` outside autograd."""
        with torch.no_grad():
            target.copy_(torch.as_tensor(np.asarray(array), dtype=target.dtype, device=target.device))

    def set_entry(self, target: Any, index: tuple[int, ...], number: float) -> None:
        """Write one entry of a (leaf) tensor outside autograd."""
        with torch.no_grad():
            target[index] = number

    def all_finite(self, value: Any) -> bool:
        """Whether every entry is finite (one reduction on the tensor's device)."""
        if isinstance(value, torch.Tensor):
            value = value.detach()
            # A finite sum proves every entry finite, and costs ~30x less than isfinite().all() on
            # the CPU (instability checks ask once per minibatch); only a non-finite sum (a NaN, or
            # finite entries overflowing) needs the exact elementwise test.
            return math.isfinite(float(value.sum())) or bool(torch.isfinite(value).all())
        return bool(np.isfinite(np.asarray(value)).all())

    def dtype_name(self, value: Any) -> str:
        """``float32``, ``float64``... without the ``torch.`` prefix."""
        return str(value.dtype).removeprefix("torch.")

    def gradient(self, function: Callable[[Any], Any], array: np.ndarray) -> np.ndarray:
        """Autograd's d function(x) / dx at ``array`` (a tensor of its dtype, on the CPU)."""
        tensor = torch.tensor(np.asarray(array), requires_grad=True)
        function(tensor).backward()
        return tensor.grad.detach().cpu().numpy()

    def devices(self) -> list[str]:
        """``cpu``, and ``cuda`` when torch sees a CUDA device."""
        return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]

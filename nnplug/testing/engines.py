"""Move arrays between numpy and a plugin's engine, so one contract check serves every engine.

Checks build their inputs with numpy and hand them to a plugin in the plugin's own engine
(numpy arrays, or torch tensors for torch plugins); what comes back is read as numpy. torch is
imported only when a torch value is met.
"""
from __future__ import annotations

from typing import Any

import numpy as np

ENGINES = ("numpy", "torch")


def is_torch(value: Any) -> bool:
    """Whether ``value`` is a torch tensor (without importing torch)."""
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def to_numpy(value: Any) -> np.ndarray:
    """Read an engine array (or a scalar) as a numpy array."""
    if is_torch(value):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def to_float(value: Any) -> float:
    """Read an engine scalar (0-d array, 1-element tensor, Python number) as a float."""
    array = to_numpy(value)
    if array.size != 1:
        raise AssertionError(f"expected a scalar, got an array of shape {tuple(array.shape)}")
    return float(array.reshape(()))


def engine_of(plugin: Any, default: str = "numpy") -> str:
    """The engine a plugin computes with: its ``engine`` attribute, else guessed from its package.

    Models declare ``engine``; other kinds may. A class from a package whose name contains
    ``torch`` is taken as a torch plugin.
    """
    declared = getattr(plugin, "engine", None)
    if isinstance(declared, str) and declared in ENGINES:
        return declared
    cls = plugin if isinstance(plugin, type) else type(plugin)
    return "torch" if "torch" in cls.__module__.split(".")[0] else default


def to_engine(array: np.ndarray, engine: str, like: Any = None) -> Any:
    """Return ``array`` in ``engine``, with the dtype (and device) of ``like`` when given."""
    if engine == "torch":
        import torch

        if like is not None and is_torch(like):
            return torch.as_tensor(np.asarray(array), dtype=like.dtype, device=like.device)
        return torch.as_tensor(np.asarray(array, dtype=np.float32))
    dtype = like.dtype if like is not None and hasattr(like, "dtype") and not is_torch(like) else None
    return np.asarray(array, dtype=dtype or np.asarray(array).dtype)


def set_entry(value: Any, index: tuple[int, ...], number: float) -> None:
    """Write one entry of an engine array in place (torch leaves are written without autograd)."""
    if is_torch(value):
        import torch

        with torch.no_grad():
            value[index] = number
    else:
        value[index] = number


def copy_of(value: Any) -> np.ndarray:
    """A numpy copy of an engine array (safe from later in-place updates)."""
    return np.array(to_numpy(value), copy=True)


def dtype_name(value: Any) -> str:
    """``"float32"``, ``"float64"``... of an engine array."""
    return str(value.dtype).replace("torch.", "")

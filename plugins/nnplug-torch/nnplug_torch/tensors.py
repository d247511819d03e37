"""Moving samples, targets and options between numpy, the command line and torch."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from nnplug import NnplugError

#: dtype option values → torch dtypes.
DTYPES = {"float64": torch.float64, "float32": torch.float32}


def torch_dtype(name: str) -> torch.dtype:
    """The torch dtype of a ``--dtype`` value (float64 or float32)."""
    try:
        return DTYPES[name]
    except KeyError:
        raise NnplugError(f"dtype must be one of {', '.join(DTYPES)}, got {name!r}") from None


def resolve_device(name: str) -> torch.device:
    """The torch device of a ``--device`` value: cpu, cuda (refused when absent) or auto."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise NnplugError("--device=cuda asked, but torch sees no CUDA device on this machine (use --device=cpu or auto)")
        return torch.device("cuda")
    if name == "cpu":
        return torch.device("cpu")
    raise NnplugError(f"device must be cpu, cuda or auto, got {name!r}")


def as_tensor(value: Any, dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``value`` (numpy array or tensor) as a tensor of ``dtype`` on ``device``, copied only when needed."""
    if isinstance(value, torch.Tensor):
        return value.to(device=device, dtype=dtype)
    array = np.asarray(value)
    if array.dtype == np.dtype(str(dtype).removeprefix("torch.")) and array.flags.writeable:
        return torch.from_numpy(array).to(device=device)
    return torch.as_tensor(array, dtype=dtype, device=device)


def to_numpy(value: Any) -> np.ndarray:
    """``value`` (tensor or array-like) as a numpy array (detached, on the CPU)."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)

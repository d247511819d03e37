"""nnplug: a plugin-based neural-network training framework.

The public API plugins see: the kinds' base classes and the types they exchange. Everything
else in the package is private to nnplug.
"""
from __future__ import annotations

from nnplug.accuracy import Accuracy
from nnplug.data_loader import PARTITIONS, DataLoader, Minibatch
from nnplug.errors import NnplugError
from nnplug.image_backend import ImageBackend
from nnplug.inference_engine import InferenceEngine, InferenceRequest
from nnplug.loss import Loss
from nnplug.model import LayerObserver, Model, Parameter
from nnplug.optimizer import Optimizer
from nnplug.plugin import Plugin

__version__ = "0.1.0"

__all__ = [
    "Accuracy",
    "DataLoader",
    "ImageBackend",
    "InferenceEngine",
    "InferenceRequest",
    "LayerObserver",
    "Loss",
    "Minibatch",
    "Model",
    "NnplugError",
    "Optimizer",
    "PARTITIONS",
    "Parameter",
    "Plugin",
    "__version__",
]

"""nnplug: a plugin-based neural-network training framework.

The public API plugins see: the kinds' base classes, the types they exchange and the helpers
``docs/plugins.md`` recommends, all listed in ``__all__``. ``nnplug.testing`` (contract checks)
is public too. Everything else in the package is private to nnplug.
"""
from __future__ import annotations

from nnplug.accuracy import Accuracy
from nnplug.data_loader import PARTITIONS, DataLoader, Minibatch, SampleIds
from nnplug.engine import ANY_ENGINE, Engine
from nnplug.errors import NnplugError
from nnplug.executor import Executor
from nnplug.image_backend import ImageBackend
from nnplug.inference_engine import InferenceEngine, InferenceRequest
from nnplug.loss import Loss
from nnplug.metric import Metric, MetricScale
from nnplug.model import LayerObserver, Model, Parameter
from nnplug.optimizer import Optimizer, check_state_names, parameter_arrays, restore_parameter_arrays
from nnplug.perceptron import check_perceptron_options
from nnplug.plugin import Plugin
from nnplug.task import Classification, Regression, Task

__version__ = "0.1.0"

__all__ = [
    "ANY_ENGINE",
    "Accuracy",
    "Classification",
    "DataLoader",
    "Engine",
    "Executor",
    "ImageBackend",
    "InferenceEngine",
    "InferenceRequest",
    "LayerObserver",
    "Loss",
    "Metric",
    "MetricScale",
    "Minibatch",
    "Model",
    "NnplugError",
    "Optimizer",
    "PARTITIONS",
    "Parameter",
    "Plugin",
    "Regression",
    "SampleIds",
    "Task",
    "__version__",
    "check_perceptron_options",
    "check_state_names",
    "parameter_arrays",
    "restore_parameter_arrays",
]

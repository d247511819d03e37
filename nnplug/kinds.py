"""The plugin kinds: entry-point group, base class, selecting option and default plugin of each.

Plain data, importing nothing of nnplug: the registry (which finds plugins of these kinds) and
introspection (which stops at the kinds' base classes when reading inherited options) both read it.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A plugin kind: its entry-point group, base class, selecting option and default plugin."""

    name: str
    group: str
    base: str
    option: str
    default: str
    title: str
    #: whether ``bin/train`` selects plugins of this kind (its options show in ``--help``).
    trained: bool = True
    #: the command whose ``--option`` selects the plugin, when it is not ``bin/train`` (listings show it).
    command: str = ""
    #: older entry-point groups whose plugins belong to this kind too (``nnplug.accuracies`` for metrics).
    legacy_groups: tuple[str, ...] = ()
    #: whether its plugins must declare the ``engine`` they compute with (and ``tasks`` when they serve tasks).
    declares_engine: bool = False
    declares_tasks: bool = False

    @property
    def selected_with(self) -> str:
        """How a user selects a plugin of this kind: ``--model``, ``bin/infer --inference-engine``."""
        flag = "--" + self.option.replace("_", "-")
        if self.command and not self.command.startswith("bin/"):
            return self.command  # not selected by an option: "the model's engine attribute"
        return f"{self.command} {flag}" if self.command else flag

    def base_class(self) -> type:
        """Import and return the kind's base class."""
        module, _, cls = self.base.partition(":")
        return getattr(importlib.import_module(module), cls)


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("data_loader", "nnplug.data_loaders", "nnplug.data_loader:DataLoader", "data_loader", "Vips", "Data loader", declares_engine=True, declares_tasks=True),
        Kind("model", "nnplug.models", "nnplug.model:Model", "model", "OneLayer", "Model", declares_engine=True, declares_tasks=True),
        Kind("optimizer", "nnplug.optimizers", "nnplug.optimizer:Optimizer", "optimizer", "", "Optimizer", declares_engine=True),
        Kind("loss", "nnplug.losses", "nnplug.loss:Loss", "loss", "", "Loss", declares_engine=True, declares_tasks=True),
        Kind(
            "metric", "nnplug.metrics", "nnplug.metric:Metric", "metric", "", "Metric", declares_engine=True, declares_tasks=True,
            legacy_groups=("nnplug.accuracies",),
        ),
        Kind("image_backend", "nnplug.image_backends", "nnplug.image_backend:ImageBackend", "image_backend", "Vips", "Image backend", trained=False, command="bin/infer"),
        Kind(
            "inference_engine", "nnplug.inference_engines", "nnplug.inference_engine:InferenceEngine", "inference_engine", "OnnxRuntime",
            "Inference engine", trained=False, command="bin/infer",
        ),
        Kind("executor", "nnplug.executors", "nnplug.executor:Executor", "executor", "sequential", "Executor", trained=False, command="bin/train"),
        Kind("task", "nnplug.tasks", "nnplug.task:Task", "task", "", "Task", trained=False, command="the data loader's tasks attribute"),
        Kind("engine", "nnplug.engines", "nnplug.engine:Engine", "engine", "", "Engine", trained=False, command="the model's engine attribute"),
    )
}

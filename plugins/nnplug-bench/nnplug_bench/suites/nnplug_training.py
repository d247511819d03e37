"""Training a network through nnplug's own trainer, as ``bin/train`` would, for the benchmarks."""
from __future__ import annotations

import statistics
from typing import Any

from nnplug_bench.suite import Suite
from nnplug.experiment import Experiment, ExperimentOptions
from nnplug.registry import KINDS, Registry
from nnplug.results import RepeatResult
from nnplug.trainer import Trainer, TrainingObserver

#: the plugins each engine trains with: model (per architecture), optimizer, loss, metric.
ENGINE_PLUGINS: dict[str, dict[str, str]] = {
    "numpy": {"nlayers": "NLayers", "sigmoid": "BenchNumpySigmoidMLP", "optimizer": "Adam", "loss": "CrossEntropy", "metric": "ClassesNumpy"},
    "torch": {"nlayers": "NLayersTorch", "sigmoid": "BenchTorchSigmoidMLP", "optimizer": "AdamTorch", "loss": "CrossEntropyTorch", "metric": "ClassesTorch"},
}
#: the bench-only models, registered in-process: name → "module:Class".
BENCH_MODELS = {
    "BenchNumpySigmoidMLP": "nnplug_bench.suites.numpy_sigmoid:NumpySigmoidMLP",
    "BenchTorchSigmoidMLP": "nnplug_bench.suites.torch_sigmoid:TorchSigmoidMLP",
}


def bench_registry(engine: str, extra_loaders: dict[str, type] | None = None) -> Registry:
    """The installed plugins plus the bench's in-process ones (digits loader, ``engine``'s sigmoid MLP when importable).

    Only ``engine``'s bench model is imported, so a numpy run does not pay for importing torch.
    """
    import importlib

    from nnplug_bench.suites.digits import BenchDigits

    registry = Registry()
    registry.add("data_loader", "BenchDigits", BenchDigits)
    for name, cls in (extra_loaders or {}).items():
        registry.add("data_loader", name, cls)
    name = ENGINE_PLUGINS[engine]["sigmoid"]
    module, _, attribute = BENCH_MODELS[name].partition(":")
    try:
        registry.add("model", name, getattr(importlib.import_module(module), attribute))
    except ImportError:
        pass  # that engine is not installed: its cases say so
    return registry


class DigitsTrainingSuite(Suite):
    """A suite that trains nnplug engines on the shipped digits: their presence, one registry per engine."""

    def __init__(self, quick: bool = False) -> None:
        super().__init__(quick)
        self._registries: dict[str, Registry] = {}

    def missing(self) -> str | None:
        """The digits need the shipped numbers dataset."""
        from nnplug_bench.suites.digits import digits_available

        return digits_available()

    def registry(self, engine: str) -> Registry:
        """The plugins (installed and bench-only) for ``engine``, discovered once."""
        if engine not in self._registries:
            self._registries[engine] = bench_registry(engine)
        return self._registries[engine]


def engine_unavailable(registry: Registry, engine: str, architecture: str) -> str | None:
    """Why ``engine`` cannot train ``architecture`` here (a plugin missing or broken), or None."""
    plugins = ENGINE_PLUGINS[engine]
    wanted = {"model": plugins[architecture], "optimizer": plugins["optimizer"], "loss": plugins["loss"], "metric": plugins["metric"]}
    for kind, name in wanted.items():
        if name not in registry.plugins[kind]:
            return f"{KINDS[kind].title.lower()} plugin {name} is not available (the {engine} engine is not installed)"
        try:
            registry.load(kind, name)
        except Exception as err:
            return str(err).splitlines()[0]
    return None


def experiment(
    engine: str, architecture: str, epochs: int, samples: int, gradient_checks: str = "off",
    instability_checks: str = "off", model_options: dict[str, Any] | None = None,
) -> Experiment:
    """An experiment training ``architecture`` with ``engine``'s plugins on the in-memory digits (float32)."""
    plugins = ENGINE_PLUGINS[engine]
    options = ExperimentOptions(
        exp_id=f"{engine}-{architecture}", data_loader="BenchDigits", model=plugins[architecture],
        optimizer=plugins["optimizer"], loss=plugins["loss"], metric=plugins["metric"], nbr_epochs=epochs,
        gradient_checks=gradient_checks, instability_checks=instability_checks, early_stopping_patience=0,
    )
    model = {"dtype": "float32"}
    if architecture == "nlayers":
        model["layers"] = [100]
    model.update(model_options or {})
    loader = {"samples": samples, "max_minibatch_size": 100, "dtype": "float32"}
    return Experiment(options, {"data_loader": loader, "model": model, "optimizer": {}, "loss": {}, "metric": {}})


def train(registry: Registry, experiment_: Experiment, observers: list[TrainingObserver] | None = None) -> RepeatResult:
    """Train one repeat of ``experiment_`` with nnplug's trainer; return its result."""
    result = Trainer(registry, observers or []).run_experiment(experiment_)
    return result.repeats[0]


def median_epoch_seconds(result: RepeatResult) -> float:
    """The median duration of the run's epochs."""
    return statistics.median(epoch.duration for epoch in result.epochs)

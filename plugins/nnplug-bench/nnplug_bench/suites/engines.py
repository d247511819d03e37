"""``engines``: the same networks trained by nnplug's numpy and torch engines, a plain PyTorch loop and Keras.

Two groups: the 784-100-10 sigmoid MLP of the C++/Keras comparison and NLayers with one hidden
layer of 100; Adam, minibatches of 100, float32, on the 5,000 MNIST digits (datasets/numbers) in memory
(70% training), same minibatches for everyone. The baseline is the plain hand-written PyTorch
loop (``torch.optim.Adam`` with torch's default kernels); ``plain torch, fused Adam`` is the same
loop with the fused Adam kernels the torch engine uses by default, so the torch engine's ratio to
it is the framework's own overhead. One measurement = one fresh training run; its figure is the median epoch time (dev
evaluation included, as nnplug's trainer counts it) and the final dev accuracy. nnplug's engines
run with the default checks (instability checks ``warning``, gradient checks every 25 epochs), as
a user's command would.

For the numpy engine each measurement also profiles a shorter run
(:mod:`nnplug_bench.suites.numpy_profile`): the dense layers' achieved GFLOP/s against bare
sgemm calls of the same shapes timed in the same run (goal: at least 50%), and the share of the
epoch outside the dense layers, split into batch norm, activations, optimizer and data.
"""
from __future__ import annotations

import inspect
import statistics

from nnplug_bench.suite import Case, Metric, Target
from nnplug_bench.suites.nnplug_training import DigitsTrainingSuite
from nnplug_bench.suites.architectures import ARCHITECTURES, Architecture

PLAIN, NUMPY, TORCH, KERAS = "plain torch", "numpy engine", "torch engine", "keras"
#: the plain loop with the update kernels the torch engine uses by default: the engine's own overhead.
PLAIN_FUSED = "plain torch, fused Adam"
#: the numpy engine's profile figures: metric name → (unit, part of the epoch or None).
PROFILE = {
    "dense_share_of_sgemm": "%", "dense_gflops": "GFLOP/s", "sgemm_gflops": "GFLOP/s", "outside_dense": "%",
    "batch_norm": "%", "activations": "%", "optimizer": "%", "data": "%",
}


def _architecture(case: Case) -> Architecture:
    return next(a for a in ARCHITECTURES if a.title == case.group)


def _torch_missing() -> str | None:
    try:
        import torch  # noqa: F401
    except ImportError:
        return "torch is not installed"
    return None


class EnginesSuite(DigitsTrainingSuite):
    """Epoch time, dev accuracy and peak memory of nnplug's engines against a plain torch loop."""

    name = "engines"
    description = "epoch time per engine (ratio to a plain PyTorch loop, float32)"
    primary = Metric("epoch_seconds", "s")
    secondary = (
        Metric("dev_accuracy", "fraction", higher_is_better=True),
        *(Metric(name, unit, higher_is_better=name in ("dense_share_of_sgemm", "dense_gflops", "sgemm_gflops")) for name, unit in PROFILE.items()),
    )
    targets = (Target(NUMPY, 1.3), Target(TORCH, 1.05), Target(NUMPY, 50.0, at_most=False, metric="dense_share_of_sgemm", on_value=True))
    plot_title = "Epoch time per engine (median, min–max), 784-100-10 sigmoid MLP and NLayers 100"

    def __init__(self, quick: bool = False) -> None:
        super().__init__(quick)
        self.epochs = 1 if quick else 10
        self.profiled_epochs = 1 if quick else 3
        self.samples = 300 if quick else 5000

    def cases(self) -> list[Case]:
        """Plain torch (baseline), numpy engine, torch engine, Keras, for each network."""
        return [
            Case(architecture.title, name, baseline=name == PLAIN, params=(("architecture", architecture.key),))
            for architecture in ARCHITECTURES
            for name in (PLAIN, PLAIN_FUSED, NUMPY, TORCH, KERAS)
        ]

    def unavailable(self, case: Case) -> str | None:
        """Keras and the engines only when installed; everything torch needs torch."""
        if case.name == KERAS:
            from nnplug_bench.suites.keras_loop import keras_missing

            return keras_missing()
        if case.name in (PLAIN, PLAIN_FUSED, TORCH) and _torch_missing():
            return _torch_missing()
        if case.name in (NUMPY, TORCH):
            from nnplug_bench.suites.nnplug_training import engine_unavailable

            engine = "numpy" if case.name == NUMPY else "torch"
            return engine_unavailable(self.registry(engine), engine, _architecture(case).key)
        return None

    def prepare(self) -> None:
        """Load the digits once (every run reuses them)."""
        from nnplug_bench.suites.digits import digits

        digits()

    def _loader(self):
        from nnplug_bench.suites.digits import BenchDigits

        loader = BenchDigits(self.samples, 100, "float32")
        loader.load(0)
        return loader

    def measure(self, case: Case) -> dict[str, float]:
        """One fresh training run of ``epochs`` epochs."""
        architecture = _architecture(case)
        if case.name in (PLAIN, PLAIN_FUSED, KERAS):
            if case.name in (PLAIN, PLAIN_FUSED):
                from nnplug_bench.suites.plain_torch import train_plain_torch

                run = train_plain_torch(architecture, self._loader(), self.epochs, fused=case.name == PLAIN_FUSED)
            else:
                from nnplug_bench.suites.keras_loop import train_keras

                run = train_keras(architecture, self._loader(), self.epochs)
            return {"epoch_seconds": statistics.median(run.epoch_seconds), "dev_accuracy": run.final_dev_accuracy}
        from nnplug_bench.suites.nnplug_training import experiment, median_epoch_seconds, train

        engine = "numpy" if case.name == NUMPY else "torch"
        result = train(self.registry(engine), experiment(engine, architecture.key, self.epochs, self.samples, **default_checks()))
        figures = {"epoch_seconds": median_epoch_seconds(result), "dev_accuracy": result.final_dev_accuracy}
        if case.name == NUMPY:
            figures.update(self._profile(architecture.key))
        return figures

    def _profile(self, architecture: str) -> dict[str, float]:
        """The numpy engine's dense layers against sgemm, and where the rest of its epoch goes."""
        from nnplug_bench.suites.nnplug_training import experiment
        from nnplug_bench.suites.numpy_profile import ACTIVATIONS, BATCH_NORM, DATA_PART, OPTIMIZER, profile_epoch

        run = experiment("numpy", architecture, self.profiled_epochs, self.samples, **default_checks())
        profile = profile_epoch(self.registry("numpy"), run)
        return {
            "dense_share_of_sgemm": profile.dense_share_of_sgemm, "dense_gflops": profile.dense_gflops,
            "sgemm_gflops": profile.sgemm_gflops, "outside_dense": profile.outside_matrix_products,
            "batch_norm": profile.share(BATCH_NORM), "activations": profile.share(ACTIVATIONS),
            "optimizer": profile.share(OPTIMIZER), "data": profile.share(DATA_PART),
        }

    def notes(self) -> list[str]:
        """Data, epochs, threads."""
        threads = ""
        try:
            import torch

            threads = f"; torch threads {torch.get_num_threads()}"
        except ImportError:
            pass
        return [
            f"{self.samples} MNIST digits (70/15/15), minibatches of 100, {self.epochs} epochs per run, "
            f"Adam 0.001, float32, nnplug engines with default checks{threads}; epoch time includes the dev evaluation",
            "the torch engine updates with fused Adam kernels (AdamTorch --implementation=fused, its default); the plain loop "
            "with torch's default kernels is the baseline, and its ratio to 'plain torch, fused Adam' is the framework's own overhead",
            f"numpy engine profile ({self.profiled_epochs} epochs, layer timers on): dense layers' training products vs the same "
            "sgemm calls run after every minibatch; shares are of the profiled epoch",
        ]


def default_checks() -> dict[str, str]:
    """The trainer's default gradient and instability check modes (what a user's run pays for)."""
    from nnplug.experiment import ExperimentOptions

    parameters = inspect.signature(ExperimentOptions).parameters
    return {name: parameters[name].default for name in ("gradient_checks", "instability_checks")}

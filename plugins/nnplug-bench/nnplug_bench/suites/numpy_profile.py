"""Where a numpy-engine epoch goes: its dense layers against a bare sgemm of the same shapes, and the rest.

A profiled training run (nnplug's own :class:`~nnplug.profiling.LayerTimer` on every layer, the
trainer's phase clock) gives each layer's forward, backward and gradient-step time. The dense
layers' matrix products are then timed alone, as single ``numpy.matmul`` calls on contiguous
float arrays of the same shapes (one BLAS sgemm each, with the thread count the bench set): the
practical limit of this machine for those products. Their ratio says how close the engine's dense
layers come to it; the share of the epoch outside dense layers says what else costs.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nnplug.experiment import Experiment
from nnplug.profiling import BACKWARD, EVALUATING, FORWARD, GRADIENT_STEP, LayerTimer, TRAINING
from nnplug.registry import Registry
from nnplug.timing import DATA, EPOCH, OPTIMIZER_STEP, PhaseClock
from nnplug.trainer import RepeatContext, Trainer, TrainingObserver

#: the parts an epoch is split into, by layer type (``L0_Dense`` → Dense) or trainer phase.
MATRIX_PRODUCTS, BATCH_NORM, ACTIVATIONS, OPTIMIZER, DATA_PART, OTHER = (
    "dense layers", "batch norm", "activations and dropout", "optimizer", "data", "other",
)
LAYER_PARTS = {"Dense": MATRIX_PRODUCTS, "BatchNormalization": BATCH_NORM}


@dataclass
class EpochProfile:
    """One profiled run's figures, per epoch (seconds) and per training minibatch.

    Attributes:
        epoch_seconds: mean epoch time of the profiled run (dev evaluation included).
        parts: seconds per epoch by part (:data:`MATRIX_PRODUCTS`, :data:`BATCH_NORM`...).
        dense_seconds: training-time seconds of the dense layers per minibatch (forward, backward, gradient step).
        sgemm_seconds: the same matrix products as bare sgemm calls, per minibatch.
        flops: floating-point operations of those products per minibatch (on average).
    """

    epoch_seconds: float
    parts: dict[str, float] = field(default_factory=dict)
    dense_seconds: float = 0.0
    sgemm_seconds: float = 0.0
    flops: float = 0.0

    @property
    def dense_gflops(self) -> float:
        """GFLOP/s the dense layers achieve in training."""
        return self.flops / self.dense_seconds / 1e9 if self.dense_seconds else float("nan")

    @property
    def sgemm_gflops(self) -> float:
        """GFLOP/s of bare sgemm calls of the same shapes."""
        return self.flops / self.sgemm_seconds / 1e9 if self.sgemm_seconds else float("nan")

    @property
    def dense_share_of_sgemm(self) -> float:
        """Dense-layer throughput as a percentage of the sgemm's."""
        return 100.0 * self.sgemm_seconds / self.dense_seconds if self.dense_seconds else float("nan")

    def share(self, part: str) -> float:
        """Percentage of the epoch spent in ``part``."""
        return 100.0 * self.parts.get(part, 0.0) / self.epoch_seconds

    @property
    def outside_matrix_products(self) -> float:
        """Percentage of the epoch spent outside the dense layers."""
        return 100.0 - self.share(MATRIX_PRODUCTS)


class _Attach(TrainingObserver):
    """Times the repeat's layers (a :class:`LayerTimer`) and, after every training minibatch, the
    same matrix products as bare sgemm calls: both under the same load of the machine."""

    def __init__(self) -> None:
        self.timer: LayerTimer | None = None
        self.model: Any = None
        self.loading = 0.0
        self.products: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}
        self.flops = 0.0
        self.sgemm_seconds = 0.0

    def repeat_started(self, context: RepeatContext) -> None:
        """Attach the timer (no update observer: optimizers then update every tensor in one go, as unprofiled)."""
        self.timer = LayerTimer(context.clock, {p.layer for p in context.model.parameters()})
        self.model = context.model
        self.loading = context.clock.totals.get(DATA, 0.0)  # loading the data set, before any epoch
        context.model.add_layer_observer(self.timer)

    def _products(self, batch: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """The dense layers' products for a minibatch of ``batch`` samples: x·W, xᵀ·g, g·Wᵀ (operands made once)."""
        if batch not in self.products:
            rng = np.random.default_rng(0)
            products = []
            for position, layer in enumerate(self.model.layers):
                if type(layer).__name__ != "Dense":
                    continue
                inputs, units = layer.W.value.shape
                shapes = [(batch, inputs, units), (inputs, batch, units)]
                if position > 0:  # the first layer passes no gradient back
                    shapes.append((batch, units, inputs))
                dtype = layer.W.value.dtype
                products += [(rng.random((m, k)).astype(dtype), rng.random((k, n)).astype(dtype), np.empty((m, n), dtype)) for m, k, n in shapes]
            self.products[batch] = products
        return self.products[batch]

    def minibatch_finished(self, context: RepeatContext, epoch: int, minibatch: Any, cost: float, accuracy: float) -> None:
        """Run the minibatch's dense-layer products once more, as bare sgemm calls."""
        for a, b, out in self._products(minibatch.size):
            start = time.perf_counter()
            np.matmul(a, b, out=out)
            self.sgemm_seconds += time.perf_counter() - start
            self.flops += 2.0 * a.shape[0] * a.shape[1] * b.shape[1]

    def repeat_finished(self, context: RepeatContext) -> None:
        """Detach the timer."""
        context.model.remove_layer_observer(self.timer)


def profile_epoch(registry: Registry, experiment: Experiment) -> EpochProfile:
    """Train ``experiment`` (a numpy-engine model made of numpy layers) once with profiling; split its epochs.

    Args:
        registry: where the experiment's plugins are found.
        experiment: the run to profile (``profiling`` is switched on for it).
    """
    experiment.options.profiling = True
    attach = _Attach()
    Trainer(registry, [attach]).run_experiment(experiment)
    timer, model = attach.timer, attach.model
    clock: PhaseClock = timer.clock
    epochs = clock.counts[EPOCH]
    minibatches = clock.counts.get(OPTIMIZER_STEP, 0) or 1
    parts = {part: 0.0 for part in (MATRIX_PRODUCTS, BATCH_NORM, ACTIVATIONS, OPTIMIZER, DATA_PART, OTHER)}
    for (purpose, passage), layers in timer.totals.items():
        if purpose not in (TRAINING, EVALUATING) or passage not in (FORWARD, BACKWARD, GRADIENT_STEP):
            continue
        for layer, seconds in layers.items():
            parts[LAYER_PARTS.get(layer.partition("_")[2], ACTIVATIONS)] += seconds / epochs
    parts[OPTIMIZER] = clock.totals.get(OPTIMIZER_STEP, 0.0) / epochs
    parts[DATA_PART] = (clock.totals.get(DATA, 0.0) - attach.loading) / epochs
    epoch_seconds = (clock.totals[EPOCH] - attach.sgemm_seconds) / epochs  # the reference products are not the epoch's
    parts[OTHER] = max(0.0, epoch_seconds - sum(parts.values()))
    dense = {layer.name for layer in model.layers if type(layer).__name__ == "Dense"}
    dense_seconds = sum(timer.totals[(TRAINING, passage)].get(name, 0.0) for name in dense for passage in (FORWARD, BACKWARD, GRADIENT_STEP))
    return EpochProfile(epoch_seconds, parts, dense_seconds / minibatches, attach.sgemm_seconds / minibatches, attach.flops / minibatches)

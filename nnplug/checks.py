"""Gradient checking, for every engine (instability checks are in :mod:`nnplug.instability`).

Both kinds of checks run in one of four modes: ``off``, ``warning`` (log and go on),
``exception`` (stop the run with a :class:`GradientCheckError` /
:class:`~nnplug.instability.InstabilityError`) and ``pdb`` (open the debugger where the problem
was found).
"""
from __future__ import annotations

import logging
import math
import pdb
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from nnplug.errors import NnplugError

if TYPE_CHECKING:
    from nnplug.data_loader import Minibatch
    from nnplug.engine import Engine
    from nnplug.loss import Loss
    from nnplug.model import Model, Parameter

LOG = logging.getLogger("nnplug.checks")
MODES = ("off", "warning", "exception", "pdb")


class GradientCheckError(NnplugError):
    """Analytic and numerical gradients disagree (the message has the per-tensor breakdown)."""


def _react(mode: str, message: str, error: type[NnplugError]) -> None:
    if mode == "warning":
        LOG.warning(message)
    elif mode == "exception":
        raise error(message)
    elif mode == "pdb":
        print(message)
        pdb.set_trace()  # noqa: T100 - the user asked for the debugger


@dataclass
class EntryCheck:
    """One checked parameter entry: analytic vs two-sided finite-difference gradient.

    Attributes:
        costs: the costs with the entry one step up and one step down.
        steps: those steps as taken (the entry's dtype rounds them).
        kink: the central difference disagreed, a one-sided one agrees (``numerical`` is that one).
    """

    parameter: str
    shape: tuple[int, ...]
    index: tuple[int, ...]
    analytic: float
    numerical: float
    costs: tuple[float, float] = (math.nan, math.nan)
    steps: tuple[float, float] = (math.nan, math.nan)
    kink: bool = False


@runtime_checkable
class IncrementalForward(Protocol):
    """What a model may offer to make gradient checks cheap (the numpy models do).

    Inside :meth:`nnplug.model.Model.frozen`, right after a training forward and backward,
    ``forward_after_change(parameter, index, previous)`` returns the training-mode output of
    that same minibatch once ``parameter.value[index]`` has moved away from ``previous``,
    recomputing only what depends on that entry (layers before the parameter's owner are not
    run again). Models without it are checked with full forward passes.
    """

    def forward_after_change(self, parameter: "Parameter", index: tuple[int, ...], previous: float) -> Any:
        """The output after ``parameter.value[index]`` changed from ``previous``."""


def disagree(numerical: np.ndarray, analytic: np.ndarray, threshold: float, absolute_tolerance: float) -> bool:
    """Whether gradients disagree: relative distance above ``threshold`` and a difference that
    finite differences can resolve (above ``absolute_tolerance``, their rounding-noise floor).

    Without the absolute floor, a converged model (cost and gradients near 0, e.g. 1e-25 against
    a finite difference of exactly 0) would fail with relative distance 1.
    """
    distance = relative_distance(numerical, analytic)
    if not math.isfinite(distance):
        return True
    return distance > threshold and float(np.linalg.norm(numerical - analytic)) > absolute_tolerance


def relative_distance(numerical: np.ndarray, analytic: np.ndarray) -> float:
    """‖numerical − analytic‖ / (‖numerical‖ + ‖analytic‖), 0 when both are 0."""
    if not (np.isfinite(numerical).all() and np.isfinite(analytic).all()):
        return float("nan")
    denominator = np.linalg.norm(numerical) + np.linalg.norm(analytic)
    return float(np.linalg.norm(numerical - analytic) / denominator) if denominator else 0.0


class GradientChecker:
    """Compares analytic gradients with two-sided finite differences on the current minibatch.

    Runs before the optimizer moves the parameters, on ``samples`` random entries of every
    parameter tensor, every ``interval`` epochs (epochs 1, 1 + interval...). It changes nothing
    in training: parameters are restored exactly, dropout masks and batch-norm statistics are
    frozen (:meth:`nnplug.model.Model.frozen`), and its random draws use their own generator.
    Models implementing :class:`IncrementalForward` only recompute what a perturbation changes.

    Finite differences need float64: for parameters of lower precision (float32) the step and
    the threshold are relaxed to ``low_precision_epsilon`` and ``low_precision_threshold``.

    Args:
        mode: off, warning, exception or pdb.
        interval: check every that many epochs.
        samples: entries checked per parameter tensor.
        seed: seed of the choice of entries.
        epsilon: finite-difference step.
        threshold: largest accepted relative distance ‖approx − grad‖ / (‖approx‖ + ‖grad‖).
        low_precision_epsilon: the step used for float32 (and lower) parameters.
        low_precision_threshold: the threshold used when any parameter is float32 (or lower).
        absolute_tolerance: differences below this are finite-difference noise, never failures
            (about float64's epsilon times the cost over the step).
        low_precision_absolute_tolerance: the same for float32 (and lower) parameters.
        engine: the model's engine, which reads and writes parameter entries and costs (None:
            values numpy reads and writes directly, as in-memory test models use).
    """

    def __init__(
        self, mode: str = "exception", interval: int = 25, samples: int = 2, seed: int = 0,
        epsilon: float = 1e-7, threshold: float = 1e-5,
        low_precision_epsilon: float = 1e-2, low_precision_threshold: float = 1e-2,
        absolute_tolerance: float = 1e-8, low_precision_absolute_tolerance: float = 1e-4,
        engine: "Engine | None" = None,
    ) -> None:
        self.engine = engine
        self.absolute_tolerance = absolute_tolerance
        self.low_precision_absolute_tolerance = low_precision_absolute_tolerance
        self.mode = mode
        self.interval = interval
        self.samples = samples
        self.epsilon = epsilon
        self.threshold = threshold
        self.low_precision_epsilon = low_precision_epsilon
        self.low_precision_threshold = low_precision_threshold
        self.rng = np.random.default_rng(seed)
        self.seconds = 0.0
        self.checks = 0
        self.last_distance: float | None = None
        self.last_entries: list[EntryCheck] = []

    def due(self, epoch: int, minibatch_index: int) -> bool:
        """Whether to check on this minibatch (first minibatch of epochs 1, 1 + interval...)."""
        return self.mode != "off" and minibatch_index == 0 and (epoch - 1) % self.interval == 0

    def share(self, total_seconds: float) -> float:
        """Share of ``total_seconds`` (a run's duration) spent checking gradients, in 0..1."""
        return self.seconds / total_seconds if total_seconds > 0 else 0.0

    def check(self, model: "Model", loss: "Loss", minibatch: "Minibatch", epoch: int) -> float:
        """Check the gradients the last backward left in the parameters; return the relative distance."""
        start = time.perf_counter()
        low_precision = any(self._low_precision(param.value) for param in model.parameters())
        threshold = self.low_precision_threshold if low_precision else self.threshold
        tolerance = self.low_precision_absolute_tolerance if low_precision else self.absolute_tolerance
        entries = self.measure(model, loss, minibatch)
        numerical, analytic = np.array([e.numerical for e in entries]), np.array([e.analytic for e in entries])
        if disagree(numerical, analytic, threshold, tolerance):
            entries = self.second_look(model, loss, minibatch, entries, threshold, tolerance)
            numerical = np.array([e.numerical for e in entries])
        distance = relative_distance(numerical, analytic)
        self.last_distance = distance
        self.last_entries = entries
        self.checks += 1
        self.seconds += time.perf_counter() - start
        LOG.debug("gradient check at epoch %d: relative distance %.3g", epoch, distance)
        if disagree(numerical, analytic, threshold, tolerance):
            _react(self.mode, self.report(entries, distance, epoch, threshold, tolerance), GradientCheckError)
        return distance

    def measure(self, model: "Model", loss: "Loss", minibatch: "Minibatch") -> list[EntryCheck]:
        """Finite differences at sampled entries of every parameter (parameters restored after)."""
        entries = []
        incremental = isinstance(model, IncrementalForward)

        def cost_at(param: "Parameter", index: tuple[int, ...], original: float) -> float:
            if incremental:
                output = model.forward_after_change(param, index, original)
            else:
                output = model.forward(minibatch.x, training=True)
            return self._scalar(loss.cost(output, minibatch.y))

        with model.frozen():
            for param in model.parameters():
                shape = tuple(param.value.shape)
                size = int(np.prod(shape)) if shape else 1
                epsilon = self.low_precision_epsilon if self._low_precision(param.value) else self.epsilon
                flat = self.rng.choice(size, size=min(self.samples, size), replace=False)
                for position in flat:
                    index = tuple(int(i) for i in np.unravel_index(int(position), shape))
                    original = self._entry(param.value, index)
                    try:
                        upper = self._set_entry(param.value, index, original + epsilon)  # the step actually taken
                        plus = cost_at(param, index, original)
                        lower = self._set_entry(param.value, index, original - epsilon)
                        minus = cost_at(param, index, original)
                    finally:
                        self._set_entry(param.value, index, original)
                    numerical = (plus - minus) / (upper - lower)
                    entries.append(EntryCheck(param.name, shape, index, self._entry(param.grad, index), numerical, (plus, minus), (upper - original, original - lower)))
        return entries

    def second_look(
        self, model: "Model", loss: "Loss", minibatch: "Minibatch", entries: list[EntryCheck], threshold: float, tolerance: float
    ) -> list[EntryCheck]:
        """Entries whose central difference disagrees, compared with the one-sided differences too.

        A ReLU-like kink within a step of the point (a unit's input at 0 for some sample) makes
        the central difference average the two sides, while the analytic gradient takes one of
        them: late in training, with gradients of 1e-5, one such sample is enough to fail a
        check (NLayers 100 on numbers failed at epoch 501 of 2000 this way). An entry whose
        analytic gradient matches the forward or the backward difference is taken as a kink
        (``kink``, that difference as ``numerical``); a wrong gradient matches neither. The
        cost at the point itself is computed once (one forward pass), the others were measured.
        """
        with model.frozen():
            here = self._scalar(loss.cost(model.forward(minibatch.x, training=True), minibatch.y))
        looked = []
        for entry in entries:
            (plus, minus), (up, down) = entry.costs, entry.steps
            if not disagree(np.array([entry.numerical]), np.array([entry.analytic]), threshold, tolerance) or not (up and down):
                looked.append(entry)
                continue
            sides = ((plus - here) / up, (here - minus) / down)
            side = next((s for s in sides if not disagree(np.array([s]), np.array([entry.analytic]), threshold, tolerance)), None)
            looked.append(entry if side is None else replace(entry, numerical=side, kink=True))
        kinks = sum(e.kink for e in looked)
        if kinks:
            LOG.debug("gradient check: %d entr%s at a kink (one-sided differences agree)", kinks, "y" if kinks == 1 else "ies")
        return looked

    def report(
        self, entries: list[EntryCheck], distance: float, epoch: int, threshold: float | None = None, tolerance: float | None = None
    ) -> str:
        """The failure message: the distance, then per tensor its own distance and every checked entry.

        Tensors whose entries agree are summarized at the end by name.
        """
        threshold = self.threshold if threshold is None else threshold
        tolerance = self.absolute_tolerance if tolerance is None else tolerance
        by_tensor: dict[str, list[EntryCheck]] = {}
        for entry in entries:
            by_tensor.setdefault(entry.parameter, []).append(entry)
        failing, passing = [], []
        for name, checks in by_tensor.items():
            numerical, analytic = np.array([e.numerical for e in checks]), np.array([e.analytic for e in checks])
            local = relative_distance(numerical, analytic)
            if disagree(numerical, analytic, threshold, tolerance):
                values = ", ".join(f"{list(e.index)} analytic {e.analytic:.6g} numerical {e.numerical:.6g}" for e in checks)
                failing.append(f"{name}{list(checks[0].shape)} distance {local:.3g}: {values}")
            else:
                passing.append(name)
        detail = "; ".join(failing) if failing else "no single tensor stands out"
        agreeing = f"; agreeing: {', '.join(passing)}" if passing else ""
        return f"gradient check failed at epoch {epoch}: relative distance {distance:.3g} > {threshold:g}; {detail}{agreeing}"


    # reading and writing entries through the engine ---------------------------------------
    def _scalar(self, value: Any) -> float:
        return self.engine.scalar(value) if self.engine is not None else float(value)

    def _entry(self, value: Any, index: tuple[int, ...]) -> float:
        return float((self.engine.to_numpy(value) if self.engine is not None else np.asarray(value))[index])

    def _set_entry(self, value: Any, index: tuple[int, ...], number: float) -> float:
        """Write one entry in place (outside autograd); return it as stored (rounded to the dtype)."""
        if self.engine is not None:
            self.engine.set_entry(value, index, number)
        else:
            value[index] = number
        return self._entry(value, index)

    def _low_precision(self, value: Any) -> bool:
        """Whether a tensor has less precision than float64 (finite differences need relaxed settings)."""
        name = self.engine.dtype_name(value) if self.engine is not None else str(np.asarray(value).dtype)
        try:
            return np.dtype(name).itemsize < 8
        except TypeError:  # a dtype numpy does not know (bfloat16...): low precision
            return True

"""Gradient checking and numerical instability checks, for every engine.

Both run in one of four modes: ``off``, ``warning`` (log and go on), ``exception`` (stop the
run with a :class:`GradientCheckError` / :class:`InstabilityError`) and ``pdb`` (open the
debugger where the problem was found).
"""
from __future__ import annotations

import logging
import math
import pdb
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from nnplug.errors import NnplugError

if TYPE_CHECKING:
    from nnplug.data_loader import Minibatch
    from nnplug.loss import Loss
    from nnplug.model import Model

LOG = logging.getLogger("nnplug.checks")
MODES = ("off", "warning", "exception", "pdb")


class GradientCheckError(NnplugError):
    """Analytic and numerical gradients disagree (the message has the per-tensor breakdown)."""


class InstabilityError(NnplugError):
    """A NaN or Inf appeared in an activation, a gradient or the cost."""


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
    """One checked parameter entry: analytic vs two-sided finite-difference gradient."""

    parameter: str
    shape: tuple[int, ...]
    index: tuple[int, ...]
    analytic: float
    numerical: float


class GradientChecker:
    """Compares analytic gradients with two-sided finite differences on the current minibatch.

    Runs before the optimizer moves the parameters, on ``samples`` random entries of every
    parameter tensor, every ``interval`` epochs (epochs 1, 1 + interval...). It changes nothing
    in training: parameters are restored exactly, dropout masks and batch-norm statistics are
    frozen (:meth:`nnplug.model.Model.frozen`), and its random draws use their own generator.

    Args:
        mode: off, warning, exception or pdb.
        interval: check every that many epochs.
        samples: entries checked per parameter tensor.
        seed: seed of the choice of entries.
        epsilon: finite-difference step.
        threshold: largest accepted relative distance ‖approx − grad‖ / (‖approx‖ + ‖grad‖).
    """

    def __init__(
        self, mode: str = "exception", interval: int = 25, samples: int = 2, seed: int = 0,
        epsilon: float = 1e-7, threshold: float = 1e-5,
    ) -> None:
        self.mode = mode
        self.interval = interval
        self.samples = samples
        self.epsilon = epsilon
        self.threshold = threshold
        self.rng = np.random.default_rng(seed)
        self.seconds = 0.0
        self.last_distance: float | None = None

    def due(self, epoch: int, minibatch_index: int) -> bool:
        """Whether to check on this minibatch (first minibatch of epochs 1, 1 + interval...)."""
        return self.mode != "off" and minibatch_index == 0 and (epoch - 1) % self.interval == 0

    def check(self, model: "Model", loss: "Loss", minibatch: "Minibatch", epoch: int) -> float:
        """Check the gradients the last backward left in the parameters; return the relative distance."""
        start = time.perf_counter()
        entries = self.measure(model, loss, minibatch)
        analytic = np.array([e.analytic for e in entries])
        numerical = np.array([e.numerical for e in entries])
        denominator = np.linalg.norm(numerical) + np.linalg.norm(analytic)
        distance = float(np.linalg.norm(numerical - analytic) / denominator) if denominator else 0.0
        self.last_distance = distance
        self.seconds += time.perf_counter() - start
        LOG.debug("gradient check at epoch %d: relative distance %.3g", epoch, distance)
        if not math.isfinite(distance) or distance > self.threshold:
            _react(self.mode, self.report(entries, distance, epoch), GradientCheckError)
        return distance

    def measure(self, model: "Model", loss: "Loss", minibatch: "Minibatch") -> list[EntryCheck]:
        """Finite differences at sampled entries of every parameter (parameters restored after)."""
        entries = []
        with model.frozen():
            for param in model.parameters():
                shape = tuple(param.value.shape)
                size = int(np.prod(shape)) if shape else 1
                flat = self.rng.choice(size, size=min(self.samples, size), replace=False)
                for position in flat:
                    index = tuple(int(i) for i in np.unravel_index(int(position), shape))
                    original = float(param.value[index])
                    param.value[index] = original + self.epsilon
                    plus = float(loss.cost(model.forward(minibatch.x, training=True), minibatch.y))
                    param.value[index] = original - self.epsilon
                    minus = float(loss.cost(model.forward(minibatch.x, training=True), minibatch.y))
                    param.value[index] = original
                    entries.append(EntryCheck(param.name, shape, index, float(param.grad[index]), (plus - minus) / (2 * self.epsilon)))
        return entries

    def report(self, entries: list[EntryCheck], distance: float, epoch: int) -> str:
        """The failure message: the distance, then one row per entry whose gradients disagree."""
        rows = []
        for e in entries:
            scale = abs(e.analytic) + abs(e.numerical)
            local = abs(e.analytic - e.numerical) / scale if scale else 0.0
            if local > self.threshold:
                rows.append(f"{e.parameter}{list(e.shape)}{list(e.index)}: analytic {e.analytic:.6g} vs numerical {e.numerical:.6g}")
        detail = "; ".join(rows) if rows else "no single entry stands out"
        return f"gradient check failed at epoch {epoch}: relative distance {distance:.3g} > {self.threshold:g} ({detail})"


class InstabilityChecker:
    """A layer observer that looks for NaN/Inf in every activation and gradient, and in the cost.

    Args:
        mode: off, warning, exception or pdb.
    """

    def __init__(self, mode: str = "warning") -> None:
        self.mode = mode
        self.reported: set[tuple[str, str]] = set()

    def _check(self, where: str, passage: str, value: Any) -> None:
        if _finite(value) or (where, passage) in self.reported:
            return
        self.reported.add((where, passage))
        _react(self.mode, f"numerical instability: NaN or Inf in the {passage} pass at {where}", InstabilityError)

    def before_forward(self, layer: str) -> None:
        """Nothing to check before a layer runs."""

    def after_forward(self, layer: str, output: Any) -> None:
        """Check the activation ``layer`` produced."""
        self._check(layer, "forward", output)

    def before_backward(self, layer: str) -> None:
        """Nothing to check before a layer's backward."""

    def after_backward(self, layer: str, gradient: Any) -> None:
        """Check the gradient ``layer`` passes back."""
        self._check(layer, "backward", gradient)

    def check_cost(self, cost: float) -> None:
        """Check the minibatch cost."""
        self._check("the cost", "forward", cost)

    def check_parameters(self, model: "Model") -> None:
        """Check every parameter's gradient (after backward)."""
        for param in model.parameters():
            if param.grad is not None:
                self._check(f"gradient of {param.name}", "backward", param.grad)


def _finite(value: Any) -> bool:
    if value is None:
        return True
    if hasattr(value, "detach"):
        import torch

        return bool(torch.isfinite(value).all())
    return bool(np.isfinite(value).all())

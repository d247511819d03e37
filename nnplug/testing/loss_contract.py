"""Contract checks of loss plugins: a scalar mean cost that rewards right answers, exact gradients."""
from __future__ import annotations

from typing import Any

import numpy as np

from nnplug.loss import Loss
from nnplug.testing.engines import copy_of, engine_of, to_float
from nnplug.testing.finite_differences import TOLERANCES
from nnplug.testing.instances import display_name, plugin_factory


class LossContract:
    """Runs the loss checks on one loss instance.

    Outputs are rows of probabilities (softmax of random scores): valid inputs whether the loss
    expects probabilities or raw scores. Targets are one-hot.

    Args:
        loss: the loss to check.
        engine: numpy or torch arrays.
        nbr_classes: columns of outputs and targets.
        batch_size: rows.
        seed: seed of the test data.
    """

    def __init__(self, loss: Loss, engine: str = "numpy", nbr_classes: int = 4, batch_size: int = 5, seed: int = 0) -> None:
        self.loss = loss
        self.engine = engine
        self.name = display_name(loss)
        rng = np.random.default_rng(seed)
        scores = rng.normal(size=(batch_size, nbr_classes))
        self.output = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        self.labels = rng.integers(0, nbr_classes, size=batch_size)
        self.target = np.eye(nbr_classes)[self.labels]

    def fail(self, message: str) -> None:
        """Raise the AssertionError of a broken contract, naming the loss."""
        raise AssertionError(f"loss {self.name}: {message}")

    def tensor(self, array: np.ndarray, requires_grad: bool = False) -> Any:
        """A float64 array in the loss's engine."""
        if self.engine == "torch":
            import torch

            return torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad)
        return np.array(array, dtype=np.float64)

    def cost(self, output: np.ndarray, target: np.ndarray) -> float:
        """The loss's cost as a float (it must be a scalar)."""
        try:
            value = to_float(self.loss.cost(self.tensor(output), self.tensor(target)))
        except AssertionError as err:
            self.fail(f"cost() must return a scalar: {err}")
        if not np.isfinite(value):
            self.fail(f"cost() returned {value}")
        return value

    def check_value(self) -> None:
        """The cost is a finite scalar, a mean over samples, and lower for right answers."""
        base = self.cost(self.output, self.target)
        doubled = self.cost(np.concatenate([self.output, self.output]), np.concatenate([self.target, self.target]))
        if not np.isclose(base, doubled, rtol=1e-6, atol=1e-9):
            self.fail(f"cost() must be a mean over samples: {base:.6g} for a minibatch, {doubled:.6g} for it twice")
        classes = self.target.shape[1]
        right = 0.1 / (classes - 1) * (1 - self.target) + 0.9 * self.target
        wrong_target = np.eye(classes)[(self.labels + 1) % classes]
        wrong = 0.1 / (classes - 1) * (1 - wrong_target) + 0.9 * wrong_target
        if not self.cost(right, self.target) < self.cost(wrong, self.target):
            self.fail("cost() must be lower when outputs favour the target class than when they favour another")

    def analytic_gradient(self) -> np.ndarray | None:
        """dCost/dOutput from ``gradient()``, else from autograd for torch losses; None if neither."""
        try:
            return copy_of(self.loss.gradient(self.tensor(self.output), self.tensor(self.target)))
        except NotImplementedError:
            if self.engine != "torch":
                return None
        output = self.tensor(self.output, requires_grad=True)
        self.loss.cost(output, self.tensor(self.target)).backward()
        return copy_of(output.grad)

    def check_gradient(self) -> None:
        """The gradient with respect to the outputs matches finite differences, entry by entry."""
        analytic = self.analytic_gradient()
        if analytic is None:
            self.fail("gradient() is not implemented: numpy models with hand-written backward need it")
        if analytic.shape != self.output.shape:
            self.fail(f"gradient() has shape {analytic.shape}, the outputs {self.output.shape}")
        tolerance = TOLERANCES["float64"]
        wrong = []
        for index in np.ndindex(*self.output.shape):
            plus, minus = self.output.copy(), self.output.copy()
            plus[index] += tolerance.epsilon
            minus[index] -= tolerance.epsilon
            numerical = (self.cost(plus, self.target) - self.cost(minus, self.target)) / (2 * tolerance.epsilon)
            if not tolerance.agree(float(analytic[index]), numerical):
                wrong.append(f"output{list(index)}: analytic {analytic[index]:.6g} vs numerical {numerical:.6g}")
        if wrong:
            self.fail("gradient disagrees with finite differences at " + "; ".join(wrong[:4]) + (f" (and {len(wrong) - 4} more)" if len(wrong) > 4 else ""))

    def run(self) -> None:
        """Every loss check, in order."""
        self.check_value()
        self.check_gradient()


def check_loss(
    loss: type[Loss] | Loss,
    options: dict[str, Any] | None = None,
    *,
    engine: str | None = None,
    nbr_classes: int = 4,
    batch_size: int = 5,
    seed: int = 0,
) -> None:
    """Check that a loss plugin honours the loss contract; raise AssertionError if not.

    Checks: ``cost`` is a finite scalar, the mean over samples (not the sum), lower for outputs
    that favour the target class; the gradient (``gradient()``, or autograd for torch losses)
    matches finite differences.

    Args:
        loss: the loss class, or an instance.
        options: constructor options when ``loss`` is a class.
        engine: numpy or torch arrays (default: the plugin's ``engine`` or its package name).
        nbr_classes: number of classes.
        batch_size: samples.
        seed: seed of the test data.
    """
    instance = plugin_factory(loss, options, Loss)()
    LossContract(instance, engine or engine_of(loss), nbr_classes, batch_size, seed).run()

"""Contract checks of optimizer plugins: they minimize a convex quadratic and honour weight decay."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from nnplug.model import Parameter
from nnplug.optimizer import Optimizer
from nnplug.testing.engines import copy_of, engine_of, to_engine
from nnplug.testing.instances import display_name, plugin_factory


class OptimizerContract:
    """Runs the optimizer checks on fresh optimizers built by ``factory`` (``weight_decay`` given).

    Args:
        factory: builds a new optimizer per call, with the given ``weight_decay``.
        engine: the engine of the parameters handed to the optimizer (numpy or torch).
        steps: updates applied in each check.
    """

    def __init__(self, factory: Callable[[float | None], Optimizer], engine: str = "numpy", steps: int = 300) -> None:
        self.factory = factory
        self.engine = engine
        self.steps = steps
        self.name = display_name(factory(None))
        rng = np.random.default_rng(0)
        self.curvature = rng.uniform(0.5, 2.0, size=(3, 4))
        self.center = rng.uniform(-1.0, 1.0, size=(3, 4))
        self.start = self.center + rng.choice([-1.0, 1.0], size=(3, 4))

    def fail(self, message: str) -> None:
        """Raise the AssertionError of a broken contract, naming the optimizer."""
        raise AssertionError(f"optimizer {self.name}: {message}")

    def parameter(self, name: str, value: np.ndarray, decay: bool = True) -> Parameter:
        """A float64 parameter in the optimizer's engine, with a zero gradient."""
        array = np.array(value, dtype=np.float64)
        if self.engine == "torch":
            import torch

            tensor = torch.tensor(array, dtype=torch.float64)
            return Parameter(name, tensor, torch.zeros_like(tensor), decay=decay, layer="quadratic")
        return Parameter(name, array, np.zeros_like(array), decay=decay, layer="quadratic")

    def quadratic(self, w: np.ndarray) -> float:
        """f(w) = 1/2 sum a (w - c)^2: convex, minimum 0 at c."""
        return float(0.5 * np.sum(self.curvature * (w - self.center) ** 2))

    def set_grad(self, param: Parameter, grad: np.ndarray) -> None:
        """Write a new gradient into the parameter, in place as models do."""
        param.grad[...] = to_engine(grad, self.engine, param.grad)

    def check_decreases_quadratic(self) -> None:
        """Steps along the gradient of a convex quadratic bring it well below its start."""
        optimizer = self.factory(None)
        param = self.parameter("W", self.start)
        optimizer.build([param])
        initial = self.quadratic(self.start)
        for _ in range(self.steps):
            w = copy_of(param.value)
            self.set_grad(param, self.curvature * (w - self.center))
            optimizer.step(1)
        final = self.quadratic(copy_of(param.value))
        if not np.isfinite(final):
            self.fail(f"the quadratic became {final} after {self.steps} steps")
        if final > 0.25 * initial:
            self.fail(
                f"{self.steps} steps on a convex quadratic took it from {initial:.4g} to {final:.4g}, "
                f"not below a quarter of the start (learning rate {getattr(optimizer, 'learning_rate', '?')})"
            )

    def check_weight_decay(self) -> None:
        """With weight decay and a zero data gradient, decayed weights shrink and the others stay."""
        decay = 0.1
        optimizer = self.factory(decay)
        if not np.isclose(float(getattr(optimizer, "weight_decay", 0.0)), decay):
            self.fail(f"weight_decay={decay} was given but the optimizer's weight_decay is {getattr(optimizer, 'weight_decay', None)}")
        decayed = self.parameter("W", self.start)
        kept = self.parameter("b", self.start[0], decay=False)
        optimizer.build([decayed, kept])
        expected_penalty = 0.5 * decay * float(np.sum(self.start**2))
        penalty = float(optimizer.penalty([decayed, kept]))
        if not np.isclose(penalty, expected_penalty, rtol=1e-6):
            self.fail(f"penalty() is {penalty:.6g}, expected weight_decay/2 * sum of squared decayed weights = {expected_penalty:.6g}")
        for _ in range(20):
            optimizer.step(1)
        shrunk = float(np.linalg.norm(copy_of(decayed.value)))
        if not shrunk < 0.99 * float(np.linalg.norm(self.start)):
            self.fail(f"weight decay {decay} with zero data gradient did not shrink the decayed parameter (norm {np.linalg.norm(self.start):.4g} -> {shrunk:.4g})")
        if not np.allclose(copy_of(kept.value), self.start[0]):
            self.fail("a parameter with decay=False and zero gradient moved: weight decay must skip it")
        data_grads = copy_of(decayed.grad)
        if not np.all(data_grads == 0):
            self.fail("the optimizer wrote the weight-decay term into Parameter.grad (it holds the data gradient only)")

    def run(self) -> None:
        """Every optimizer check, in order."""
        self.check_decreases_quadratic()
        self.check_weight_decay()


def check_optimizer(
    optimizer: type[Optimizer] | Optimizer,
    options: dict[str, Any] | None = None,
    *,
    learning_rate: float | None = 0.05,
    engine: str | None = None,
    steps: int = 300,
) -> None:
    """Check that an optimizer plugin honours the optimizer contract; raise AssertionError if not.

    Checks: ``steps`` updates on a convex quadratic take it below a quarter of its start value;
    with ``weight_decay`` the penalty is ``weight_decay / 2 * sum(w**2)`` over decayed
    parameters, decayed weights shrink under a zero data gradient, parameters with
    ``decay=False`` do not move, and ``Parameter.grad`` is left holding the data gradient.

    Args:
        optimizer: the optimizer class, or an instance (rebuilt from its class and options).
        options: constructor options when ``optimizer`` is a class.
        learning_rate: learning rate set for the checks (None keeps the plugin's own).
        engine: numpy or torch parameters (default: the plugin's ``engine`` or its package name).
        steps: updates on the quadratic.
    """
    base = dict(getattr(optimizer, "options", None) or {}) if not isinstance(optimizer, type) else {}
    base.update(options or {})
    if learning_rate is not None:
        base["learning_rate"] = learning_rate
    cls = optimizer if isinstance(optimizer, type) else type(optimizer)

    def factory(weight_decay: float | None) -> Optimizer:
        kwargs = dict(base)
        if weight_decay is not None:
            kwargs["weight_decay"] = weight_decay
        build = plugin_factory(cls, kwargs, Optimizer)
        made = build()
        made.plugin_name = display_name(optimizer)
        return made

    OptimizerContract(factory, engine or engine_of(optimizer), steps).run()

"""Contract checks of loss plugins: a scalar mean cost that rewards right answers, exact gradients.

The test data follow the task: for classification, rows of probabilities against one-hot targets;
for regression, real numbers against real targets; for a task a package adds, its
:meth:`nnplug.Task.example`. A loss is checked on every task it declares (or on the one asked).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from nnplug.engine import Engine
from nnplug.loss import Loss
from nnplug.task import Task
from nnplug.testing.engines import copy_of, engine_for, engine_named, to_float
from nnplug.testing.finite_differences import TOLERANCES
from nnplug.testing.instances import display_name, plugin_factory
from nnplug.testing.tasks import declared_tasks, task_named


class LossContract:
    """Runs the loss checks on one loss instance for one task.

    Args:
        loss: the loss to check.
        engine: the engine whose arrays the loss takes (the one it declares).
        task: the task whose outputs and targets the loss compares.
        nbr_classes: columns of outputs and targets (classes, or target columns).
        batch_size: rows.
        seed: seed of the test data.
    """

    def __init__(self, loss: Loss, engine: Engine, task: Task | None = None, nbr_classes: int = 4, batch_size: int = 5, seed: int = 0) -> None:
        self.loss = loss
        self.engine = engine
        self.task = task or task_named("classification")
        self.task_name = self.task.plugin_name or type(self.task).__name__.lower()
        self.name = display_name(loss)
        self.nbr_classes = nbr_classes
        self.rng = np.random.default_rng(seed)
        self.batch_size = batch_size
        self.output: np.ndarray | None = None
        self.target: np.ndarray | None = None

    def fail(self, message: str) -> None:
        """Raise the AssertionError of a broken contract, naming the loss and the task."""
        raise AssertionError(f"loss {self.name} ({self.task_name}): {message}")

    def data(self) -> tuple[np.ndarray, np.ndarray]:
        """The test outputs and targets (made once, from the task)."""
        if self.output is None or self.target is None:
            if self.task.confusion_matrix and self.nbr_classes < 2:
                self.fail(f"{self.task_name} needs at least 2 classes to check anything, nbr_classes={self.nbr_classes} was given")
            try:
                self.output, self.target = self.task.example(self.rng, self.batch_size, self.nbr_classes)
            except NotImplementedError:
                self.fail(f"task {self.task_name} gives no example data (Task.example): its losses cannot be checked")
        return self.output, self.target

    def tensor(self, array: np.ndarray) -> Any:
        """``array`` in the loss's engine (its default float type: float64 for numpy, float32 for torch)."""
        return self.engine.from_numpy(np.asarray(array, dtype=np.float64))

    def call(self, what: str, function: Callable[[], Any]) -> Any:
        """Run the plugin's ``function``; anything it raises is a failure naming the loss."""
        try:
            return function()
        except AssertionError:
            raise
        except NotImplementedError:
            raise
        except Exception as err:  # noqa: BLE001 - a plugin's defect is a failure, not a crash
            self.fail(f"{what} raised {type(err).__name__}: {err}")

    def cost(self, output: np.ndarray, target: np.ndarray) -> float:
        """The loss's cost as a float (it must be a scalar)."""
        value = self.call("cost()", lambda: self.loss.cost(self.tensor(output), self.tensor(target)))
        try:
            value = to_float(value, self.engine)
        except AssertionError as err:
            self.fail(f"cost() must return a scalar: {err}")
        if not np.isfinite(value):
            self.fail(f"cost() returned {value}")
        return value

    def check_value(self) -> None:
        """The cost is a finite scalar, a mean over samples, and lower for outputs close to the targets."""
        output, target = self.data()
        base = self.cost(output, target)
        doubled = self.cost(np.concatenate([output, output]), np.concatenate([target, target]))
        if not np.isclose(base, doubled, rtol=1e-6, atol=1e-9):
            self.fail(f"cost() must be a mean over samples: {base:.6g} for a minibatch, {doubled:.6g} for it twice")
        near, far = self.task.near_and_far(target)
        if not self.cost(near, target) < self.cost(far, target):
            self.fail("cost() must be lower when outputs are close to the targets than when they are far from them")

    def analytic_gradient(self) -> np.ndarray | None:
        """dCost/dOutput from ``gradient()``, else from the engine's automatic differentiation; None if neither."""
        output, target = self.data()
        try:
            return copy_of(self.call("gradient()", lambda: self.loss.gradient(self.tensor(output), self.tensor(target))), self.engine)
        except NotImplementedError:
            pass
        return self.call("cost() under automatic differentiation", lambda: self.engine.gradient(lambda x: self.loss.cost(x, self.tensor(target)), np.asarray(output, dtype=np.float64)))

    def check_gradient(self) -> None:
        """The gradient with respect to the outputs matches finite differences, entry by entry."""
        output, target = self.data()
        analytic = self.analytic_gradient()
        if analytic is None:
            self.fail("gradient() is not implemented and its engine has no automatic differentiation: models with hand-written backward need it")
        if analytic.shape != output.shape:
            self.fail(f"gradient() has shape {analytic.shape}, the outputs {output.shape}")
        tolerance = TOLERANCES.get(self.engine.dtype_name(self.tensor(output)), TOLERANCES["float64"])
        wrong = []
        for index in np.ndindex(*output.shape):
            plus, minus = output.copy(), output.copy()
            plus[index] += tolerance.epsilon
            minus[index] -= tolerance.epsilon
            numerical = (self.cost(plus, target) - self.cost(minus, target)) / (2 * tolerance.epsilon)
            if not tolerance.agree(float(analytic[index]), numerical):
                wrong.append(f"output{list(index)}: analytic {analytic[index]:.6g} vs numerical {numerical:.6g}")
        if wrong:
            self.fail("gradient disagrees with finite differences at " + "; ".join(wrong[:4]) + (f" (and {len(wrong) - 4} more)" if len(wrong) > 4 else ""))

    def run(self) -> None:
        """Every loss check, in order."""
        self.check_value()
        self.check_gradient()


def loss_contracts(
    loss: type[Loss] | Loss,
    options: dict[str, Any] | None = None,
    *,
    engine: str | None = None,
    task: str | None = None,
    nbr_classes: int = 4,
    batch_size: int = 5,
    seed: int = 0,
    registry: Any = None,
) -> list[LossContract]:
    """One :class:`LossContract` per task checked: ``task``, else every task the loss declares."""
    instance = plugin_factory(loss, options, Loss)()
    names = [task] if task else list(declared_tasks(instance)) or ["classification"]
    arrays = engine_named(engine, registry) if engine else engine_for(instance, registry)
    return [LossContract(instance, arrays, task_named(name, registry), nbr_classes, batch_size, seed) for name in names]


def check_loss(
    loss: type[Loss] | Loss,
    options: dict[str, Any] | None = None,
    *,
    engine: str | None = None,
    task: str | None = None,
    nbr_classes: int = 4,
    batch_size: int = 5,
    seed: int = 0,
) -> None:
    """Check that a loss plugin honours the loss contract; raise AssertionError if not.

    Checks, for every task the loss declares (or ``task``): ``cost`` is a finite scalar, the mean
    over samples (not the sum), lower for outputs close to the targets than for outputs far from
    them; the gradient (``gradient()``, or autograd for torch losses) matches finite differences.
    Anything the loss raises is a failure naming it.

    Args:
        loss: the loss class, or an instance.
        options: constructor options when ``loss`` is a class.
        engine: the name of the engine whose arrays the loss takes (default: the one it declares).
        task: check this task only (``"classification"``, ``"regression"``, or one a package adds).
        nbr_classes: number of classes, or of target columns for regression (1 is fine there).
        batch_size: samples.
        seed: seed of the test data.
    """
    for contract in loss_contracts(loss, options, engine=engine, task=task, nbr_classes=nbr_classes, batch_size=batch_size, seed=seed):
        contract.run()

"""Contract checks of optimizer plugins: they minimize a convex quadratic and honour weight decay."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from nnplug.model import Model, Parameter
from nnplug.optimizer import Optimizer
from nnplug.engine import Engine
from nnplug.testing.engines import NumpyArrays, copy_of, engine_for
from nnplug.testing.instances import display_name, plugin_factory


class OptimizerContract:
    """Runs the optimizer checks on fresh optimizers built by ``factory`` (``weight_decay`` given).

    The checks minimize a convex quadratic of the parameters they are given: ``parameters()``
    returns fresh ones for each check (plain numpy ``Parameter`` objects, or those of a newly
    built model of the optimizer's engine).

    Args:
        factory: builds a new optimizer per call, with the given ``weight_decay``.
        parameters: returns fresh parameters to optimize (a weight with ``decay`` set and
            preferably one without).
        steps: updates applied in the quadratic check.
        engine: the engine of the parameters (reads and writes their arrays; default: plain numpy).
    """

    def __init__(
        self, factory: Callable[[float | None], Optimizer], parameters: Callable[[], list[Parameter]], steps: int = 300,
        engine: Engine | None = None,
    ) -> None:
        self.engine = engine or NumpyArrays()
        self.factory = factory
        self.parameters = parameters
        self.steps = steps
        self.name = display_name(factory(None))

    def fail(self, message: str) -> None:
        """Raise the AssertionError of a broken contract, naming the optimizer."""
        raise AssertionError(f"optimizer {self.name}: {message}")

    def set_grad(self, param: Parameter, grad: np.ndarray) -> None:
        """Hand a gradient to the parameter the way a model's backward does (same engine and dtype)."""
        param.grad = self.engine.from_numpy(grad, like=param.value)

    def check_decreases_quadratic(self) -> None:
        """Steps along the gradient of f(w) = 1/2 sum a (w - c)^2 bring f well below its start."""
        optimizer = self.factory(None)
        params = self.parameters()
        rng = np.random.default_rng(0)
        starts = [copy_of(p.value, self.engine).astype(np.float64) for p in params]
        curvatures = [rng.uniform(0.5, 2.0, size=s.shape) for s in starts]
        centers = [s + rng.choice([-1.0, 1.0], size=s.shape) for s in starts]

        def quadratic() -> float:
            return sum(float(0.5 * np.sum(a * (copy_of(p.value, self.engine) - c) ** 2)) for p, a, c in zip(params, curvatures, centers))

        optimizer.build(params)
        initial = quadratic()
        for _ in range(self.steps):
            for param, a, c in zip(params, curvatures, centers):
                self.set_grad(param, a * (copy_of(param.value, self.engine) - c))
            optimizer.step(1)
        final = quadratic()
        if not np.isfinite(final):
            self.fail(f"the quadratic became {final} after {self.steps} steps")
        if final > 0.25 * initial:
            self.fail(
                f"{self.steps} steps on a convex quadratic took it from {initial:.4g} to {final:.4g}, "
                f"not below a quarter of the start (learning rate {getattr(optimizer, 'learning_rate', '?')})"
            )

    def check_weight_decay(self) -> None:
        """With weight decay and zero data gradients, decayed weights shrink and the others stay."""
        decay = 0.1
        optimizer = self.factory(decay)
        if not np.isclose(float(getattr(optimizer, "weight_decay", 0.0)), decay):
            self.fail(f"weight_decay={decay} was given but the optimizer's weight_decay is {getattr(optimizer, 'weight_decay', None)}")
        params = self.parameters()
        decayed = [p for p in params if p.decay]
        kept = [p for p in params if not p.decay]
        if not decayed:
            self.fail("the parameters given to the check have no decay=True parameter")
        starts = {p.name: copy_of(p.value, self.engine).astype(np.float64) for p in params}
        optimizer.build(params)
        expected_penalty = 0.5 * decay * sum(float(np.sum(starts[p.name] ** 2)) for p in decayed)
        penalty = float(optimizer.penalty(params))
        if not np.isclose(penalty, expected_penalty, rtol=1e-5):
            self.fail(f"penalty() is {penalty:.6g}, expected weight_decay/2 * sum of squared decayed weights = {expected_penalty:.6g}")
        for _ in range(20):
            for param in params:
                self.set_grad(param, np.zeros(tuple(param.value.shape)))
            optimizer.step(1)
        before = float(np.sqrt(sum(np.sum(starts[p.name] ** 2) for p in decayed)))
        after = float(np.sqrt(sum(np.sum(copy_of(p.value, self.engine).astype(np.float64) ** 2) for p in decayed)))
        if not after < 0.99 * before:
            self.fail(f"weight decay {decay} with zero data gradients did not shrink the decayed parameters (norm {before:.4g} -> {after:.4g})")
        for param in kept:
            if not np.allclose(copy_of(param.value, self.engine), starts[param.name]):
                self.fail(f"parameter {param.name!r} has decay=False and a zero gradient, yet it moved: weight decay must skip it")
        for param in params:
            if np.any(copy_of(param.grad, self.engine) != 0):
                self.fail(f"the optimizer changed Parameter.grad of {param.name!r} (it must hold the data gradient only)")

    def check_state_round_trip(self, before: int = 5, after: int = 5) -> None:
        """A fresh optimizer given :meth:`~nnplug.optimizer.Optimizer.state` continues exactly as the original.

        Two runs on the same quadratic: one optimizer for ``before`` steps in epoch 1 and
        ``after`` steps in epoch 2; and one for ``before`` steps, then a new optimizer that loads
        the first one's state (taken at the end of epoch 1) for ``after`` steps in its epoch 1, as
        a run continued with ``--load-model`` counts its epochs from 1 again (schedules keep
        their place through the state). The parameters must end equal, which fails when
        ``state`` misses something the updates depend on, or ``load_state`` does not restore it.
        ``state`` must also return copies: steps taken after it must not change it.
        """
        rng = np.random.default_rng(1)
        shapes = [copy_of(p.value, self.engine).shape for p in self.parameters()]
        curvatures = [rng.uniform(0.5, 2.0, size=shape) for shape in shapes]

        def steps(optimizer: Optimizer, params: list[Parameter], count: int, epoch: int = 1) -> None:
            for _ in range(count):
                for param, a in zip(params, curvatures):
                    self.set_grad(param, a * (copy_of(param.value, self.engine) - 1.0))
                optimizer.step(epoch)

        original, params = self.factory(None), self.parameters()
        original.build(params)
        steps(original, params, before)
        saved = original.state()
        frozen = {name: np.array(value, copy=True) for name, value in saved.items()}
        steps(original, params, after, epoch=2)
        for name, value in saved.items():
            if not np.array_equal(np.asarray(value), frozen[name]):
                self.fail(f"state()[{name!r}] changed when the optimizer stepped on: state() must return copies")
        warm, replayed = self.factory(None), self.parameters()
        warm.build(replayed)
        steps(warm, replayed, before)
        continued = self.factory(None)
        continued.build(replayed)
        continued.load_state(saved)
        steps(continued, replayed, after)
        for param, again in zip(params, replayed):
            if not np.allclose(copy_of(param.value, self.engine), copy_of(again.value, self.engine), rtol=1e-6, atol=1e-9):
                self.fail(
                    f"an optimizer given load_state(state()) after {before} steps did not continue as the original "
                    f"(parameter {param.name!r} differs after {after} more steps): state() must hold everything the "
                    f"updates depend on (moments, step counts) and load_state must restore it (state names: {sorted(saved) or 'none'})"
                )

    def run(self) -> None:
        """Every optimizer check, in order."""
        self.check_decreases_quadratic()
        self.check_weight_decay()
        self.check_state_round_trip()


def plain_parameters() -> list[Parameter]:
    """A decayed weight matrix and a bias without decay, as numpy float64 ``Parameter`` objects."""
    rng = np.random.default_rng(0)
    return [
        Parameter("L0_Dense_W", rng.uniform(-1.0, 1.0, size=(3, 4)), np.zeros((3, 4)), decay=True, layer="L0_Dense"),
        Parameter("L0_Dense_b", rng.uniform(-1.0, 1.0, size=4), np.zeros(4), decay=False, layer="L0_Dense"),
    ]


def optimizer_contract(
    optimizer: type[Optimizer] | Optimizer,
    options: dict[str, Any] | None = None,
    *,
    learning_rate: float | None = 0.05,
    model: Model | Callable[[], Model] | None = None,
    sample_shape: tuple[int, ...] = (4,),
    nbr_classes: int = 3,
    steps: int = 300,
) -> OptimizerContract:
    """The optimizer checks of ``optimizer`` (see :func:`check_optimizer`), ready to run one by one.

    Checks: ``steps`` updates on a convex quadratic take it below a quarter of its start value;
    with ``weight_decay`` the penalty is ``weight_decay / 2 * sum(w**2)`` over decayed
    parameters, decayed weights shrink under a zero data gradient, parameters with
    ``decay=False`` do not move, and ``Parameter.grad`` is left holding the data gradient; a new
    optimizer given ``load_state(state())`` continues exactly as the original (checkpoints).

    Args:
        optimizer: the optimizer class, or an instance (rebuilt from its class and options).
        options: constructor options when ``optimizer`` is a class.
        learning_rate: learning rate set for the checks (None keeps the plugin's own).
        model: where the parameters come from: a model (class, instance or factory) built anew
            for each check. Needed for optimizers that only update their engine's own models
            (torch); default: plain numpy ``Parameter`` objects.
        sample_shape: input shape the model is built for.
        nbr_classes: classes the model is built for.
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
        made = plugin_factory(cls, kwargs, Optimizer)()
        made.plugin_name = display_name(optimizer)
        return made

    parameters = plain_parameters
    engine = None
    if model is not None:
        build_model = model if callable(model) and not isinstance(model, (type, Model)) else plugin_factory(model, None, Model)
        engine = engine_for(build_model())  # the model's engine reads and writes its parameters

        def parameters() -> list[Parameter]:
            fresh = build_model()
            fresh.build(tuple(sample_shape), nbr_classes, 0)
            return fresh.parameters()

    return OptimizerContract(factory, parameters, steps, engine)


def check_optimizer(
    optimizer: type[Optimizer] | Optimizer,
    options: dict[str, Any] | None = None,
    *,
    learning_rate: float | None = 0.05,
    model: Model | Callable[[], Model] | None = None,
    sample_shape: tuple[int, ...] = (4,),
    nbr_classes: int = 3,
    steps: int = 300,
) -> None:
    """Check that an optimizer plugin honours the optimizer contract; raise AssertionError if not.

    Checks: ``steps`` updates on a convex quadratic take it below a quarter of its start value;
    with ``weight_decay`` the penalty is ``weight_decay / 2 * sum(w**2)`` over decayed
    parameters, decayed weights shrink under a zero data gradient, parameters with
    ``decay=False`` do not move, and ``Parameter.grad`` is left holding the data gradient; a new
    optimizer given ``load_state(state())`` continues exactly as the original (checkpoints).
    Arguments as :func:`optimizer_contract`.
    """
    optimizer_contract(
        optimizer, options, learning_rate=learning_rate, model=model, sample_shape=sample_shape, nbr_classes=nbr_classes, steps=steps
    ).run()

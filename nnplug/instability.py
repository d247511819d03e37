"""Numerical instability checks: NaN/Inf watched for at almost no cost, located only when one appears.

Watching costs two questions per minibatch, asked by the trainer after backward and before the
optimizer's step: is the cost finite (a float the trainer computes anyway), and are the gradients
finite (one engine reduction per gradient buffer: :meth:`nnplug.model.Model.gradient_arrays`).
When an answer is no, :class:`InstabilityChecker` finds where the value first appeared by
replaying that minibatch with a :class:`LayerWatch` on every layer: the parameters are still those
of the failed step (the optimizer has not moved them), dropout replays its masks and batch norm
keeps its statistics (:meth:`nnplug.model.Model.replaying`), and the gradients are put back after,
so checking changes nothing in training. Parameters the optimizer's update itself makes non-finite
are seen by the next minibatch's cost (or the end-of-epoch check) and named then.

A NaN is placed in one of four passes: ``forward`` (a layer's activation, or the cost),
``backward`` (the gradient a layer passes back, dCost/dInput), ``gradient`` (a parameter's
dCost/dParameter) and ``optimizer update`` (a parameter after the step). Modes are those of
gradient checks: off, warning (log once per place and go on), exception (stop the run with an
:class:`InstabilityError`) and pdb (open the debugger).
"""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from nnplug.checks import _react
from nnplug.errors import NnplugError

if TYPE_CHECKING:
    from nnplug.engine import Engine
    from nnplug.loss import Loss
    from nnplug.model import Model, Parameter

LOG = logging.getLogger("nnplug.checks")
FORWARD, BACKWARD, GRADIENT, UPDATE = "forward", "backward", "gradient", "optimizer update"
#: where a non-finite cost is reported (in the forward pass).
COST = "the cost"


class InstabilityError(NnplugError):
    """A NaN or Inf appeared in an activation, a gradient, the cost or a parameter."""


@dataclass(frozen=True)
class Finding:
    """Where a non-finite value first appeared: the pass and the layer (or parameter, or the cost)."""

    passage: str
    where: str

    def message(self) -> str:
        """The one-line report (``numerical instability: NaN or Inf in the backward pass at L1_Tanh``)."""
        return f"numerical instability: NaN or Inf in the {self.passage} pass at {self.where}"


class LayerWatch:
    """A layer observer testing every activation and gradient for NaN/Inf as they are computed.

    Each finding goes to ``found`` in the order the passes run. Parameter gradients are tested
    right after their layer computes them when the engine says so (``after_parameter_gradients``,
    numpy), else by :meth:`check_gradients` once backward is over (torch's autograd fills them
    all at once). The replay of :class:`InstabilityChecker` uses it; attached for a whole run
    (:meth:`InstabilityChecker.watch_every_layer`) it is the always-on check, at the cost of a
    reduction per activation and gradient.

    Args:
        engine: the model's engine (finite tests go through it).
        parameters: the model's parameters (their ``layer`` tells whose gradients they are).
        found: called with each :class:`Finding`.
    """

    def __init__(self, engine: "Engine", parameters: list["Parameter"], found: Callable[[Finding], None]) -> None:
        self.engine = engine
        self.found = found
        self.by_layer: dict[str, list["Parameter"]] = {}
        for param in parameters:
            self.by_layer.setdefault(param.layer, []).append(param)
        self.checked: set[str] = set()
        #: layer names in the order of their first forward pass.
        self.order: dict[str, None] = {}

    def finite(self, value: Any) -> bool:
        """Whether an engine array (None: nothing) holds only finite numbers."""
        return value is None or self.engine.all_finite(value)

    def before_forward(self, layer: str) -> None:
        """Note the layer's place in the forward order (a new step starts at the first layer)."""
        if not self.order or next(iter(self.order)) == layer:
            self.checked.clear()
        self.order.setdefault(layer)

    def after_forward(self, layer: str, output: Any) -> None:
        """Test the activation ``layer`` produced."""
        if not self.finite(output):
            self.found(Finding(FORWARD, layer))

    def check_cost(self, cost: Any) -> None:
        """Test the minibatch's cost (an engine scalar or a float)."""
        if not math.isfinite(self.engine.scalar(cost)):
            self.found(Finding(FORWARD, COST))

    def before_backward(self, layer: str) -> None:
        """A new backward pass starts from the last layer: no gradient of it is tested yet."""

    def before_parameter_gradients(self, layer: str) -> None:
        """Nothing to test before ``layer`` fills its parameters' gradients."""

    def after_parameter_gradients(self, layer: str) -> None:
        """Test the gradients ``layer`` just filled (engines computing them as a step of their own)."""
        self._check_layer_gradients(layer)

    def after_backward(self, layer: str, gradient: Any) -> None:
        """Test the gradient ``layer`` passes back."""
        if not self.finite(gradient):
            self.found(Finding(BACKWARD, layer))

    def check_gradients(self) -> None:
        """Test the gradients no layer step has tested yet (all of them for autograd engines)."""
        for layer in self.by_layer:
            self._check_layer_gradients(layer)
        self.checked.clear()

    def _check_layer_gradients(self, layer: str) -> None:
        if layer in self.checked:
            return
        self.checked.add(layer)
        for param in self.by_layer.get(layer, ()):
            if not self.finite(param.grad):
                self.found(Finding(GRADIENT, param.name))

    def check_parameters(self) -> None:
        """Test every parameter's value (after the optimizer's update)."""
        for params in self.by_layer.values():
            for param in params:
                if not self.finite(param.value):
                    self.found(Finding(UPDATE, param.name))


def _first(events: list[Finding], watch: LayerWatch) -> Finding | None:
    """The first of a replayed step's findings, in the order the passes run.

    Autograd engines fill parameter gradients after the layer-by-layer gradients, so gradients are
    put where the numpy engine computes them: for each layer from the last, its parameters'
    gradients, then the gradient it passes back.
    """
    forward = [event for event in events if event.passage == FORWARD]
    if forward:
        return forward[0]
    gradients = {event.where: event for event in events if event.passage == GRADIENT}
    backward = {event.where for event in events if event.passage == BACKWARD}
    for layer in reversed(watch.order):
        for param in watch.by_layer.get(layer, ()):
            if param.name in gradients:
                return gradients[param.name]
        if layer in backward:
            return Finding(BACKWARD, layer)
    return next(iter(gradients.values()), None)


class InstabilityChecker:
    """Watches training for NaN/Inf at almost no cost; when one appears, finds where and reports it.

    Per minibatch, :meth:`check_step` (after backward, before the optimizer's step) tests the cost
    and the gradients; only when one is not finite does it replay the minibatch with every layer
    watched and report the first pass and layer that produced a NaN/Inf. :meth:`check_parameters`
    (end of epoch) catches an update that broke the parameters on the epoch's last minibatch.
    Every place is reported once.

    Args:
        mode: off, warning, exception or pdb.
        engine: the model's engine (finite tests and conversions go through it).
    """

    def __init__(self, mode: str, engine: "Engine") -> None:
        self.mode = mode
        self.engine = engine
        self.reported: set[Finding] = set()
        #: whether the last checked step had a finite cost and finite gradients (then non-finite
        #: parameters come from the optimizer's update, not from a NaN already reported).
        self.last_step_finite = True
        self.replays = 0

    @property
    def active(self) -> bool:
        """Whether checks run at all (mode other than off)."""
        return self.mode != "off"

    def report(self, finding: Finding) -> None:
        """React once per place, as the mode says."""
        if finding in self.reported:
            return
        self.reported.add(finding)
        _react(self.mode, finding.message(), InstabilityError)

    def gradients_finite(self, model: "Model") -> bool:
        """Whether every gradient is finite: one engine test per gradient buffer of the model."""
        return all(self.engine.all_finite(array) for array in model.gradient_arrays())

    def check_step(self, model: "Model", loss: "Loss", x: Any, y: Any, cost: float) -> None:
        """Test a training step after backward, before the optimizer moves the parameters.

        Args:
            model: the model, holding the step's gradients.
            loss: the loss that gave the cost.
            x: the minibatch's inputs, as the model was given them.
            y: its targets, as the loss was given them.
            cost: the step's cost as a float (weight-decay penalty included).
        """
        if math.isfinite(cost) and self.gradients_finite(model):
            self.last_step_finite = True
            return
        broken = self._broken_parameters(model)
        if broken:  # the last update broke them: this step's NaN is its consequence
            if self.last_step_finite:
                self.report(Finding(UPDATE, broken[0].name))
        else:
            finding = self.locate(model, loss, x, y)
            if finding is not None:
                self.report(finding)
            elif not math.isfinite(cost):
                self.report(Finding(FORWARD, COST))
            else:
                LOG.debug("instability check: the gradients looked non-finite but the replay found every value finite")
        self.last_step_finite = False

    def check_parameters(self, model: "Model") -> None:
        """Test every parameter after the last step of an epoch (a broken last update would go unseen)."""
        broken = self._broken_parameters(model)
        if broken and self.last_step_finite:
            self.report(Finding(UPDATE, broken[0].name))

    def _broken_parameters(self, model: "Model") -> list["Parameter"]:
        return [param for param in model.parameters() if not self.engine.all_finite(param.value)]

    def locate(self, model: "Model", loss: "Loss", x: Any, y: Any) -> Finding | None:
        """Replay the last training step with every layer watched; return the first finding.

        Runs inside :meth:`nnplug.model.Model.replaying` (same dropout masks, batch-norm
        statistics untouched); the gradients are restored afterwards, bit for bit.
        """
        self.replays += 1
        gradients = [(param, self.engine.to_numpy(param.grad).copy()) for param in model.parameters() if param.grad is not None]
        events: list[Finding] = []
        watch = LayerWatch(self.engine, model.parameters(), events.append)
        model.add_layer_observer(watch)
        try:
            with model.replaying():
                output = model.forward(x, training=True)
                cost = loss.cost(output, y)
                watch.check_cost(cost)
                model.backward(loss, output, y, cost)
                watch.check_gradients()
                return _first(events, watch)
        finally:
            model.remove_layer_observer(watch)
            for param, saved in gradients:
                if param.grad is not None:
                    self.engine.assign(param.grad, saved)

    def watch_every_layer(self, model: "Model") -> LayerWatch:
        """Attach and return an always-on :class:`LayerWatch` reporting through this checker.

        Every activation and gradient is then tested as it is computed (what :meth:`check_step`
        avoids); call :meth:`LayerWatch.check_gradients` and :meth:`LayerWatch.check_parameters`
        after backward and after the step, and ``model.remove_layer_observer`` at the end.
        """
        watch = LayerWatch(self.engine, model.parameters(), self.report)
        model.add_layer_observer(watch)
        return watch

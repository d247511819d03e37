"""``--profiling``: where training time goes, per phase and per layer, plus a cProfile dump.

For each profiled experiment the run directory receives ``profile-<exp>.txt``, a report in the
shape users of the C++ framework knew (full epochs, minibatches, data preparation, evaluation;
per layer the forward, backward, gradient step and apply times, sorted; the optimizer step), and
``profile-<exp>.pstats``, a cProfile dump that ``python -m pstats`` or ``snakeviz`` open.

Phases are timed by the trainer through the experiment's :class:`~nnplug.timing.PhaseClock`;
layers through the model's layer observers (:meth:`nnplug.model.Model.add_layer_observer`), so
both engines are measured the same way. Per layer:

- backward: dCost/dInput, the gradient passed to the layer before;
- gradient step: dCost/dParameters (dW, db, dgamma, dbeta), for layers with parameters. The numpy
  engine computes it as a step of its own and reports it through the optional observer hooks
  ``before_parameter_gradients``/``after_parameter_gradients``; its time is taken out of the
  backward time. Torch's autograd computes both in one pass: its layers' gradient step shows
  as "—" (not measured separately) and their backward time includes it;
- apply: the optimizer's update of the layer's tensors. Optimizers that update tensor by tensor
  (the numpy ones) report each update (:meth:`nnplug.optimizer.Optimizer.add_update_observer`);
  torch optimizers update every tensor in one call, so only their total is shown.

Nothing here runs unless ``--profiling`` is given.
"""
from __future__ import annotations

import cProfile
import marshal
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from nnplug.experiment import Experiment
from nnplug.results import ExperimentResult
from nnplug.files import safe_name, write_atomically, write_text
from nnplug.timing import DATA, EPOCH, EVALUATION, GRADIENT_CHECKS, INSTABILITY_CHECKS, MINIBATCH, OPTIMIZER_STEP, PhaseClock
from nnplug.trainer import RepeatContext, TrainingObserver

#: layer timings are kept apart by what the pass was for.
TRAINING, EVALUATING, CHECKING = "training", "evaluation", "gradient checks"
#: the passes timed per layer.
FORWARD, BACKWARD, GRADIENT_STEP, APPLY = "forward", "backward", "gradient step", "apply"
#: shown for layers whose parameter gradients are computed within their backward pass.
NOT_MEASURED = "—"


class LayerTimer:
    """A layer observer summing each layer's forward, backward and gradient-step wall time.

    Passes are attributed to training, evaluation or gradient checks from the phases running on
    ``clock`` when they happen. A gradient step (dCost/dParameters) runs inside its layer's
    backward pass: its time is taken out of the backward time, which then means dCost/dInput.

    Args:
        clock: the experiment's phase clock.
        parameter_layers: names of the layers that own parameters (to tell "no gradient step"
            from "gradient step not measured separately").
    """

    def __init__(self, clock: PhaseClock, parameter_layers: set[str] | None = None) -> None:
        self.clock = clock
        self.parameter_layers = set(parameter_layers or ())
        self.started: dict[tuple[str, str], float] = {}
        #: seconds of gradient steps inside each layer's running backward pass.
        self.nested: dict[str, float] = defaultdict(float)
        #: seconds by (purpose, pass) then layer, e.g. totals[("training", "forward")]["L0_Dense"].
        self.totals: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
        self.order: list[str] = []

    def _purpose(self) -> str:
        active = self.clock.active
        if GRADIENT_CHECKS in active or INSTABILITY_CHECKS in active:  # a replay's passes are checks too
            return CHECKING
        if EVALUATION in active:
            return EVALUATING
        return TRAINING

    def _start(self, layer: str, passage: str) -> None:
        if layer not in self.order:
            self.order.append(layer)
        self.started[(layer, passage)] = time.perf_counter()

    def _stop(self, layer: str, passage: str, excluded: float = 0.0) -> float:
        """Add the time since ``_start`` (minus ``excluded``) to the layer's total; return it."""
        start = self.started.pop((layer, passage), None)
        if start is None:
            return 0.0
        seconds = time.perf_counter() - start - excluded
        self.totals[(self._purpose(), passage)][layer] += seconds
        return seconds

    def before_forward(self, layer: str) -> None:
        """Start timing ``layer``'s forward pass."""
        self._start(layer, FORWARD)

    def after_forward(self, layer: str, output: Any) -> None:
        """Stop timing ``layer``'s forward pass."""
        self._stop(layer, FORWARD)

    def before_backward(self, layer: str) -> None:
        """Start timing ``layer``'s backward pass."""
        self.nested.pop(layer, None)
        self._start(layer, BACKWARD)

    def after_backward(self, layer: str, gradient: Any) -> None:
        """Stop timing ``layer``'s backward pass, less its gradient step."""
        self._stop(layer, BACKWARD, excluded=self.nested.pop(layer, 0.0))

    def before_parameter_gradients(self, layer: str) -> None:
        """Start timing ``layer``'s gradient step (called by engines that compute it apart)."""
        self._start(layer, GRADIENT_STEP)

    def after_parameter_gradients(self, layer: str) -> None:
        """Stop timing ``layer``'s gradient step."""
        self.nested[layer] += self._stop(layer, GRADIENT_STEP)

    def parameter_updated(self, parameter: Any, seconds: float) -> None:
        """Add an optimizer's update of ``parameter`` to its layer's apply time."""
        layer = parameter.layer or parameter.name
        if layer not in self.order:
            self.order.append(layer)
        self.totals[(TRAINING, APPLY)][layer] += seconds

    def unmeasured_gradient_steps(self) -> list[str]:
        """Layers trained with parameters but no gradient step of their own (computed within backward)."""
        trained = self.totals.get((TRAINING, FORWARD), {})
        stepped = self.totals.get((TRAINING, GRADIENT_STEP), {})
        return [layer for layer in self.order if layer in self.parameter_layers and layer in trained and layer not in stepped]


def _ms(seconds: float) -> str:
    return f"{1000 * seconds:.0f}ms" if seconds >= 0.01 else f"{1000 * seconds:.2f}ms"


def format_report(exp_id: str, clock: PhaseClock, layers: LayerTimer, repeats: int, engine: str = "") -> str:
    """The per-phase and per-layer timing report of one experiment, as text."""
    totals, counts, last = clock.totals, clock.counts, clock.last

    def line(label: str, phase: str, with_last: bool = False) -> str:
        total, count = totals.get(phase, 0.0), counts.get(phase, 0)
        average = total / count if count else 0.0
        text = f"    {label:<20}: total duration={_ms(total)}, average duration={_ms(average)}, count={count}"
        return text + (f", last duration={_ms(last.get(phase, 0.0))}" if with_last else "")

    engine_text = f", {engine} engine" if engine else ""
    rows = [f"Metrics report: experiment {exp_id} ({repeats} repeat{'s' if repeats != 1 else ''}{engine_text})"]
    rows.append(line("Full epoch", EPOCH, with_last=True))
    rows.append(line("Full minibatch", MINIBATCH))
    rows.append(line("Data preparation", DATA))
    rows.append(line("Evaluation", EVALUATION))
    rows.append(line("Optimizer step", OPTIMIZER_STEP))
    if counts.get(GRADIENT_CHECKS):
        rows.append(line("Gradient checks", GRADIENT_CHECKS))
    if counts.get(INSTABILITY_CHECKS):
        rows.append(line("Instability checks", INSTABILITY_CHECKS))
    unmeasured = layers.unmeasured_gradient_steps()
    if not unmeasured:
        backward_title = "Backward pass, dCost/dInput (total times)"
    elif not layers.totals.get((TRAINING, GRADIENT_STEP)):
        backward_title = "Backward pass incl. parameter gradients (total times)"
    else:
        backward_title = f"Backward pass, dCost/dInput (total times; incl. parameter gradients where the gradient step shows {NOT_MEASURED})"
    sections = [
        ((TRAINING, FORWARD), "Forward pass, training (total times)"),
        ((TRAINING, BACKWARD), backward_title),
        ((TRAINING, GRADIENT_STEP), "Gradient step, dCost/dParameters (total times)"),
        ((EVALUATING, FORWARD), "Forward pass, evaluation (total times)"),
    ]
    measured = False
    for key, title in sections:
        per_layer = layers.totals.get(key, {})
        missing = unmeasured if key == (TRAINING, GRADIENT_STEP) else []
        if not per_layer and not missing:
            continue
        measured = measured or bool(per_layer)
        rows.append(f"    {title}")
        for layer, seconds in sorted(per_layer.items(), key=lambda item: (-item[1], layers.order.index(item[0]))):
            rows.append(f"        {_ms(seconds):>10}: {layer}")
        rows.extend(f"        {NOT_MEASURED:>10}: {layer}" for layer in missing)
        if missing:
            who = f"the {engine} engine" if engine else "this model"
            rows.append(f"        ({NOT_MEASURED}: not measured separately; {who} computes parameter gradients within the backward pass, whose times include them)")
    applied = layers.totals.get((TRAINING, APPLY))
    if applied:
        rows.append(f"    Apply gradients (optimizer step {_ms(totals.get(OPTIMIZER_STEP, 0.0))}; total times per layer)")
        for layer, seconds in sorted(applied.items(), key=lambda item: (-item[1], layers.order.index(item[0]))):
            rows.append(f"        {_ms(seconds):>10}: {layer}")
    else:
        rows.append(f"    Apply gradients (optimizer step, all layers at once): {_ms(totals.get(OPTIMIZER_STEP, 0.0))}")
    if not measured:
        rows.append("    (the model reports no layers to its layer observers: no per-layer times)")
    layer_sum = sum(sum(v.values()) for k, v in layers.totals.items() if k[0] == TRAINING and k[1] != APPLY) + totals.get(OPTIMIZER_STEP, 0.0)
    rows.append(
        f"    Layers + optimizer step: {_ms(layer_sum)} of {_ms(totals.get(MINIBATCH, 0.0))} spent in minibatches; "
        f"the rest of the epochs ({_ms(max(0.0, totals.get(EPOCH, 0.0) - totals.get(MINIBATCH, 0.0)))}) went to data preparation and evaluation"
    )
    return "\n".join(rows) + "\n"


class Profiler(TrainingObserver):
    """Times the experiments run with ``--profiling`` and writes their reports and cProfile dumps.

    Args:
        directory: the run directory.
        echo: called with each report's text (printing it), or None.
    """

    def __init__(self, directory: Path, echo: Any = None) -> None:
        self.directory = Path(directory)
        self.echo = echo
        self.profile: cProfile.Profile | None = None
        self.layers: LayerTimer | None = None
        self.clock: PhaseClock | None = None
        self.engine = ""
        self.written: list[Path] = []

    def experiment_started(self, experiment: Experiment, result: ExperimentResult) -> None:
        """Start cProfile for a profiled experiment."""
        self.clock = self.layers = None
        if experiment.options.profiling:
            self.profile = cProfile.Profile()
            self.profile.enable()

    def repeat_started(self, context: RepeatContext) -> None:
        """Attach the layer timer to the repeat's model."""
        if not isinstance(context.clock, PhaseClock):
            return
        if self.clock is not context.clock:
            self.clock = context.clock
            self.layers = LayerTimer(context.clock)
        self.layers.parameter_layers.update(p.layer for p in context.model.parameters() if p.layer)
        self.engine = context.engine.plugin_name if context.engine is not None else ""
        context.model.add_layer_observer(self.layers)
        context.optimizer.add_update_observer(self.layers.parameter_updated)

    def repeat_finished(self, context: RepeatContext) -> None:
        """Detach the layer timer."""
        if self.layers is not None and self.layers in context.model.layer_observers:
            context.model.remove_layer_observer(self.layers)
        if self.layers is not None and self.layers.parameter_updated in context.optimizer.update_observers:
            context.optimizer.remove_update_observer(self.layers.parameter_updated)

    def experiment_finished(self, result: ExperimentResult) -> None:
        """Write the report and the cProfile dump."""
        self.write(result.exp_id, len(result.repeats))

    def close(self, results: list[ExperimentResult]) -> None:
        """Write the files of an experiment cut short (Ctrl-C): its last entry in ``results``."""
        if self.profile is not None and results:
            self.write(results[-1].exp_id, len(results[-1].repeats))

    def write(self, exp_id: str, repeats: int) -> None:
        """Stop cProfile and write this experiment's files (also called on interruption)."""
        if self.profile is None:
            return
        self.profile.disable()
        name = safe_name(exp_id)
        dump = self.directory / f"profile-{name}.pstats"
        profile = self.profile
        self.profile = None
        profile.create_stats()
        write_atomically(dump, lambda handle: handle.write(marshal.dumps(profile.stats)), binary=True)
        self.written.append(dump)
        if self.clock is not None and self.layers is not None:
            report = format_report(exp_id, self.clock, self.layers, repeats, self.engine)
            path = self.directory / f"profile-{name}.txt"
            write_text(path, report)
            self.written.append(path)
            if self.echo is not None:
                self.echo(report.rstrip())

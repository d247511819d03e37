"""--profiling: per-phase and per-layer report, cProfile dump; nothing when off."""
from __future__ import annotations

import pstats
from dataclasses import astuple
from pathlib import Path

import numpy as np
import pytest

from nnplug import Parameter
from nnplug.arrays import ArrayDataLoader
from nnplug.cli.arguments import parse_command
from nnplug.profiling import LayerTimer, format_report
from nnplug.registry import Registry
from nnplug.session import TrainingSession
from nnplug.timing import NO_CLOCK, PhaseClock
from nnplug.trainer import TrainingObserver


class ClockSpy(TrainingObserver):
    def __init__(self):
        self.clocks = []

    def repeat_started(self, context):
        self.clocks.append(context.clock)


def test_profiling_writes_the_report_and_a_pstats_dump(train, capsys):
    spy = ClockSpy()
    session = train(["--nbr-epochs=3", "--profiling", "--training-times=2", "--experiment", "--exp-id=plain", "--nbr-epochs=1"], [spy])
    report = (session.run_dir / "profile-exp1.txt").read_text()
    for expected in ("Full epoch", "Full minibatch", "Data preparation", "Evaluation", "Optimizer step",
                     "Forward pass, training", "Backward pass", "Forward pass, evaluation", "L0_Dense", "count=6"):
        assert expected in report
    assert report.splitlines()[0] in capsys.readouterr().out  # printed as well
    stats = pstats.Stats(str(session.run_dir / "profile-exp1.pstats"))
    assert any(name == "run_repeat" for (_, _, name) in stats.stats)
    assert not (session.run_dir / "profile-plain.txt").exists()
    assert isinstance(spy.clocks[0], PhaseClock) and spy.clocks[0] is spy.clocks[1]
    assert spy.clocks[2] is NO_CLOCK


def test_phase_clock_times_iterations_and_nested_phases():
    clock = PhaseClock()
    with clock.phase("outer"):
        assert clock.active == ["outer"]
        items = list(clock.iterate("data", iter([1, 2, 3])))
    assert items == [1, 2, 3] and clock.counts["data"] == 3 and clock.counts["outer"] == 1
    assert clock.totals["outer"] >= clock.totals["data"] >= 0 and clock.active == []
    assert list(NO_CLOCK.iterate("data", [4])) == [4]


def test_optimizers_updating_tensor_by_tensor_get_apply_times_per_layer():
    clock = PhaseClock()
    timer = LayerTimer(clock)
    timer.parameter_updated(Parameter("L0_Dense_W", np.zeros(2), layer="L0_Dense"), 0.003)
    timer.parameter_updated(Parameter("L0_Dense_b", np.zeros(2), layer="L0_Dense"), 0.001)
    timer.parameter_updated(Parameter("L1_Dense_W", np.zeros(2), layer="L1_Dense"), 0.002)
    report = format_report("exp1", clock, timer, 1)
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if "Apply gradients" in line)
    assert "total times per layer" in lines[start]
    assert lines[start + 1].split() == ["4.00ms:", "L0_Dense"] and lines[start + 2].split() == ["2.00ms:", "L1_Dense"]


# ----- the gradient step (dCost/dParameters) per layer, on the installed engines

class Blobs(ArrayDataLoader):
    """Three noisy classes of 12 features (in memory).

    Args:
        max_minibatch_size: largest training minibatch.
    """

    def __init__(self, max_minibatch_size: int = 30) -> None:
        rng = np.random.default_rng(3)
        labels = np.arange(120) % 3
        x = rng.normal(size=(3, 12))[labels] + rng.normal(scale=1.5, size=(120, 12))
        super().__init__(x, labels, ["a", "b", "c"], max_minibatch_size=max_minibatch_size)


def run_installed(tmp_path: Path, args: list[str]) -> TrainingSession:
    """Train with the installed plugins on :class:`Blobs`; return the finished session."""
    registry = Registry()
    registry.add("data_loader", "Blobs", Blobs)
    command = parse_command([f"--runs-dir={tmp_path}", "--data-loader=Blobs", *args], registry)
    session = TrainingSession(registry, command, argv=args, show_progress=False, draw_plots=False)
    session.run()
    return session


def section(report: str, title: str) -> dict[str, str]:
    """The per-layer rows of the report section starting with ``title``: time text by layer."""
    lines = report.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(title))
    rows = {}
    for line in lines[start + 1:]:
        if not line.startswith(" " * 8) or ": " not in line or line.strip().startswith("("):
            break
        seconds, layer = line.strip().split(": ")
        rows[layer] = seconds
    return rows


def milliseconds(text: str) -> float:
    assert text.endswith("ms"), text
    return float(text[:-2])


NUMPY_ARGS = ["--model=NLayers", "--layers=16,8", "--dropout-rate=0.2", "--nbr-epochs=3", "--gradient-checks=off"]


def test_numpy_report_times_the_gradient_step_apart_from_backward(tmp_path):
    session = run_installed(tmp_path, [*NUMPY_ARGS, "--profiling"])
    report = (session.run_dir / "profile-exp1.txt").read_text()
    backward = section(report, "Backward pass, dCost/dInput")
    step = section(report, "Gradient step, dCost/dParameters")
    with_parameters = [name for name in backward if name.endswith(("_Dense", "_BatchNormalization"))]
    assert len(with_parameters) == 6  # three dense layers, each followed by a batch normalization
    assert sorted(step) == sorted(with_parameters)
    assert all(milliseconds(step[name]) > 0 for name in with_parameters)
    assert any(name.endswith(("_LeakyReLU", "_Dropout", "_Softmax")) for name in backward)
    assert "—" not in report and "not measured" not in report


def test_metrics_are_bit_identical_with_profiling_on_and_off(tmp_path):
    def metrics(session):
        repeat = session.results[0].repeats[0]
        return [astuple(epoch)[:5] for epoch in repeat.epochs] + [(repeat.final_dev_accuracy, repeat.final_dev_cost)]

    plain = run_installed(tmp_path / "off", NUMPY_ARGS)
    profiled = run_installed(tmp_path / "on", [*NUMPY_ARGS, "--profiling"])
    assert (profiled.run_dir / "profile-exp1.txt").exists() and not (plain.run_dir / "profile-exp1.txt").exists()
    assert metrics(profiled) == metrics(plain)


class Recorder:
    """A layer observer without the optional gradient-step hooks."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def before_forward(self, layer):
        self.calls.append(("before_forward", layer))

    def after_forward(self, layer, output):
        self.calls.append(("after_forward", layer))

    def before_backward(self, layer):
        self.calls.append(("before_backward", layer))

    def after_backward(self, layer, gradient):
        self.calls.append(("after_backward", layer))


def test_numpy_gradient_step_changes_no_gradient_and_spares_other_observers():
    from nnplug_numpy.losses import CrossEntropy
    from nnplug_numpy.models.n_layers import NLayers

    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(10, 12)), np.eye(3)[rng.integers(0, 3, 10)]

    def gradients(*observers):
        model = NLayers(layers=[6], dropout_rate=0.3)
        model.build((12,), 3, seed=4)
        for observer in observers:
            model.add_layer_observer(observer)
        output = model.forward(x, training=True)
        model.backward(CrossEntropy(), output, y, 0.0)
        return model, {param.name: param.grad.copy() for param in model.parameters()}

    _, expected = gradients()
    recorder, timer = Recorder(), LayerTimer(PhaseClock())
    model, measured = gradients(recorder, timer)
    assert all(np.array_equal(measured[name], expected[name]) for name in expected)
    names = model.layer_names()
    assert recorder.calls[len(names) * 2:] == [(event, name) for name in reversed(names) for event in ("before_backward", "after_backward")]
    assert sorted(timer.totals[("training", "gradient step")]) == sorted(n for n in names if n.endswith(("_Dense", "_BatchNormalization")))
    assert timer.unmeasured_gradient_steps() == []


def test_torch_report_marks_the_gradient_step_as_not_measured(tmp_path):
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    session = run_installed(tmp_path, ["--model=NLayersTorch", "--layers=8", "--loss=CrossEntropyTorch", "--accuracy=ClassesTorch",
                                       "--optimizer=AdamTorch", "--nbr-epochs=2", "--gradient-checks=off", "--profiling"])
    report = (session.run_dir / "profile-exp1.txt").read_text()
    assert "torch engine" in report.splitlines()[0]
    step = section(report, "Gradient step, dCost/dParameters")
    assert step and set(step.values()) == {"—"}  # never a time, never 0
    assert set(step) >= {name for name in section(report, "Backward pass incl. parameter gradients") if "linear" in name or "norm" in name}
    footnotes = [line for line in report.splitlines() if "not measured separately" in line]
    assert len(footnotes) == 1 and "torch engine" in footnotes[0] and "backward" in footnotes[0]


def test_layers_computing_parameter_gradients_within_backward_show_a_dash():
    clock = PhaseClock()
    timer = LayerTimer(clock, parameter_layers={"L0_Dense", "L2_Custom"})
    for layer in ("L0_Dense", "L1_ReLU", "L2_Custom"):
        timer.before_forward(layer)
        timer.after_forward(layer, None)
    for layer in ("L2_Custom", "L1_ReLU", "L0_Dense"):
        timer.before_backward(layer)
        if layer == "L0_Dense":
            timer.before_parameter_gradients(layer)
            timer.after_parameter_gradients(layer)
        timer.after_backward(layer, None)
    report = format_report("exp1", clock, timer, 1, "numpy")
    step = section(report, "Gradient step")
    assert list(step) == ["L0_Dense", "L2_Custom"] and step["L2_Custom"] == "—" and step["L0_Dense"].endswith("ms")
    assert "where the gradient step shows —" in report and report.count("not measured separately") == 1

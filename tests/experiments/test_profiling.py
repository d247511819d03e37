"""--profiling: per-phase and per-layer report, cProfile dump; nothing when off."""
from __future__ import annotations

import pstats

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
    import numpy as np

    from nnplug import Parameter
    from nnplug.profiling import LayerTimer, format_report

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

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

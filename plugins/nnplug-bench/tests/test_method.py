"""The benchmark method on toy suites: rounds, rotation, paired ratios, skips, failures, outputs."""
from __future__ import annotations

import csv
import json

import pytest

from nnplug_bench.files import write_results
from nnplug_bench.plots import plot_suite
from nnplug_bench.results import FAILED, OK, SKIPPED, BenchResult
from nnplug_bench.runner import BenchRunner, rotated
from nnplug_bench.statistics import paired_ratios, summarize, trimmed
from nnplug_bench.suite import Case, Metric, Suite, Target
from nnplug_bench.table import format_bench


class ToySuite(Suite):
    """Two groups; in every round the machine is 'noisy' (a factor per round hits all cases alike)."""

    name = "toy"
    description = "toy suite"
    primary = Metric("seconds", "s")
    secondary = (Metric("accuracy", "%", higher_is_better=True),)
    targets = (Target("fast", 0.6), Target("slow", 1.5))

    def __init__(self, quick: bool = True) -> None:
        super().__init__(quick)
        self.calls: list[str] = []
        self.round_factor = 1.0
        self.cleaned = False

    def cleanup(self) -> None:
        self.cleaned = True

    def cases(self) -> list[Case]:
        return [
            Case("g1", "base", baseline=True),
            Case("g1", "fast"),
            Case("g1", "slow"),
            Case("g1", "absent"),
            Case("g1", "broken"),
            Case("g2", "base", baseline=True, params=(("batch_size", 1),)),
            Case("g2", "fast", params=(("batch_size", 1),)),
        ]

    def unavailable(self, case: Case) -> str | None:
        return "not installed here" if case.name == "absent" else None

    def measure(self, case: Case) -> dict[str, float]:
        self.calls.append(case.key)
        if case.name == "broken":
            raise RuntimeError("boom\nsecond line")
        base = {"base": 1.0, "fast": 0.5, "slow": 2.0}[case.name]
        return {"seconds": base * self.round_factor, "accuracy": 90.0}


def test_statistics():
    assert trimmed([1, 2, 3, 4, 5, 6, 7, 8, 9, 100], 0.1) == [2, 3, 4, 5, 6, 7, 8, 9]
    assert trimmed([1.0, 2.0], 0.5) == [1.0, 2.0]
    summary = summarize([3.0, 1.0, 2.0, float("nan")])
    assert (summary.count, summary.median, summary.minimum, summary.maximum) == (3, 2.0, 1.0, 3.0)
    assert summarize([]).count == 0
    assert paired_ratios([2.0, None, 3.0], [1.0, 1.0, 0.0]) == [2.0]


def test_rotation_gives_each_case_the_lead():
    assert [rotated([1, 2, 3], r)[0] for r in range(3)] == [1, 2, 3]


def test_runner_rounds_ratios_skips_and_failures():
    suite = ToySuite()
    result = BenchRunner(repeats=4, warmup=1, memory=False, report=lambda line: None).run(suite)
    cases = {c.case.key: c for c in result.cases}
    assert cases["g1 / absent"].status == SKIPPED and "not installed" in cases["g1 / absent"].reason
    assert cases["g1 / broken"].status == FAILED and cases["g1 / broken"].reason == "RuntimeError: boom"
    fast = cases["g1 / fast"]
    assert fast.status == OK
    assert len(fast.values["seconds"]) == 4
    assert fast.ratios["seconds"] == pytest.approx([0.5] * 4)
    assert cases["g2 / fast"].ratio("seconds").median == pytest.approx(0.5)
    assert cases["g1 / fast"].summaries["accuracy"].median == 90.0
    assert {(t.case, t.group, t.met) for t in result.targets} >= {("slow", "g1", False)}
    # warm-up round + 4 measured rounds, 5 measurable cases each (the broken one only once).
    assert suite.calls.count("g1 / base") == 5
    assert suite.calls.count("g1 / broken") == 1
    assert suite.cleaned


def test_cleanup_runs_when_prepare_fails():
    class Unprepared(ToySuite):
        def prepare(self) -> None:
            raise OSError("disk full")

    suite = Unprepared()
    result = BenchRunner(repeats=1, memory=False, report=lambda line: None).run(suite)
    assert result.status == FAILED and result.reason == "OSError: disk full"
    assert suite.cleaned


def test_paired_ratios_cancel_round_noise():
    """The machine is three times slower in round 2: absolute times spread, paired ratios do not."""
    suite = ToySuite()

    def noisy_machine(line: str) -> None:
        suite.round_factor = 3.0 if "round 2/" in line else 1.0

    result = BenchRunner(repeats=3, warmup=0, memory=False, report=noisy_machine).run(suite)
    slow = next(c for c in result.cases if c.case.key == "g1 / slow")
    assert slow.summaries["seconds"].maximum == pytest.approx(6.0)
    assert slow.ratios["seconds"] == pytest.approx([2.0] * 3)
    assert slow.ratio("seconds").median == pytest.approx(2.0)


def test_missing_dependency_skips_the_suite():
    class Missing(ToySuite):
        def missing(self) -> str | None:
            return "keras is not installed"

    result = BenchRunner(repeats=1, memory=False, report=lambda line: None).run(Missing())
    assert result.status == SKIPPED and result.reason == "keras is not installed"
    assert "skipped: keras is not installed" in format_bench(BenchResult("now", {}, {}, [result]))


def test_outputs_table_csv_json_plot(tmp_path):
    result = BenchRunner(repeats=2, warmup=0, memory=False, report=lambda line: None).run(ToySuite())
    bench = BenchResult("2026-01-01T00:00:00", {"repeats": 2, "warmup": 0, "quick": True}, {"cpus": 2}, [result])
    table = format_bench(bench)
    assert "baseline" in table and "goal slow / base" in table and "MISSED" in table
    write_results(bench, tmp_path, table)
    data = json.loads((tmp_path / "results.json").read_text())
    assert data["suites"][0]["cases"][1]["name"] == "fast"
    rows = list(csv.DictReader((tmp_path / "summary.csv").open()))
    assert {r["case"] for r in rows} >= {"base", "fast", "slow", "absent", "broken"}
    raw = list(csv.DictReader((tmp_path / "measurements.csv").open()))
    assert {r["round"] for r in raw} == {"1", "2"}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert plot_suite(result, tmp_path).exists()
    result.plot_x = "batch_size"
    assert plot_suite(result, tmp_path).stat().st_size > 0

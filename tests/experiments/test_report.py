"""`nnplug report`: comparison table of saved runs, redrawn plots, one-line errors."""
from __future__ import annotations

from nnplug.cli.errors import run_guarded
from nnplug.cli.main import cli
from nnplug.metric import MetricScale
from nnplug.report import mean_std


def report(args):
    return run_guarded(lambda: cli.main(["report", *args], prog_name="nnplug", standalone_mode=False), "nnplug", debug=False)


def test_report_compares_two_runs(train, tmp_path, capsys):
    first = train(["--nbr-epochs=3", "--training-times=2", "--exp-id=fast"]).run_dir
    second = train(["--nbr-epochs=2", "--exp-id=slow", "--learning-rate=0.01"]).run_dir
    capsys.readouterr()
    assert report([str(first), str(second), f"--compare-to={tmp_path / 'cmp'}"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["run", "experiment", "metric", "repeats", "final", "dev", "best", "dev", "epochs", "time/epoch", "status"]
    fast = next(line for line in lines if " fast " in line)
    slow = next(line for line in lines if " slow " in line)
    assert first.name in fast and " 2 " in fast and "100.00% ± 0.00" in fast and "finished" in fast
    assert second.name in slow and "± " not in slow
    assert (first / "curves.png").exists() and (second / "confusion-slow.png").exists()
    assert (tmp_path / "cmp" / "comparison-curves.png").exists()


def test_report_on_a_directory_that_is_not_a_run(tmp_path, capsys):
    assert report([str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"nnplug: error: {tmp_path} is not an nnplug run directory (no run.json)\n"


def test_report_on_a_missing_directory(tmp_path, capsys):
    assert report([str(tmp_path / "nope"), "--no-plots"]) == 2
    assert len(capsys.readouterr().err.splitlines()) == 1


def test_mean_and_sample_standard_deviation():
    assert mean_std([0.9, 1.0, 0.95]) == "95.00% ± 5.00"
    assert mean_std([0.5]) == "50.00%" and mean_std([]) == "n/a"


def test_unbounded_metrics_are_shown_as_numbers():
    r2 = MetricScale("R²", None, 1.0, "", True)
    assert mean_std([-0.5, 0.5], r2) == "0.0000 ± 0.7071" and mean_std([0.25], r2) == "0.2500"

"""Regression end to end with built-in plugins: Tabular, NLayers with a linear output, MeanSquaredError, R2.

A tiny table (y = 2·a − b + noise) is trained in-process through the same session as bin/train;
the run's files, report and plots must speak of R², and no confusion matrix may appear.
"""
from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from nnplug.cli.arguments import parse_command
from nnplug.cli.errors import run_guarded
from nnplug.cli.main import cli
from nnplug.plots import draw_curves
from nnplug.registry import Registry
from nnplug.runs import load_run
from nnplug.session import TrainingSession

pytest.importorskip("nnplug_tabular")

ROOT = Path(__file__).resolve().parents[2]

REGRESSION = ["--data-loader=Tabular", "--dataset=line", "--model=NLayers", "--output=linear", "--layers=", "--batch-norm=false", "--bias=true",
              "--loss=MeanSquaredError", "--metric=R2", "--learning-rate=0.05", "--nbr-epochs=40", "--early-stopping-patience=0"]


@pytest.fixture
def table(tmp_path: Path) -> Path:
    """``tmp_path/datasets/line/line.csv``: 120 rows, features a and b, target y = 2a − b + small noise."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "datasets" / "line"
    folder.mkdir(parents=True)
    with open(folder / "line.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b", "y"])
        for a, b in rng.normal(size=(120, 2)):
            writer.writerow([a, b, 2 * a - b + rng.normal(0, 0.1)])
    return tmp_path / "datasets"


def train(args: list[str], tmp_path: Path) -> TrainingSession:
    registry = Registry()
    command = parse_command([f"--runs-dir={tmp_path / 'runs'}", *args], registry)
    session = TrainingSession(registry, command, argv=list(args), show_progress=False, draw_plots=True)
    session.run()
    return session


def test_regression_learns_and_every_output_names_r2(table: Path, tmp_path: Path, capsys) -> None:
    session = train([*REGRESSION, f"--datasets-path={table}"], tmp_path)
    out = capsys.readouterr().out
    assert "training R² " in out and "dev R² " in out and "accuracy" not in out
    (result,) = session.results
    assert result.task == "regression" and result.scale.name == "R²" and not result.scale.percent
    (repeat,) = result.repeats
    assert repeat.final_dev_metric > 0.95 and repeat.test_metric > 0.95 and repeat.confusion_matrix is None
    run_dir = session.run_dir
    document = json.loads((run_dir / "run.json").read_text())
    assert document["experiments"][0]["metric"]["name"] == "R²" and document["experiments"][0]["task"] == "regression"
    assert "final_dev_metric" in document["experiments"][0]["repeats"][0] and "accuracy" not in json.dumps(document["experiments"][0]["repeats"])
    with open(run_dir / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["metric"] for row in rows} == {"R²"} and float(rows[-1]["dev_metric"]) > 0.9
    assert not list(run_dir.glob("confusion-*")) and (run_dir / "curves.png").exists()
    figure = Figure()
    draw_curves(figure, load_run(run_dir).experiments)
    metric_axes = figure.axes[1]
    assert metric_axes.get_ylabel() == "R²" and metric_axes.get_title() == "R² per epoch"
    capsys.readouterr()
    assert run_guarded(lambda: cli.main(["report", str(run_dir), "--no-plots"], prog_name="nnplug", standalone_mode=False), "nnplug", debug=False) == 0
    report = capsys.readouterr().out
    assert " R² " in report and "%" not in report.splitlines()[2]


def test_training_r2_is_the_r2_of_the_whole_epoch_not_a_mean_of_minibatches(table: Path, tmp_path: Path) -> None:
    session = train([*REGRESSION, f"--datasets-path={table}", "--nbr-epochs=1", "--max-minibatch-size=7"], tmp_path)
    (epoch,) = session.results[0].repeats[0].epochs
    assert -10 < epoch.training_metric < 1  # exact figure checked against scikit-learn in nnplug-metrics' tests


def bin_train(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / "bin" / "train"), f"--runs-dir={tmp_path / 'runs'}", *args], capture_output=True, text=True, cwd=tmp_path, timeout=300)


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--output=linear", "--loss=CrossEntropy"], ["CrossEntropy"]),  # the loss needs probabilities
        ([], ["--output=linear", "Tabular"]),  # a softmax cannot fit regression targets
    ],
    ids=["cross-entropy-on-linear-output", "softmax-output-on-regression"],
)
def test_a_model_output_that_cannot_work_is_one_line_and_no_run(table: Path, tmp_path: Path, args: list[str], said: list[str]) -> None:
    done = bin_train([f"--datasets-path={table}", "--dataset=line", "--data-loader=Tabular", "--model=NLayers", *args], tmp_path)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert all(text in done.stderr for text in said), done.stderr
    assert "Tabular line" not in done.stdout  # refused before the data was loaded
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())

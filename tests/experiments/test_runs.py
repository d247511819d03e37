"""Saved runs: configuration, per-epoch metrics, confusion matrices, atomic updates, Ctrl-C."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from nnplug.cli.arguments import parse_command
from nnplug.cli.errors import run_guarded
from nnplug import runs
from nnplug.runs import RunWriter, load_run
from nnplug.session import TrainingSession
from nnplug.trainer import TrainingObserver


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_run_directory_holds_configuration_metrics_and_plots(train, tmp_path):
    session = train(["--nbr-epochs=4", "--training-times=2", "--exp-id=a", "--experiment", "--exp-id=a", "--nbr-epochs=3"], plots=True)
    run_dir = session.run_dir
    assert run_dir.parent == tmp_path / "runs" and run_dir.name.endswith("-a+a_1")
    document = json.loads((run_dir / "run.json").read_text())
    assert document["status"] == "finished" and document["nnplug_version"]
    assert "git_commit" in document and document["command"][0] == "--nbr-epochs=4"
    first, second = document["experiments"]
    assert first["config"]["plugins"]["optimizer"] == {
        "name": "Adam", "distribution": "<in-process>", "version": "", "options": {"learning_rate": 0.5, "weight_decay": 0.0, "ascent": False},
    }
    assert first["config"]["options"]["training_times"] == 2 and second["exp_id"] == "a_1"
    assert [(r["model_seed"], r["dataset_seed"]) for r in first["repeats"]][0] == (0, 0)
    assert first["repeats"][1]["model_seed"] != 0
    metrics = rows(run_dir / "metrics.csv")
    assert len(metrics) == 4 * 2 + 3
    assert {m["exp_id"] for m in metrics} == {"a", "a_1"}
    assert float(metrics[-1]["dev_metric"]) == 1.0 and metrics[-1]["metric"] == "accuracy" and float(metrics[0]["rss_mb"]) > 0
    confusion = rows(run_dir / "confusion-a.csv")
    assert [c["true \\ predicted"] for c in confusion] == ["red", "green", "blue"]
    assert sum(int(c["red"]) + int(c["green"]) + int(c["blue"]) for c in confusion) == 2 * 9  # 15% of 60, two repeats
    for name in ("curves.png", "memory.png", "confusion-a.png", "confusion-a_1.png"):
        assert (run_dir / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(run_dir.glob(".*.tmp"))


def test_metrics_are_readable_by_pandas(train):
    pandas = pytest.importorskip("pandas")
    session = train(["--nbr-epochs=2", "--eval-dev=false"])
    frame = pandas.read_csv(session.run_dir / "metrics.csv")
    assert list(frame["epoch"]) == [1, 2] and frame["dev_metric"].isna().all()
    assert frame["training_cost"].dtype.kind == "f"


def test_saved_run_reads_back_as_results(train):
    session = train(["--nbr-epochs=3", "--training-times=2"])
    run = load_run(session.run_dir)
    (saved,) = run.experiments
    (trained,) = session.results
    assert saved.to_dict() == json.loads(json.dumps(trained.to_dict()))
    assert run.info["status"] == "finished"


def test_runs_saved_before_metrics_read_back_as_accuracies(tmp_path):
    epoch = {"epoch": 1, "training_cost": 1.0, "training_accuracy": 0.5, "dev_cost": 1.1, "dev_accuracy": 0.25,
             "duration": 0.1, "rss_mb": 10.0, "learning_rate": 0.1}
    repeat = {"repeat": 0, "model_seed": 0, "dataset_seed": 0, "epochs": [epoch], "final_dev_accuracy": 0.75, "test_accuracy": 0.5}
    document = {"format": "nnplug-run", "status": "finished", "experiments": [{"exp_id": "old", "config": {}, "repeats": [repeat]}]}
    (tmp_path / "run.json").write_text(json.dumps(document))
    (saved,) = load_run(tmp_path).experiments
    assert saved.scale.name == "accuracy" and saved.scale.percent and saved.task == "classification"
    assert saved.repeats[0].final_dev_metric == 0.75 and saved.repeats[0].test_metric == 0.5
    assert (saved.repeats[0].epochs[0].training_metric, saved.repeats[0].epochs[0].dev_metric) == (0.5, 0.25)


def test_files_are_updated_after_every_epoch_when_rewrites_may_follow_each_other(train, tmp_path, monkeypatch):
    monkeypatch.setattr(runs, "WRITE_INTERVAL", 0.0)
    monkeypatch.setattr(runs, "WRITE_SPACING", 0.0)
    seen = []

    class Reader(TrainingObserver):
        def epoch_finished(self, context, metrics):
            (run_dir,) = (tmp_path / "runs").iterdir()
            document = json.loads((run_dir / "run.json").read_text())
            seen.append((len(rows(run_dir / "metrics.csv")), len(document["experiments"][0]["repeats"][0]["epochs"])))

    train(["--nbr-epochs=3"], [Reader()])
    assert seen == [(1, 1), (2, 2), (3, 3)]


def test_rewrites_are_spaced_out_and_the_end_of_every_repeat_is_written(train, tmp_path, monkeypatch):
    """Fast epochs do not rewrite run.json each time (a study's writes would grow with the square of its epochs)."""
    monkeypatch.setattr(runs, "WRITE_INTERVAL", 3600.0)
    writes = []
    original = RunWriter.write
    monkeypatch.setattr(RunWriter, "write", lambda self: (writes.append(self.status), original(self))[1])
    seen = []

    class Reader(TrainingObserver):
        def repeat_finished(self, context):
            (run_dir,) = (tmp_path / "runs").iterdir()
            document = json.loads((run_dir / "run.json").read_text())
            seen.append([len(r["epochs"]) for r in document["experiments"][0]["repeats"]])

    train(["--nbr-epochs=6", "--training-times=2"], [Reader()])
    assert len(writes) < 12  # no rewrite per epoch: the first write, the experiment, the two repeats' ends, the end
    assert seen == [[6], [6, 6]]  # observers after the writer see each repeat's end on disk
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert len(rows(run_dir / "metrics.csv")) == 12 and json.loads((run_dir / "run.json").read_text())["status"] == "finished"


def test_a_postponed_rewrite_is_written_once_due(tmp_path, monkeypatch):
    monkeypatch.setattr(runs, "WRITE_INTERVAL", 3600.0)
    writer = RunWriter(tmp_path, ["train"])
    writer.write_soon()
    assert writer.pending  # the first write was just made: this one waits
    writer.tick()
    assert writer.pending
    writer._next_write = 0.0  # its time has come: the next tick (an executor waiting) or minibatch writes it
    writer.tick()
    assert not writer.pending


def test_ctrl_c_keeps_the_finished_epochs_and_says_where_the_run_is(registry, tmp_path, capsys):
    class CtrlC(TrainingObserver):
        def epoch_finished(self, context, metrics):
            if metrics.epoch == 3:
                raise KeyboardInterrupt

    command = parse_command([f"--runs-dir={tmp_path}", "--nbr-epochs=10", "--track-layer=L0_Dense_W,2"], registry)
    session = TrainingSession(registry, command, argv=[], show_progress=False)
    base = session.observers
    session.observers = lambda: base() + [CtrlC()]
    status = run_guarded(session.run, "train", debug=False)
    assert status == 130
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("train: interrupted: run saved in ") and str(session.run_dir) in line
    assert "epoch 3" in line
    run = load_run(session.run_dir)
    assert run.info["status"] == "interrupted"
    assert [m.epoch for m in run.experiments[0].repeats[0].epochs] == [1, 2, 3]
    assert run.experiments[0].repeats[0].interrupted
    assert len(rows(session.run_dir / "metrics.csv")) == 3
    assert (session.run_dir / "curves.png").exists() and (session.run_dir / "tracked-exp1-L0_Dense_W.png").exists()


def test_unwritable_runs_directory_is_one_line(registry, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    command = parse_command([f"--runs-dir={blocker / 'runs'}", "--nbr-epochs=1"], registry)
    status = run_guarded(TrainingSession(registry, command, show_progress=False).run, "train", debug=False)
    assert status == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"train: error: cannot write the runs directory {blocker / 'runs'}")


def test_training_times_zero_is_one_line(registry, capsys):
    status = run_guarded(lambda: parse_command(["--training-times=0"], registry), "train", debug=False)
    assert status == 2
    assert capsys.readouterr().err == "train: error: --training-times must be a positive integer, got 0\n"


def test_two_runs_in_the_same_second_get_distinct_directories(tmp_path):
    import datetime

    from nnplug.runs import create_run_directory

    now = datetime.datetime(2026, 1, 2, 3, 4, 5)
    first = create_run_directory(tmp_path, ["a b", "c/d"], now)
    second = create_run_directory(tmp_path, ["a b", "c/d"], now)
    assert first.name == "20260102-030405-a_b+c_d" and second.name == "20260102-030405-a_b+c_d-2"


def test_minibatches_are_dumped_in_the_run_for_the_experiments_asking(train):
    session = train(["--nbr-epochs=1", "--exp-id=dumped", "--dump-minibatches", "--experiment", "--exp-id=quiet", "--nbr-epochs=1"])
    folders = {p.name for p in (session.run_dir / "minibatches").iterdir()}
    assert folders == {"dumped"}
    assert len(list((session.run_dir / "minibatches" / "dumped" / "1").rglob("*.png"))) == 42  # 70% of 60 samples


def test_best_on_dev_checkpoints_are_kept_in_the_run(train):
    session = train(["--nbr-epochs=2", "--training-times=2"])
    names = sorted(p.name for p in (session.run_dir / "checkpoints").iterdir())
    assert names == ["exp1-repeat0-best.safetensors", "exp1-repeat1-best.safetensors"]


def test_best_on_dev_writes_are_spaced_and_the_best_is_on_disk_when_the_repeat_ends(train, monkeypatch):
    from nnplug.checkpoints import saver
    from nnplug.checkpoints.format import read_checkpoint_config

    writes = []
    real = saver.save_checkpoint
    monkeypatch.setattr(saver, "save_checkpoint", lambda path, *args, **kwargs: writes.append(path.name) or real(path, *args, **kwargs))
    monkeypatch.setattr(saver, "WRITE_INTERVAL", 3600.0)  # nothing is due again once a repeat's first best is written
    session = train(["--nbr-epochs=6", "--training-times=2", "--learning-rate=0.1"])
    repeats = session.results[0].repeats
    for repeat in repeats:  # the dev cost kept improving: each improvement would have been a write
        costs = [e.dev_cost for e in repeat.epochs]
        assert sum(later < min(costs[:i]) for i, later in enumerate(costs) if i) >= 3
    assert sorted(writes) == ["exp1-repeat0-best.safetensors"] * 2 + ["exp1-repeat1-best.safetensors"] * 2  # the first best, then the end
    for repeat in repeats:
        config = read_checkpoint_config(session.run_dir / "checkpoints" / f"exp1-repeat{repeat.repeat}-best.safetensors")
        assert config["dev_cost"] == min([e.dev_cost for e in repeat.epochs] + [repeat.final_dev_cost])

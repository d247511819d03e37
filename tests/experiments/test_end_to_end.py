"""bin/train on datasets/colors with the numpy engine: a saved run, Ctrl-C, nnplug report."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRAIN = ROOT / "bin" / "train"
NNPLUG = [sys.executable, "-c", "from nnplug.cli.main import main; main()"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (ROOT / "datasets" / "colors").is_dir(), reason="datasets/colors is not generated"),
]


def test_train_repeats_on_colors_then_report(tmp_path):
    args = [str(TRAIN), f"--runs-dir={tmp_path}", "--exp-id=b", "--optimizer=Constant", "--nbr-epochs=3",
            "--training-times=2", "--gradient-checks=off", "--track-layer=L0_Dense_W,3", "--display-samples=6"]
    done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    (run_dir,) = tmp_path.iterdir()
    document = json.loads((run_dir / "run.json").read_text())
    (experiment,) = document["experiments"]
    assert experiment["config"]["plugins"]["model"]["distribution"] == "nnplug-numpy"
    assert [len(r["epochs"]) for r in experiment["repeats"]] == [3, 3]
    for name in ("curves.png", "memory.png", "confusion-b.png", "samples-b.png", "tracked-b-L0_Dense_W.png", "metrics.csv"):
        assert (run_dir / name).exists(), name
    report = subprocess.run([*NNPLUG, "report", str(run_dir), str(run_dir), "--no-plots"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    rows = [line for line in report.stdout.splitlines() if line.startswith(run_dir.name)]
    assert len(rows) == 2 and " b " in rows[0] and " 2 " in rows[0]


def test_ctrl_c_leaves_a_readable_run(tmp_path):
    args = [str(TRAIN), f"--runs-dir={tmp_path}", "--exp-id=long", "--nbr-epochs=500", "--gradient-checks=off"]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        for line in process.stdout:
            if line.startswith("[Epoch 2]"):
                break
        os.killpg(process.pid, signal.SIGINT)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    (line,) = err.splitlines()
    (run_dir,) = tmp_path.iterdir()
    assert line.startswith("train: interrupted: run saved in ") and str(run_dir) in line
    document = json.loads((run_dir / "run.json").read_text())
    assert document["status"] == "interrupted"
    epochs = document["experiments"][0]["repeats"][0]["epochs"]
    assert len(epochs) >= 2
    report = subprocess.run([*NNPLUG, "report", str(run_dir), "--no-plots"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert report.returncode == 0 and "interrupted" in report.stdout

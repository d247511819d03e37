"""bin/train --executor=processes stopped by a signal: finished epochs kept, run marked, no worker left."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import psutil
import pytest

from nnplug.testing.image_dataset import make_image_dataset

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_to_the_driver_stops_every_trial_and_keeps_the_run(tmp_path, signum, status):
    make_image_dataset(tmp_path / "data", per_class=12)
    runs = tmp_path / "runs"
    command = [sys.executable, "-c", "from nnplug.cli.train import main; main()", f"--runs-dir={runs}", f"--datasets-path={tmp_path / 'data'}", "--dataset=tiny",
               "--resize=8,8", "--model=NLayers", "--layers=400,400", "--nbr-epochs=100000", "--gradient-checks=off",
               "--executor=processes", "--jobs=2", "--training-times=3"]
    driver = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        for line in driver.stdout:  # wait until trials report epochs
            if line.startswith("[Epoch 2]") or time.monotonic() > deadline:
                break
        workers = psutil.Process(driver.pid).children(recursive=True)
        assert len(workers) == 2
        driver.send_signal(signum)
        _, err = driver.communicate(timeout=60)
    finally:
        if driver.poll() is None:
            driver.kill()
    assert driver.returncode == status, err
    assert not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)
    (run_dir,) = runs.iterdir()
    document = json.loads((run_dir / "run.json").read_text())
    assert document["status"] == "interrupted"
    repeats = document["experiments"][0]["repeats"]
    assert any(len(r["epochs"]) >= 2 for r in repeats)
    assert all(r["interrupted"] for r in repeats if not r.get("error"))

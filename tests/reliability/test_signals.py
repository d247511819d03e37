"""Ctrl-C and SIGTERM: one line naming the run and the last epoch, 130/143, status interrupted, plots drawn."""
from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from nnplug.files import TEMPORARY_MARK, remove_stale_temporaries, write_text
from tests.reliability.conftest import INFER, TRAIN, error_lines, hidden_leftovers, interrupt


def _first_epoch_saved(runs: Path):
    def ready() -> bool:
        return any("\n" in (p.read_text() if p.exists() else "").strip() for p in runs.glob("*/metrics.csv"))

    return ready


@pytest.mark.parametrize(("signals", "status"), [([signal.SIGTERM], 143), ([signal.SIGINT, signal.SIGINT, signal.SIGINT], 130)], ids=["sigterm", "ctrl-c-three-times"])
def test_signal_mid_training_saves_the_run_interrupted_with_plots(tmp_path: Path, signals: list[int], status: int) -> None:
    runs = tmp_path / "runs"
    result = interrupt([*TRAIN, f"--runs-dir={runs}", "--nbr-epochs=100000"], tmp_path, _first_epoch_saved(runs), signals)
    assert result.returncode == status, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1, result.stderr
    (run,) = runs.iterdir()
    assert str(run) in lines[0] and "epoch" in lines[0], lines
    assert json.loads((run / "run.json").read_text())["status"] == "interrupted"
    assert (run / "curves.png").is_file(), (lines, sorted(p.name for p in run.iterdir()))
    assert hidden_leftovers(tmp_path) == []


def test_signal_right_after_the_run_directory_appears(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    result = interrupt([*TRAIN, f"--runs-dir={runs}", "--nbr-epochs=100000"], tmp_path, lambda: any(runs.glob("*/run.json")), [signal.SIGINT, signal.SIGINT])
    assert result.returncode == 130, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("train: interrupted"), result.stderr
    for run in runs.iterdir():  # a run kept says so; none may be left "running"
        assert str(run) in lines[0]
        assert json.loads((run / "run.json").read_text())["status"] == "interrupted"
    assert hidden_leftovers(tmp_path) == []


def test_sigterm_while_starting_is_one_line(tmp_path: Path) -> None:
    started = time.monotonic()
    result = interrupt([*TRAIN, f"--runs-dir={tmp_path / 'runs'}"], tmp_path, lambda: time.monotonic() - started > 0.3, [signal.SIGTERM])  # Python is importing
    assert result.returncode == 143, result.stderr
    assert len(error_lines(result.stderr)) == 1 and "Traceback" not in result.stderr


def test_infer_interrupted_leaves_nothing(tmp_path: Path) -> None:
    output = tmp_path / "out"
    result = interrupt([*INFER, f"--output-dir={output}"], tmp_path, lambda: output.exists(), [signal.SIGTERM])
    assert result.returncode in (143, 0), result.stderr  # 0: it finished before the signal
    if result.returncode == 143:
        assert error_lines(result.stderr) == ["infer: terminated (SIGTERM)"]
        assert not output.exists() or list(output.iterdir()) == []
    assert hidden_leftovers(tmp_path) == []


def test_temporary_files_of_killed_writers_are_removed_at_the_next_write(tmp_path: Path) -> None:
    dead = 2**22 + 12345  # above the usual pid_max: no such process
    stale = tmp_path / f".run.json.{dead}{TEMPORARY_MARK}abc.tmp"
    alive = tmp_path / f".run.json.{os.getpid()}{TEMPORARY_MARK}abc.tmp"
    stale.write_text("half")
    alive.write_text("being written")
    write_text(tmp_path / "run.json", "{}")
    assert not stale.exists() and alive.exists()
    staging = tmp_path / f".staging.{dead}{TEMPORARY_MARK}xyz.tmp"
    (staging / "a").mkdir(parents=True)
    assert staging in remove_stale_temporaries(tmp_path)
    assert not staging.exists()

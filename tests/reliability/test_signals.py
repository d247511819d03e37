"""Ctrl-C and SIGTERM: one line naming the run and the last epoch, 130/143, status interrupted, plots drawn."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
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


def _python(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run a Python script in a process of its own (signal handlers need its main thread)."""
    return subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_a_signal_swallowed_by_a_library_callback_is_raised_again_after_it(tmp_path: Path) -> None:
    # pyvips' log handler is a cffi callback: a KeyboardInterrupt raised inside it is "unraisable"
    script = """
import os, signal, time, cffi
from nnplug import interrupts

def in_callback(x):
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.05)  # the handler runs here, inside the callback
    return x

callback = cffi.FFI().callback("int(int)", in_callback)
with interrupts.handle_signals():
    try:
        callback(1)
        for _ in range(10000):  # raised within milliseconds; up to 10 s on a busy machine
            time.sleep(0.001)
        print("not interrupted")
    except KeyboardInterrupt:
        print("interrupted after the callback", interrupts.received() == signal.SIGTERM)
"""
    result = _python(script, tmp_path)
    assert result.stdout.strip() == "interrupted after the callback True", (result.stdout, result.stderr)
    assert result.stderr == ""  # no "Exception ignored from cffi callback" traceback


def test_a_signal_while_the_interpreter_exits_keeps_the_commands_status(tmp_path: Path) -> None:
    # the work is done; a handler registered later (a library's) runs at exit when the signal comes
    script = """
import atexit, os, signal, time
from nnplug import interrupts

def late():
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.5)
    print("not ended by the signal")

atexit.register(late)
signal.signal(signal.SIGTERM, lambda *a: print("start-up handler"))  # what bin/train installs while importing
print("done", flush=True)
interrupts.finish(3)
"""
    result = _python(script, tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (3, "done\n", "")


def test_write_atomically_interrupted_right_after_creating_the_file_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    real_open = os.open

    def open_then_interrupted(*args, **kwargs):
        real_open(*args, **kwargs)
        raise KeyboardInterrupt  # a signal handled between creating the file and getting its name back

    monkeypatch.setattr(os, "open", open_then_interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_text(tmp_path / "run.json", "{}")
    assert list(tmp_path.iterdir()) == []


def test_infer_staging_interrupted_right_after_creating_its_folder_leaves_nothing(tmp_path: Path, monkeypatch) -> None:
    from nnplug_onnxruntime.staging import StagedOutputs

    real_mkdir = Path.mkdir

    def mkdir_then_interrupted(self, *args, **kwargs):
        real_mkdir(self, *args, **kwargs)
        if self.name.startswith(".staging."):
            raise KeyboardInterrupt

    monkeypatch.setattr(Path, "mkdir", mkdir_then_interrupted)
    with pytest.raises(KeyboardInterrupt), StagedOutputs(tmp_path / "out"):
        pass
    assert list(tmp_path.iterdir()) == []


def test_cooperative_blocks_raise_only_where_the_code_checks(tmp_path: Path) -> None:
    script = """
import os, signal
from nnplug import interrupts

def signalled():
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(10000):  # the handler has run by now
        pass

steps = []
with interrupts.handle_signals():
    try:
        with interrupts.cooperative():
            signalled()
            steps.append("went on")
            interrupts.check()
            steps.append("not stopped")
    except KeyboardInterrupt:
        steps.append("stopped at the check")
    try:
        with interrupts.cooperative():
            signalled()
    except KeyboardInterrupt:
        steps.append("raised again?")
signal.signal(signal.SIGTERM, signal.SIG_DFL)  # (after a signal, handle_signals leaves it ignored: the process is ending)
with interrupts.handle_signals():
    try:
        with interrupts.cooperative():
            signalled()
            steps.append("went on")
    except KeyboardInterrupt:
        steps.append("stopped at the end of the block")
print(steps)
"""
    result = _python(script, tmp_path)
    assert result.stdout.strip() == str(["went on", "stopped at the check", "went on", "stopped at the end of the block"]), (result.stdout, result.stderr)


def test_a_signal_after_the_command_is_done_is_not_a_traceback(tmp_path: Path) -> None:
    # the last instants of run_guarded: past every except that could catch a KeyboardInterrupt
    script = """
import os, signal
from nnplug import interrupts
from nnplug.cli.errors import run_guarded

real = interrupts.disarm

def disarm_then_signalled():
    real()
    os.kill(os.getpid(), signal.SIGTERM)
    for _ in range(10000):  # the handler has run by now
        pass

interrupts.disarm = disarm_then_signalled
print(run_guarded(lambda: 0, "train", False))
"""
    result = _python(script, tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "0\n", ""), result

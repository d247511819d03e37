"""Output paths are probed before any work; a full disk mid-run is one line and a run marked failed."""
from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

import nnplug.files
from nnplug.cli.arguments import parse_command
from nnplug.cli.errors import run_guarded
from nnplug.files import check_writable
from nnplug.session import TrainingSession
from tests.reliability.conftest import NNPLUG, TRAIN, error_lines, hidden_leftovers, run_command


@pytest.mark.parametrize("option", ["--save-model={blocker}/m.safetensors", "--runs-dir={blocker}/runs"])
def test_output_under_a_regular_file_is_refused_before_training(tmp_path: Path, option: str) -> None:
    blocker = tmp_path / "some_file"
    blocker.write_text("not a folder")
    result = run_command([*TRAIN, "--nbr-epochs=100000", f"--runs-dir={tmp_path / 'runs'}", option.format(blocker=blocker)], tmp_path, timeout=60)
    assert result.returncode == 2, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and "a parent is not a folder" in lines[0], result.stderr
    assert not any((tmp_path / "runs").glob("*")), "no run may start"


def test_export_output_under_a_regular_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "some_file").write_text("")
    result = run_command([*NNPLUG, "export", "--checkpoint=missing.safetensors", f"--output={tmp_path / 'some_file' / 'x.onnx'}"], tmp_path, timeout=60)
    assert result.returncode == 2 and len(error_lines(result.stderr)) == 1, result.stderr


def test_the_probe_writes_real_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 0-byte probe passes on a full disk: the probe must write something."""
    written = []
    real_fdopen = nnplug.files.os.fdopen

    def recording_fdopen(fd, mode="r", *args, **kwargs):
        handle = real_fdopen(fd, mode, *args, **kwargs)
        write = handle.write
        handle.write = lambda data: written.append(len(data)) or write(data)
        return handle

    monkeypatch.setattr(nnplug.files.os, "fdopen", recording_fdopen)
    check_writable(tmp_path / "new" / "folder")
    assert sum(written) > 0
    assert list((tmp_path / "new" / "folder").iterdir()) == []


def test_full_disk_mid_run_is_one_line_and_the_run_is_failed(tmp_path: Path, toy_registry, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """The disk fills up at the 5th epoch: what was written stays, run.json says failed and why."""
    import nnplug.runs

    real = nnplug.runs.write_text
    calls = {"metrics": 0}

    def filling_disk(path: Path, text: str) -> None:
        if path.name == "metrics.csv" and text.count("\n") > 5 and not getattr(filling_disk, "released", False):
            raise OSError(errno.ENOSPC, "No space left on device", str(path))  # as write_atomically names it
        real(path, text)

    monkeypatch.setattr(nnplug.runs, "write_text", filling_disk)
    real_finish = nnplug.runs.RunWriter.finish

    def finish(self, status, error=None):  # the reserve freed: the final save fits
        filling_disk.released = True
        real_finish(self, status, error)

    monkeypatch.setattr(nnplug.runs.RunWriter, "finish", finish)
    command = parse_command([f"--runs-dir={tmp_path / 'runs'}", "--nbr-epochs=50"], toy_registry)
    status = run_guarded(TrainingSession(toy_registry, command, show_progress=False, draw_plots=False).run, "train", debug=False)
    err = capsys.readouterr().err
    assert status == 2
    lines = error_lines(err)
    assert len(lines) == 1 and "no space left on device writing" in lines[0] and "Traceback" not in err, err
    (run,) = (tmp_path / "runs").iterdir()
    saved = json.loads((run / "run.json").read_text())
    assert saved["status"] == "failed" and saved["error"].startswith("no space left on device")
    assert hidden_leftovers(tmp_path) == []


def test_unwritable_cache_folder_is_one_warning_before_decoding(tmp_path: Path, caplog) -> None:
    from nnplug.datasets.disk_cache import DiskCache

    (tmp_path / "some_file").write_text("")
    cache = DiskCache(tmp_path / "some_file" / "cache", 10**6)
    assert cache.writable is False
    assert [r.levelname for r in caplog.records] == ["WARNING"] and "not writable" in caplog.records[0].getMessage()

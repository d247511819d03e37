"""Bad input through ``bin/train``: one line on stderr, exit status 2, no traceback."""
from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from nnplug.cli.errors import run_guarded
from nnplug.cli.train import run_train

from .conftest import write_image

REPO = Path(__file__).resolve().parents[2]


def train(capsys, *args: str) -> tuple[int, str]:
    """Run ``bin/train`` in-process (same code path as the executable); return status and stderr."""
    status = run_guarded(lambda: run_train(["--nbr-epochs=1", "--gradient-checks=off", *args]), "train", False)
    return status, capsys.readouterr().err


def expect_one_line(capsys, message: str, *args: str) -> None:
    status, err = train(capsys, *args)
    assert status == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert message in err, err


def test_missing_dataset_directory(capsys, tiny_datasets: Path) -> None:
    expect_one_line(capsys, "does not exist (datasets in", f"--datasets-path={tiny_datasets}", "--dataset=nope")


def test_empty_dataset_directory(capsys, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    expect_one_line(capsys, "is empty: expected one folder of images per class", f"--datasets-path={tmp_path}", "--dataset=empty")


def test_class_folder_without_images(capsys, tiny_datasets: Path) -> None:
    (tiny_datasets / "tiny" / "yellow").mkdir()
    expect_one_line(capsys, "yellow has no images", f"--datasets-path={tiny_datasets}", "--dataset=tiny")


def test_class_folder_of_unreadable_files(capsys, caplog, tiny_datasets: Path) -> None:
    junk = tiny_datasets / "tiny" / "junk"
    junk.mkdir()
    (junk / "a.png").write_text("text")
    expect_one_line(capsys, "junk has no readable images", f"--datasets-path={tiny_datasets}", "--dataset=tiny")
    assert any("skipping" in r.getMessage() and "a.png" in r.getMessage() for r in caplog.records)  # warned first


def test_unreadable_video(capsys, tiny_datasets: Path) -> None:
    (tiny_datasets / "tiny" / "red" / "clip.mp4").write_bytes(b"not a video at all")
    expect_one_line(capsys, "cannot read video", f"--datasets-path={tiny_datasets}", "--dataset=tiny")


@pytest.mark.parametrize("value", ["0,10", "10,-1", "10", "a,b", "10,10,10"])
def test_bad_resize(capsys, tiny_datasets: Path, value: str) -> None:
    expect_one_line(capsys, "resize", f"--datasets-path={tiny_datasets}", "--dataset=tiny", f"--resize={value}")


@pytest.mark.parametrize(
    "value, message",
    [
        ('{"training":0.8,"dev":0.3}', "must sum to 1"),
        ('{"training":1.1,"dev":-0.1}', "must be a positive number"),
        ('{"training":0.5,"dev":0.5,"test":0}', "must be a positive number"),
    ],
)
def test_bad_partitions(capsys, tiny_datasets: Path, value: str, message: str) -> None:
    expect_one_line(capsys, message, f"--datasets-path={tiny_datasets}", "--dataset=tiny", f"--partitions={value}")


def test_filter_dataset_out_of_range(capsys, tiny_datasets: Path) -> None:
    expect_one_line(capsys, "index 30 is out of range", f"--datasets-path={tiny_datasets}", "--dataset=tiny", "--filter-dataset=1,25-30")


@pytest.mark.slow
def test_bin_train_exits_2_on_bad_input(tmp_path: Path) -> None:
    write_image(tmp_path / "d" / "a" / "0.png", np.zeros((4, 4, 3), dtype=np.uint8))
    run = subprocess.run(
        [str(REPO / "bin" / "train"), f"--datasets-path={tmp_path}", "--dataset=d", "--resize=0,4"],
        capture_output=True, text=True, cwd=REPO,
    )
    assert run.returncode == 2 and run.stderr.count("\n") == 1 and "--resize" in run.stderr, run.stderr


def test_cache_max_size_that_is_not_a_size(capsys, tiny_datasets: Path) -> None:
    expect_one_line(capsys, "--cache-max-size expects a size such as 2GB", f"--datasets-path={tiny_datasets}", "--dataset=tiny", "--cache-max-size=lots")

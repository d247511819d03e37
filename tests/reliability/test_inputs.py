"""Inputs too big or not files (issue 16, defects 5-7): skipped with a warning or refused in one line."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.reliability.conftest import INFER, TRAIN, error_lines, run_command

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def huge_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small file (about 40 kB) claiming 8000x8000 pixels: above a limit of 10 megapixels."""
    pyvips = pytest.importorskip("pyvips")
    path = tmp_path_factory.mktemp("huge") / "huge.png"
    pyvips.Image.black(8000, 8000).cast("uchar").pngsave(str(path), compression=9)
    return path


@pytest.mark.parametrize("backend", ["Vips", "ImageMagick"])
def test_infer_skips_an_image_above_the_pixel_limit(tmp_path: Path, huge_png: Path, backend: str) -> None:
    small = ROOT / "datasets" / "colors" / "red" / "red_000.png"
    result = run_command([*INFER, f"--image-backend={backend}", f"--output-dir={tmp_path / 'out'}", str(huge_png), str(small)], tmp_path, NNPLUG_MAX_IMAGE_PIXELS="10000000")
    assert result.returncode == 0, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and lines[0].startswith("WARNING: skipped") and "huge.png" in lines[0], result.stderr
    if backend == "Vips":  # ImageMagick's own resource policy may refuse it first, in its words
        assert "huge.png is 8000x8000 pixels, more than the limit" in lines[0]
    assert (tmp_path / "out" / "red_000_mask.png").is_file()


def test_training_skips_an_image_above_the_pixel_limit(tmp_path: Path, huge_png: Path) -> None:
    dataset = tmp_path / "data" / "set"
    for label, source in (("a", "red"), ("b", "blue")):
        (dataset / label).mkdir(parents=True)
        for index in range(4):
            name = f"{source}_00{index}.png"
            (dataset / label / name).write_bytes((ROOT / "datasets" / "colors" / source / name).read_bytes())
    (dataset / "a" / "huge.png").write_bytes(huge_png.read_bytes())
    args = [*TRAIN[:1], f"--datasets-path={tmp_path / 'data'}", "--dataset=set", "--resize=4,4", "--cache=false", "--nbr-epochs=1", f"--runs-dir={tmp_path / 'runs'}"]
    result = run_command(args, tmp_path, NNPLUG_MAX_IMAGE_PIXELS="10000000")
    assert result.returncode == 0, result.stderr
    assert "more than the limit" in result.stderr and "8 samples" in result.stdout, result.stdout + result.stderr


def test_resize_above_the_pixel_limit_is_one_line(tmp_path: Path) -> None:
    result = run_command([*TRAIN, "--resize=100000,100000", "--nbr-epochs=1", f"--runs-dir={tmp_path / 'runs'}"], tmp_path)
    assert result.returncode == 2 and len(error_lines(result.stderr)) == 1 and "pixel limit" in result.stderr, result.stderr


def test_infer_refuses_a_named_pipe(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.png"
    os.mkfifo(pipe)
    result = run_command([*INFER, f"--output-dir={tmp_path / 'out'}", str(pipe)], tmp_path, timeout=60)
    assert result.returncode == 2 and error_lines(result.stderr) == [f"infer: error: input {pipe} is not a regular file or a folder"], result.stderr

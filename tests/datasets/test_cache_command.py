"""``nnplug cache``: shows the disk cache's entries and clears them."""
from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from nnplug.cli.main import cli
from nnplug_vips.loaders import Vips


def test_show_then_clear(tiny_datasets: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    runner = CliRunner()
    empty = runner.invoke(cli, ["cache", "--cache-dir", str(cache_dir)])
    assert empty.exit_code == 0 and f"Sample cache: {cache_dir}" in empty.output and "0 entries" in empty.output
    Vips(dataset="tiny", datasets_path=tiny_datasets, resize=(8, 6), grayscale=True, cache_dir=cache_dir).load(0)
    shown = runner.invoke(cli, ["cache", "show", "--cache-dir", str(cache_dir)])
    assert shown.exit_code == 0, shown.output
    assert "1 entry" in shown.output and str(tiny_datasets / "tiny") in shown.output
    assert "30 samples" in shown.output and "grayscale=True" in shown.output and "libvips" in shown.output
    cleared = runner.invoke(cli, ["cache", "clear", "--cache-dir", str(cache_dir)])
    assert cleared.exit_code == 0 and "Removed 1 entry" in cleared.output
    assert "0 entries" in runner.invoke(cli, ["cache", "--cache-dir", str(cache_dir)]).output


def test_the_default_folder_is_the_sessions_xdg_cache(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    result = CliRunner().invoke(cli, ["cache"])
    assert result.exit_code == 0 and f"Sample cache: {tmp_path / 'nnplug'}" in result.output

"""The disk cache of preprocessed samples: a second run decodes nothing; changes, damage and limits are handled."""
from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.datasets.disk_cache import SUFFIX, DiskCache, default_folder, parse_size
from nnplug_magick.loaders import ImageMagick
from nnplug_vips.loaders import Vips
from nnplug_vips.transforms import VipsTransforms

from .conftest import square_on_background, write_image


def loader(datasets: Path, cache_dir: Path, cls=Vips, **options):
    made = cls(dataset="tiny", datasets_path=datasets, resize=(8, 6), cache_dir=cache_dir, **options)
    made.load(0)
    return made


def entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob(f"*{SUFFIX}"))


@pytest.mark.parametrize("cls", [Vips, ImageMagick])
def test_a_second_run_decodes_nothing_and_gives_the_same_samples(cls, tiny_datasets: Path, tmp_path: Path) -> None:
    first = loader(tiny_datasets, tmp_path / "cache", cls, trim=True, grayscale=True)
    assert first.cache.decoded == 30 and len(entries(tmp_path / "cache")) == 1
    second = loader(tiny_datasets, tmp_path / "cache", cls, trim=True, grayscale=True)
    assert second.cache.decoded == 0
    uncached = loader(tiny_datasets, tmp_path / "unused", cls, trim=True, grayscale=True, cache=False)
    assert np.array_equal(second.cache.pixels, uncached.cache.pixels)
    assert np.array_equal(first.cache.pixels, uncached.cache.pixels)
    assert not (tmp_path / "unused").exists()


def test_a_changed_file_alone_is_decoded_again(tiny_datasets: Path, tmp_path: Path) -> None:
    before = loader(tiny_datasets, tmp_path / "cache")
    changed = tiny_datasets / "tiny" / "blue" / "03.png"
    write_image(changed, square_on_background(31, 17, (255, 255, 255)))
    after = loader(tiny_datasets, tmp_path / "cache")
    assert after.cache.decoded == 1
    position = [s.path for s in after.sources].index(changed)
    assert after.cache.pixels[position].max() == pytest.approx(1.0, abs=0.01)  # white now
    assert not np.array_equal(after.cache.pixels[position], before.cache.pixels[position])
    assert loader(tiny_datasets, tmp_path / "cache").cache.decoded == 0


def test_options_and_library_versions_are_in_the_key(tiny_datasets: Path, tmp_path: Path, monkeypatch) -> None:
    loader(tiny_datasets, tmp_path / "cache")
    assert loader(tiny_datasets, tmp_path / "cache", minmax_normalize=True).cache.decoded == 30
    assert loader(tiny_datasets, tmp_path / "cache", cls=ImageMagick).cache.decoded == 30
    monkeypatch.setattr(VipsTransforms, "version", lambda self: "libvips 99.0.0")
    assert loader(tiny_datasets, tmp_path / "cache").cache.decoded == 30
    assert len(entries(tmp_path / "cache")) == 4
    # Augmentation and partitions are not part of the key: they run after the cache.
    assert loader(tiny_datasets, tmp_path / "cache", rot_angle=20.0, nbr_clones=2).cache.decoded == 0


@pytest.mark.parametrize("damage", ["truncated", "flipped", "garbage"])
def test_a_damaged_entry_is_a_warning_and_a_rebuild(damage: str, tiny_datasets: Path, tmp_path: Path, caplog) -> None:
    good = loader(tiny_datasets, tmp_path / "cache").cache.pixels
    (entry,) = entries(tmp_path / "cache")
    data = bytearray(entry.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "flipped":
        data[len(data) // 2] ^= 0xFF
    else:
        data = bytearray(b"not a cache entry")
    entry.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="nnplug.datasets"):
        again = loader(tiny_datasets, tmp_path / "cache")
    assert "is damaged" in caplog.text and "decoding the images again" in caplog.text
    assert again.cache.decoded == 30 and np.array_equal(again.cache.pixels, good)
    assert loader(tiny_datasets, tmp_path / "cache").cache.decoded == 0


def test_a_corrupt_entry_with_a_valid_layout_is_found_by_its_checksum(tiny_datasets: Path, tmp_path: Path, caplog) -> None:
    good = loader(tiny_datasets, tmp_path / "cache")
    (entry,) = entries(tmp_path / "cache")
    stored = DiskCache(tmp_path / "cache", 10**9).read(good.cache.disk_key())
    stored.pixels[0] += 0.5  # rewritten with the old checksum: a wrong sample must not come back
    header = np.load(entry)["index"]
    np.savez(entry.with_suffix(".tmp.npz"), pixels=stored.pixels, index=header)
    entry.with_suffix(".tmp.npz").replace(entry)
    with caplog.at_level(logging.WARNING, logger="nnplug.datasets"):
        again = loader(tiny_datasets, tmp_path / "cache")
    assert "checksum" in caplog.text and again.cache.decoded == 30
    assert np.array_equal(again.cache.pixels, good.cache.pixels)


def test_a_folder_that_cannot_be_written_is_a_warning_and_a_run_without_cache(tiny_datasets: Path, tmp_path: Path, caplog) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="nnplug.datasets"):
        data = loader(tiny_datasets, blocker / "cache")
    assert "is not writable" in caplog.text and "running without the cache" in caplog.text and "damaged" not in caplog.text
    assert len([r for r in caplog.records if "cache" in r.getMessage()]) == 1
    assert data.cache.decoded == 30 and data.size("training") == 21


def test_unreadable_files_are_remembered_and_warned_about_again(tiny_datasets: Path, tmp_path: Path, caplog) -> None:
    (tiny_datasets / "tiny" / "red" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    loader(tiny_datasets, tmp_path / "cache")
    with caplog.at_level(logging.WARNING, logger="nnplug.datasets"):
        again = loader(tiny_datasets, tmp_path / "cache")
    assert again.cache.decoded == 0 and "broken.png" in caplog.text and len(again.sources) == 30


def test_the_size_is_bounded_least_recently_used_first(tiny_datasets: Path, tmp_path: Path, caplog) -> None:
    cache = tmp_path / "cache"
    one_entry = 30 * 6 * 8 * 3 * 4 + 4000  # pixels + index and zip overhead
    loader(tiny_datasets, cache, cache_max_size=str(one_entry))
    (first,) = entries(cache)
    loader(tiny_datasets, cache, grayscale=True, cache_max_size=str(one_entry))
    (second,) = entries(cache)
    assert second != first
    loader(tiny_datasets, cache, trim=True, cache_max_size=str(3 * one_entry))
    loader(tiny_datasets, cache, grayscale=True, cache_max_size=str(3 * one_entry))  # used: now the most recent
    loader(tiny_datasets, cache, minmax_normalize=True, cache_max_size=str(2 * one_entry))
    assert second in entries(cache) and len(entries(cache)) == 2
    with caplog.at_level(logging.WARNING, logger="nnplug.datasets"):
        loader(tiny_datasets, tmp_path / "small", cache_max_size="1kB")
    assert "exceed --cache-max-size" in caplog.text and not entries(tmp_path / "small")


def test_two_runs_at_once_leave_a_whole_entry(tiny_datasets: Path, tmp_path: Path) -> None:
    results: list = []
    runs = [threading.Thread(target=lambda: results.append(loader(tiny_datasets, tmp_path / "cache", workers=1))) for _ in range(3)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert len(results) == 3 and len(entries(tmp_path / "cache")) == 1
    again = loader(tiny_datasets, tmp_path / "cache")
    assert again.cache.decoded == 0 and np.array_equal(again.cache.pixels, results[0].cache.pixels)
    assert not list((tmp_path / "cache").glob(".*"))  # no temporary file left


def test_augmentation_after_the_cache_is_per_epoch_and_seed(tiny_datasets: Path, tmp_path: Path) -> None:
    options = {"rot_angle": 25.0, "noise_intensity": 0.05}
    fresh = loader(tiny_datasets, tmp_path / "cache", **options)
    cached = loader(tiny_datasets, tmp_path / "cache", **options)
    assert cached.cache.decoded == 0
    for epoch in (1, 2):
        assert np.array_equal(next(fresh.minibatches("training", epoch)).x, next(cached.minibatches("training", epoch)).x)
    assert not np.array_equal(next(cached.minibatches("training", 1)).x, next(cached.minibatches("training", 2)).x)


def test_another_filter_keeps_the_samples_of_the_earlier_one(tiny_datasets: Path, tmp_path: Path) -> None:
    loader(tiny_datasets, tmp_path / "cache", filter_dataset="0-9", partitions={"training": 1.0})
    assert loader(tiny_datasets, tmp_path / "cache", filter_dataset="10-29", partitions={"training": 1.0}).cache.decoded == 20
    assert loader(tiny_datasets, tmp_path / "cache").cache.decoded == 0


def test_the_default_folder_follows_xdg(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_folder() == tmp_path / "xdg" / "nnplug"
    monkeypatch.setenv("XDG_CACHE_HOME", "")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_folder() == tmp_path / "home" / ".cache" / "nnplug"


def test_the_test_session_does_not_use_the_users_cache() -> None:
    assert not str(default_folder()).startswith(str(Path.home() / ".cache"))


def test_sizes() -> None:
    assert parse_size("2GB") == 2 * 10**9 and parse_size("500mb") == 500 * 10**6 and parse_size("1.5GiB") == int(1.5 * 2**30)
    assert parse_size("1000") == 1000 and parse_size(" 3 kB ") == 3000
    for bad in ("lots", "", "-1GB", "2 parsecs", "GB"):
        with pytest.raises(NnplugError, match="--cache-max-size expects a size"):
            parse_size(bad)


@pytest.mark.slow
def test_two_processes_at_once_leave_a_whole_entry(tiny_datasets: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom nnplug_vips.loaders import Vips\n"
        f"d = Vips(dataset='tiny', datasets_path={str(tiny_datasets)!r}, resize=(8, 6), cache_dir={str(tmp_path / 'cache')!r})\n"
        "d.load(0)\nprint(d.cache.decoded)"
    )
    runs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert all(run.returncode == 0 for run in runs), outputs
    again = loader(tiny_datasets, tmp_path / "cache")
    assert again.cache.decoded == 0 and len(entries(tmp_path / "cache")) == 1
    assert np.array_equal(again.cache.pixels, loader(tiny_datasets, tmp_path / "unused", cache=False).cache.pixels)
    assert not list((tmp_path / "cache").glob(".*"))

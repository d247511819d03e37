"""The four image loaders on a tiny dataset: shapes, values, partitions, cache, augmentation."""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug_magick.loaders import ImageMagick
from nnplug_vips.loaders import Vips

from .conftest import write_image

NUMPY_LOADERS = [Vips, ImageMagick]


def loader(cls, datasets: Path, **options):
    made = cls(dataset="tiny", datasets_path=datasets, resize=(8, 6), **options)
    made.load(0)
    return made


@pytest.mark.parametrize("cls", NUMPY_LOADERS)
def test_flattened_samples_in_zero_one_with_one_hot_labels(cls, tiny_datasets: Path) -> None:
    data = loader(cls, tiny_datasets)
    assert data.labels == ["blue", "green", "red"]
    assert data.sample_shape == (3 * 6 * 8,)
    assert {p: data.size(p) for p in ("training", "dev", "test")} == {"training": 21, "dev": 6, "test": 3}
    (batch,) = list(data.minibatches("training", 1))
    assert batch.x.shape == (21, 144) and batch.x.dtype == np.float32
    assert 0.0 <= batch.x.min() and batch.x.max() <= 1.0
    assert batch.y.shape == (21, 3) and np.all(batch.y.sum(axis=1) == 1)
    red = batch.x[np.argmax(batch.y, axis=1) == 2].reshape(-1, 3, 6, 8)
    assert red[:, 0].mean() > red[:, 2].mean()  # channel-major: channel 0 is red
    assert all("/red/" in i for i, label in zip(batch.ids, np.argmax(batch.y, axis=1)) if label == 2)


@pytest.mark.parametrize("cls", NUMPY_LOADERS)
def test_unflattened_grayscale_samples_are_c_h_w(cls, tiny_datasets: Path) -> None:
    data = loader(cls, tiny_datasets, flatten=False, grayscale=True)
    assert data.sample_shape == (1, 6, 8)
    (dev,) = list(data.minibatches("dev", 0))
    assert dev.x.shape == (6, 1, 6, 8)


def test_summary_table_counts_partitions_and_image_size(tiny_datasets: Path) -> None:
    summary = loader(Vips, tiny_datasets).summary()
    assert "image size 6 x 8 x 3 (rows x cols x channels)" in summary
    assert summary.splitlines()[-1].split() == ["total", "21", "6", "3", "30"]


def test_minibatches_split_training_only_and_shuffle_per_epoch(tiny_datasets: Path) -> None:
    data = loader(Vips, tiny_datasets, max_minibatch_size=8, nbr_clones=2)
    sizes = [b.size for b in data.minibatches("training", 1)]
    assert sizes == [8, 8, 8, 8, 8, 2]  # 21 samples cloned twice
    assert [b.size for b in data.minibatches("dev", 1)] == [6]
    first = [i for b in data.minibatches("training", 1) for i in b.ids]
    assert first == [i for b in data.minibatches("training", 1) for i in b.ids]
    assert first != [i for b in data.minibatches("training", 2) for i in b.ids]


def test_cache_survives_repeats_and_partitions_follow_the_seed(tiny_datasets: Path, monkeypatch) -> None:
    data = loader(Vips, tiny_datasets)
    pixels = data.cache.pixels
    monkeypatch.setattr(data, "make_transforms", lambda: pytest.fail("decoded twice"))
    dev_seed0 = next(data.minibatches("dev", 0)).ids
    data.load(1)
    assert data.cache.pixels is pixels
    assert next(data.minibatches("dev", 0)).ids != dev_seed0
    data.load(0)
    assert next(data.minibatches("dev", 0)).ids == dev_seed0


@pytest.mark.parametrize("cls", NUMPY_LOADERS)
def test_augmentation_changes_training_only_seeded_per_epoch(cls, tiny_datasets: Path) -> None:
    plain = loader(cls, tiny_datasets)
    augmented = loader(cls, tiny_datasets, rot_angle=30.0, noise_intensity=0.05)

    def batch(data, partition: str, epoch: int):
        return next(data.minibatches(partition, epoch)).x

    assert np.array_equal(batch(plain, "dev", 0), batch(augmented, "dev", 0))
    first = batch(augmented, "training", 1)
    assert not np.allclose(first, batch(plain, "training", 1))
    assert np.array_equal(first, batch(augmented, "training", 1))
    again = loader(cls, tiny_datasets, rot_angle=30.0, noise_intensity=0.05)
    assert np.array_equal(first, batch(again, "training", 1))
    assert 0.0 <= first.min() and first.max() <= 1.0


def test_filter_dataset_keeps_positions(tiny_datasets: Path) -> None:
    data = loader(Vips, tiny_datasets, filter_dataset="0-4,20-24", partitions={"training": 1.0})
    assert data.size("training") == 10
    names = {Path(i).parent.name for b in data.minibatches("training", 1) for i in b.ids}
    assert names == {"blue", "red"}


def test_undecodable_files_are_skipped_with_a_warning(tiny_datasets: Path, caplog) -> None:
    folder = tiny_datasets / "tiny" / "green"
    (folder / "notes.txt").write_text("not an image")
    (folder / "broken.png").write_bytes((folder / "00.png").read_bytes()[:60])
    with caplog.at_level(logging.WARNING, logger="nnplug.datasets"):
        data = loader(Vips, tiny_datasets)
    assert len(data.sources) == 30
    skipped = " ".join(r.getMessage() for r in caplog.records)
    assert "notes.txt" in skipped and "broken.png" in skipped


def test_a_class_without_readable_images_is_an_error(tiny_datasets: Path) -> None:
    write_image(tiny_datasets / "tiny" / "ok" / "0.png", np.zeros((4, 4, 3), dtype=np.uint8))
    folder = tiny_datasets / "tiny" / "junk"
    folder.mkdir()
    (folder / "a.png").write_text("not an image")
    with pytest.raises(NnplugError, match=r"class folder .*junk has no readable images"):
        loader(ImageMagick, tiny_datasets)


def test_threads_and_serial_decoding_agree(tiny_datasets: Path, monkeypatch) -> None:
    import nnplug.datasets.sample_cache as sample_cache

    monkeypatch.setattr(sample_cache, "SERIAL_BELOW", 0)
    threaded = loader(Vips, tiny_datasets, workers=2, trim=True, minmax_normalize=True)
    serial = loader(Vips, tiny_datasets, workers=1, trim=True, minmax_normalize=True)
    assert np.array_equal(threaded.cache.pixels, serial.cache.pixels)


def test_numpy_vips_does_not_import_torch(tiny_datasets: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom nnplug_vips.loaders import Vips\n"
        f"d = Vips(dataset='tiny', datasets_path={str(tiny_datasets)!r}, resize=(4, 4)); d.load(0)\n"
        "next(d.minibatches('training', 1)); assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_sample_ids_are_the_file_paths_made_only_when_read(tiny_datasets: Path) -> None:
    from nnplug import SampleIds

    data = loader(Vips, tiny_datasets)
    (batch,) = list(data.minibatches("dev", 1))
    assert isinstance(batch.ids, SampleIds) and len(batch.ids) == 6
    paths = {str(p) for p in tiny_datasets.glob("tiny/*/*")}
    assert set(batch.ids) <= paths and batch.ids[1:3] == list(batch.ids)[1:3] and batch.ids == list(batch.ids)

    made = []
    ids = SampleIds(np.array([4, 2]), lambda row: made.append(row) or f"sample {row}")
    assert made == []  # nothing made until read
    assert ids[-1] == "sample 2" and made == [2]
    assert ids == ["sample 4", "sample 2"] and ids != ["sample 4"] and ids != "sample 4sample 2"


def test_a_pickled_loader_lists_its_samples_as_strings_and_gives_the_same_minibatches(tiny_datasets: Path) -> None:
    import pickle

    from nnplug.datasets.sample_source import SampleSource, SourceList

    data = loader(Vips, tiny_datasets)
    copy = pickle.loads(pickle.dumps(data))
    assert isinstance(copy.sources, SourceList) and all(isinstance(path, str) for path in copy.sources.paths)
    assert list(copy.sources) == list(data.sources) and isinstance(copy.sources[0], SampleSource)
    assert copy.sources[2:4] == [data.sources[2], data.sources[3]]
    assert [copy.sources.id(i) for i in range(len(copy.sources))] == [s.id for s in data.sources]
    copy.load(3)
    data.load(3)
    for ours, theirs in zip(data.minibatches("training", 2), copy.minibatches("training", 2)):
        assert np.array_equal(ours.x, theirs.x) and np.array_equal(ours.y, theirs.y) and list(ours.ids) == list(theirs.ids)
    frame = SourceList([SampleSource(Path("clip.mp4"), 1, 2.5)])
    assert frame.id(0) == frame[0].id == "clip.mp4@2.5s"

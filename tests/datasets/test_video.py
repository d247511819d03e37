"""Video files in class folders: one frame every --video-slices-sec seconds, decoded with PyAV."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.datasets.video import read_video_frames, video_frame_times
from nnplug_vips.loaders import Vips

from .conftest import make_video, write_image

COLOURS = [(250, 0, 0), (0, 250, 0), (0, 0, 250)]


def test_frames_are_taken_every_slice(tmp_path: Path) -> None:
    video = make_video(tmp_path / "rgb.mp4", COLOURS)
    assert video_frame_times(video, 1.0) == [0.0, 1.0, 2.0]
    assert video_frame_times(video, 0.5) == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    frames = read_video_frames(video, [0.0, 1.0, 2.0])
    assert [f.shape for f in frames] == [(24, 32, 3)] * 3
    for frame, colour in zip(frames, COLOURS):
        assert int(np.argmax(frame.reshape(-1, 3).mean(axis=0))) == int(np.argmax(colour))


def test_videos_and_images_mix_in_a_dataset(tmp_path: Path) -> None:
    root = tmp_path / "datasets"
    make_video(root / "clips" / "moving" / "clip.mp4", COLOURS)
    for index in range(3):
        write_image(root / "clips" / "still" / f"{index}.png", np.full((10, 10, 3), 128, dtype=np.uint8))
    data = Vips(dataset="clips", datasets_path=root, resize=(8, 8), partitions={"training": 1.0})
    data.load(0)
    assert data.size("training") == 6
    ids = sorted(i for b in data.minibatches("training", 1) for i in b.ids)
    assert [i for i in ids if "clip.mp4" in i] == [f"{root}/clips/moving/clip.mp4@{t}s" for t in (0, 1, 2)]


def test_an_unreadable_video_is_one_line_error(tmp_path: Path) -> None:
    broken = tmp_path / "datasets" / "clips" / "a" / "broken.mp4"
    broken.parent.mkdir(parents=True)
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 20)
    with pytest.raises(NnplugError, match=r"cannot read video .*broken.mp4") as raised:
        Vips(dataset="clips", datasets_path=tmp_path / "datasets").load(0)
    assert "\n" not in str(raised.value)

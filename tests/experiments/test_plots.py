"""Plot helpers: images from flat vectors, aggregation over repeats, headless drawing."""
from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from nnplug.plots import as_image, draw_curves, draw_tracked, per_epoch, save_figure
from nnplug.results import EpochMetrics, ExperimentResult, RepeatResult


def epochs(costs, stop=None):
    metrics = [EpochMetrics(i + 1, c, 0.5, c + 0.1, 0.4, 0.01, 100.0, 0.1) for i, c in enumerate(costs)]
    return RepeatResult(0, 0, 0, metrics, early_stopping_epoch=stop)


def test_images_from_channel_major_vectors():
    red = np.zeros((3, 4, 4))
    red[0] = 1
    image = as_image(red.ravel(), (3, 4, 4))
    assert image.shape == (4, 4, 3) and image[..., 0].all() and not image[..., 1:].any()
    assert as_image(red.ravel()).shape == (4, 4, 3)  # flat 3·s² read as channel-major RGB
    assert as_image(np.zeros(16)).shape == (4, 4)
    grid = as_image(np.arange(10.0))
    assert grid.shape == (3, 4) and np.isnan(grid).sum() == 2


def test_repeats_give_mean_and_range_per_epoch():
    result = [epochs([3.0, 2.0, 1.0]), epochs([5.0, 4.0])]
    x, mean, low, high = per_epoch(result, "training_cost")
    assert x.tolist() == [1, 2, 3] and mean.tolist() == [4.0, 3.0, 1.0]
    assert low.tolist() == [3.0, 2.0, 1.0] and high.tolist() == [5.0, 4.0, 1.0]


def test_figures_draw_headless(tmp_path):
    results = [ExperimentResult("a", {}, [epochs([3, 2, 1], stop=2), epochs([4, 3, 2])]), ExperimentResult("b", {}, [epochs([1e-9, 0.0, 2])])]
    figure = Figure(figsize=(13, 5))
    draw_curves(figure, results, "title")
    save_figure(figure, tmp_path / "c.png")
    figure = Figure()
    draw_tracked(figure, "W", [0, 1], np.random.default_rng(0).normal(size=(2, 2, 12)), (3, 2, 2))
    save_figure(figure, tmp_path / "t.png")
    assert (tmp_path / "c.png").stat().st_size > 10_000 and (tmp_path / "t.png").exists()


def test_display_graphs_without_a_display_only_warns(train, monkeypatch, caplog):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    session = train(["--nbr-epochs=1", "--display-graphs"])
    assert "--display-graphs: no display found" in caplog.text
    assert (session.run_dir / "run.json").exists()

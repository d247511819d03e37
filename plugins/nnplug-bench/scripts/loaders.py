"""Benchmark of the image data loaders: preprocessing throughput, training data-preparation share, memory.

1. Throughput: the numbers dataset preprocessed like the reference's digits runs (grayscale, trim,
   min-max, adaptive invert, resize 28x28) by the Vips and ImageMagick transforms (one thread and
   every core) and by a plain single-threaded Pillow loop doing the same operations. Configurations
   run in alternation, ``--rounds`` times; the median wall time gives images per second, and the
   ratio to Pillow is reported per round then medianed. CPU seconds per image are shown too (less
   disturbed by other processes on a shared machine).
2. ``--training``: a numbers training run with NumpyVips (NLayers, 100 hidden units, Adam): time
   spent preparing minibatches (shuffle, copy, one-hot; augmentation off) as a share of each epoch
   after the first, and the peak resident memory of a separate ``bin/train`` process.

Standalone: ``.venv/bin/python plugins/nnplug-bench/scripts/loaders.py [--rounds 3] [--limit 2000] [--training]``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np
import psutil

from nnplug.datasets.labeled_files import LabeledFiles
from nnplug.datasets.preprocessing import Preprocessing
from nnplug.datasets.sample_cache import SampleCache

REPO = Path(__file__).resolve().parents[3]
CHAIN = Preprocessing((28, 28), trim=True, grayscale=True, minmax_normalize=True, adaptive_invert=True)
TRIM_THRESHOLD = 10


def pillow_preprocess(path: Path) -> np.ndarray:
    """The same chain with Pillow and numpy, one image: the hand-written loop users would write."""
    from PIL import Image, ImageChops

    image = Image.open(path)
    image = image.convert("RGB") if image.mode not in ("L", "RGB") else image
    background = image.getpixel((0, 0))
    difference = ImageChops.difference(image, Image.new(image.mode, image.size, background)).convert("L")
    box = difference.point(lambda v: 255 if v > TRIM_THRESHOLD else 0).getbbox()
    if box:
        original_width, original_height = image.size
        image = image.crop(box)
        width, height = image.size
        ratio = original_width / original_height
        out_width, out_height = (max(width, round(height * ratio)), height) if width / height < ratio else (width, max(height, round(width / ratio)))
        canvas = Image.new(image.mode, (out_width, out_height), background)
        canvas.paste(image, ((out_width - width) // 2, (out_height - height) // 2))
        image = canvas
    image = image.resize((28, 28), Image.LANCZOS)
    pixels = np.asarray(image, dtype=np.float32)
    if pixels.ndim == 3:
        pixels = pixels @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
    low, high = pixels.min(), pixels.max()
    if high > low:
        pixels = (pixels - low) * (255 / (high - low))
    if pixels[0, 0] < 127.5:
        pixels = 255 - pixels
    return pixels[:, :, None] / 255


def make_photos(root: Path, count: int) -> Path:
    """``root/photos/<a|b>/<i>.jpg``: ``count`` 640x480 noisy pictures of a disc on a light background."""
    from PIL import Image

    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:480, 0:640]
    for index in range(count):
        label = "ab"[index % 2]
        centre, radius = rng.uniform((150, 150), (490, 330)), rng.uniform(40, 140)
        disc = (cols - centre[0]) ** 2 + (rows - centre[1]) ** 2 < radius**2
        pixels = np.full((480, 640, 3), 235.0) + rng.normal(0, 6, (480, 640, 3))
        pixels[disc] = (40, 60, 200) if label == "a" else (200, 60, 40)
        folder = root / "photos" / label
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(folder / f"{index:04d}.jpg", quality=90)
    return root


def configurations(sources) -> dict[str, Callable[[], None]]:
    """The runs to compare, each preprocessing every source once."""
    from nnplug_magick.transforms import MagickTransforms
    from nnplug_vips.transforms import VipsTransforms

    def cache_run(transforms, workers: int) -> Callable[[], None]:
        return lambda: SampleCache(CHAIN, transforms, workers).fill(sources)

    def pillow() -> None:
        for source in sources:
            pillow_preprocess(source.path)

    cores = os.cpu_count() or 1
    return {
        "Pillow loop (1 thread)": pillow,
        "Vips (1 thread)": cache_run(VipsTransforms(), 1),
        f"Vips ({cores} threads)": cache_run(VipsTransforms(), cores),
        "ImageMagick (1 thread)": cache_run(MagickTransforms(), 1),
        f"ImageMagick ({cores} threads)": cache_run(MagickTransforms(), cores),
    }


def throughput(datasets: Path, dataset: str, limit: int, rounds: int) -> dict[str, dict[str, float]]:
    """Wall and CPU time of every configuration; images per second and ratio to Pillow."""
    files = LabeledFiles(datasets, dataset)
    sources = files.scan()
    if limit:
        sources = [sources[i] for i in np.linspace(0, len(sources) - 1, min(limit, len(sources))).astype(int)]
    runs = configurations(sources)
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    for name, run in runs.items():  # warm-up: imports, libraries' caches
        run()
    for _ in range(rounds):
        for name, run in runs.items():
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            walls[name].append(time.perf_counter() - wall)
            cpus[name].append(time.process_time() - cpu)
    reference = "Pillow loop (1 thread)"
    report = {}
    for name in runs:
        ratios = [walls[reference][i] / walls[name][i] for i in range(rounds)]
        report[name] = {
            "images": len(sources),
            "median_seconds": statistics.median(walls[name]),
            "images_per_second": len(sources) / statistics.median(walls[name]),
            "cpu_ms_per_image": 1000 * statistics.median(cpus[name]) / len(sources),
            "speed_vs_pillow": statistics.median(ratios),
        }
    return report


def data_preparation_share(epochs: int) -> dict[str, float]:
    """Train NLayers on numbers in-process; time spent inside the loader's minibatch generator per epoch."""
    from nnplug.cli.arguments import parse_command
    from nnplug.datasets.image_loader import ImageDataLoader
    from nnplug.registry import Registry
    from nnplug.trainer import Trainer

    spent: dict[int, float] = {}
    original = ImageDataLoader.minibatches

    def timed(self, partition: str, epoch: int):
        generator = original(self, partition, epoch)
        while True:
            start = time.perf_counter()
            try:
                batch = next(generator)
            except StopIteration:
                spent[epoch] = spent.get(epoch, 0.0) + time.perf_counter() - start
                return
            spent[epoch] = spent.get(epoch, 0.0) + time.perf_counter() - start
            yield batch

    ImageDataLoader.minibatches = timed  # type: ignore[method-assign]
    try:
        registry = Registry()
        command = parse_command(training_args(epochs) + ["--eval-dev=false"], registry)
        (result,) = Trainer(registry, []).run(command.experiments)
    finally:
        ImageDataLoader.minibatches = original  # type: ignore[method-assign]
    shares = [spent.get(e.epoch, 0.0) / e.duration for e in result.repeats[0].epochs[1:]]
    return {"epochs_measured": len(shares), "median_share": statistics.median(shares), "max_share": max(shares),
            "median_epoch_seconds": statistics.median(e.duration for e in result.repeats[0].epochs[1:])}


def training_args(epochs: int) -> list[str]:
    """The numbers training run measured: NumpyVips preprocessing as above, NLayers (100 hidden units), Adam, minibatches of 100."""
    return [
        "--data-loader=NumpyVips", "--dataset=numbers", f"--datasets-path={REPO / 'datasets'}", "--resize=28,28",
        "--grayscale=true", "--trim=true", "--minmax-normalize=true", "--adaptive-invert=true",
        "--model=NLayers", "--layers=100", "--max-minibatch-size=100", f"--nbr-epochs={epochs}", "--gradient-checks=off",
    ]


def peak_rss_mb(epochs: int) -> float:
    """Peak resident memory (MB) of ``bin/train`` on numbers, sampled every 20 ms (children included)."""
    process = subprocess.Popen([str(REPO / "bin" / "train"), *training_args(epochs), "--display-graphs=false"],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(process.pid)
    peak = 0.0
    while process.poll() is None:
        try:
            rss = watched.memory_info().rss + sum(c.memory_info().rss for c in watched.children(recursive=True))
            peak = max(peak, rss / 2**20)
        except psutil.Error:
            pass
        time.sleep(0.02)
    if process.returncode:
        raise SystemExit(f"training run failed: {process.stderr.read() if process.stderr else ''}")
    return peak


def main() -> None:
    """Run the benchmark and print a table (and JSON with ``--json``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets-path", type=Path, default=REPO / "datasets")
    parser.add_argument("--dataset", default="numbers")
    parser.add_argument("--limit", type=int, default=2000, help="images used for throughput, spread over classes (0: all)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--training", action="store_true", help="also measure data-preparation share and peak RSS of a training run")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write the figures there")
    parser.add_argument("--photos", type=int, default=0, help="benchmark N generated 640x480 JPEG photos instead of --dataset")
    args = parser.parse_args()
    figures: dict[str, object] = {"load_average": os.getloadavg(), "cores": os.cpu_count()}
    if args.photos:
        args.datasets_path, args.dataset = make_photos(Path(tempfile.mkdtemp(prefix="nnplug-bench-photos-")), args.photos), "photos"
    report = throughput(args.datasets_path, args.dataset, args.limit, args.rounds)
    figures["throughput"] = report
    print(f"Preprocessing {args.dataset} (grayscale, trim, min-max, adaptive invert, resize 28x28), "
          f"median of {args.rounds} rounds, load average {os.getloadavg()[0]:.1f}:")
    print(f"{'configuration':28s} {'images/s':>10s} {'CPU ms/image':>13s} {'vs Pillow':>10s}")
    for name, row in report.items():
        print(f"{name:28s} {row['images_per_second']:10.0f} {row['cpu_ms_per_image']:13.3f} {row['speed_vs_pillow']:9.2f}x")
    if args.training:
        share = data_preparation_share(args.epochs)
        figures["data_preparation"] = share
        print(f"Data preparation (augmentation off) after epoch 1: median {100 * share['median_share']:.2f}% of epoch time "
              f"(max {100 * share['max_share']:.2f}%, epoch {share['median_epoch_seconds']:.2f} s)")
        peak = peak_rss_mb(args.epochs)
        figures["peak_rss_mb"] = peak
        print(f"Peak RSS of bin/train {' '.join(training_args(args.epochs))}: {peak:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()

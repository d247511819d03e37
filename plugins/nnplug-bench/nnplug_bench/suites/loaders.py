"""``loaders``: preprocessing throughput and epoch times of the image loaders against a Pillow loop.

The numbers dataset (handwritten digits as PNG in ``datasets/numbers``: the first 100 per class,
1,000 images, copied to a temporary folder so that every round stays short; quick mode: 10 per
class) preprocessed as for training: grayscale, trim, min-max
normalize, adaptive invert, resize 28×28. One measurement = a fresh loader: ``load`` (decode and
preprocess everything: the first epoch's data preparation) gives the images per second; then
one pass over the training minibatches of 100 from the cache (augmentation off) is the cached
epoch. The first epoch is load + one pass. The loaders use their default workers (one thread
per core); ``NumpyVips, 1 worker`` shows the single-threaded figure next to the Pillow loop.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from nnplug_bench.suite import Case, Metric, Suite, Target

PILLOW = "Pillow loop"
GROUP = "numbers 28×28"
#: case name → (loader plugin, workers).
LOADERS = {
    "NumpyVips": ("NumpyVips", 0),
    "NumpyVips, 1 worker": ("NumpyVips", 1),
    "NumpyImageMagick": ("NumpyImageMagick", 0),
    "TorchVips": ("TorchVips", 0),
    "TorchImageMagick": ("TorchImageMagick", 0),
}
#: the options of the numbers preprocessing.
PREPROCESSING = {"resize": (28, 28), "grayscale": True, "trim": True, "minmax_normalize": True, "adaptive_invert": True}
#: images per class measured (full and quick mode).
PER_CLASS, QUICK_PER_CLASS = 100, 10


def datasets_root() -> Path:
    """``./datasets`` when it holds numbers, else the repository's (beside the ``nnplug`` package)."""
    here = Path("datasets")
    if (here / "numbers").is_dir():
        return here
    from nnplug_bench.paths import repository

    return repository() / "datasets"


class LoadersSuite(Suite):
    """Images per second of the first load, first and cached epoch times, per loader."""

    name = "loaders"
    description = "numbers preprocessing per loader (ratio to a plain Pillow loop)"
    primary = Metric("images_per_second", "images/s", higher_is_better=True)
    secondary = (Metric("first_epoch_seconds", "s"), Metric("cached_epoch_seconds", "s"))
    targets = (Target("NumpyVips", 1.0, at_most=False), Target("NumpyVips, 1 worker", 1.0, at_most=False))
    plot_title = "Images per second per loader, numbers preprocessing (median, min–max)"

    def __init__(self, quick: bool = False) -> None:
        super().__init__(quick)
        self.root = datasets_root()
        self.temporary: Path | None = None
        self.paths: list[Path] = []
        self._registry = None

    def missing(self) -> str | None:
        """The numbers dataset must be there."""
        if not (self.root / "numbers").is_dir():
            return f"the numbers dataset is not in {self.root} (datasets/numbers)"
        return None

    def cases(self) -> list[Case]:
        """The Pillow loop (baseline), then each loader."""
        return [Case(GROUP, PILLOW, baseline=True)] + [Case(GROUP, name) for name in LOADERS]

    def registry(self):
        """The installed plugins, discovered once."""
        if self._registry is None:
            from nnplug.registry import Registry

            self._registry = Registry()
        return self._registry

    def unavailable(self, case: Case) -> str | None:
        """Pillow or the loader plugin must import."""
        if case.name == PILLOW:
            try:
                import PIL  # noqa: F401
            except ImportError:
                return "Pillow is not installed"
            return None
        plugin = LOADERS[case.name][0]
        if plugin not in self.registry().plugins["data_loader"]:
            return f"data loader plugin {plugin} is not installed"
        try:
            cls = self.registry().load("data_loader", plugin)
            cls(dataset="numbers", datasets_path=self.root).make_transforms()
            if plugin.startswith("Torch"):
                import torch  # noqa: F401
        except Exception as err:
            return str(err).splitlines()[0] if str(err) else type(err).__name__
        return None

    def prepare(self) -> None:
        """Copy the first images of every class to a temporary dataset."""
        source = self.root / "numbers"
        per_class = QUICK_PER_CLASS if self.quick else PER_CLASS
        self.temporary = Path(tempfile.mkdtemp(prefix="nnplug-bench-"))
        for folder in sorted(p for p in source.iterdir() if p.is_dir()):
            target = self.temporary / "numbers" / folder.name
            target.mkdir(parents=True)
            for image in sorted(folder.glob("*.png"))[:per_class]:
                shutil.copy(image, target / image.name)
        self.root = self.temporary
        self.paths = sorted((self.root / "numbers").glob("*/*.png"))

    def cleanup(self) -> None:
        """Remove the temporary folder."""
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)

    def measure(self, case: Case) -> dict[str, float]:
        """A fresh loader: load everything, then one cached pass over the training minibatches."""
        if case.name == PILLOW:
            return self._measure_pillow()
        plugin, workers = LOADERS[case.name]
        loader = self.registry().create(
            "data_loader", plugin, {"dataset": "numbers", "datasets_path": self.root, "max_minibatch_size": 100, "workers": workers, **PREPROCESSING}
        )
        start = time.perf_counter()
        loader.load(0)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        for _ in loader.minibatches("training", 1):
            pass
        cached = time.perf_counter() - start
        return {"images_per_second": len(self.paths) / loaded, "first_epoch_seconds": loaded + cached, "cached_epoch_seconds": cached}

    def _measure_pillow(self) -> dict[str, float]:
        import numpy as np

        from nnplug_bench.suites.pillow_baseline import load_all

        start = time.perf_counter()
        pixels = load_all(self.paths, (28, 28))
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        order = np.random.default_rng(1).permutation(int(len(pixels) * 0.7))
        for begin in range(0, len(order), 100):
            np.ascontiguousarray(pixels[order[begin : begin + 100]], dtype=np.float64)
        cached = time.perf_counter() - start
        return {"images_per_second": len(self.paths) / loaded, "first_epoch_seconds": loaded + cached, "cached_epoch_seconds": cached}

    def notes(self) -> list[str]:
        """The data."""
        per_class = QUICK_PER_CLASS if self.quick else PER_CLASS
        return [
            f"{len(self.paths)} PNG digits (the first {per_class} per class of datasets/numbers); grayscale, trim, min-max, "
            "adaptive invert, resize 28x28; loaders with their default workers (one thread per core) unless said"
        ]

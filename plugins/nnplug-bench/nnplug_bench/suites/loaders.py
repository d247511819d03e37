"""``loaders``: the image loaders against a plain Pillow loop, libvips' own floor, and their disk cache.

Four groups, measured side by side in one run (images per second; ratios to each group's baseline
are taken round by round):

1. **numbers 28×28**: PNG digits of ``datasets/numbers`` (the first 100 per class, 1,000 images,
   copied to a temporary folder) preprocessed as for training: grayscale, trim, min-max
   normalize, adaptive invert, resize 28×28. Baseline: a plain single-threaded Pillow loop doing
   the same steps. A measurement is a fresh loader without disk cache: ``load`` (decode and
   preprocess everything) gives the images per second; one pass over the training minibatches of
   100 is the cached epoch.
2. **numbers 28×28 vs libvips' floor**: the same images; baseline: libvips decoding each file and
   nothing else (``new_from_file`` and one region fetch into numpy, one thread, no operation
   cache reuse), against the whole Vips pipeline on one worker. Goal: at most 1.5× the floor's
   time per image (images/s at least 0.67× the floor's).
3. **photos 640×480 → 224×224**: synthetic JPEG photos resized to 224×224 RGB. Baseline: the
   plain Pillow loop (``Image.open``, ``convert("RGB")``, ``resize`` with Lanczos); also Pillow with
   ``draft()`` (JPEG DCT scaling). Goal: Vips (default workers) at least 1.5× the plain loop.
4. **numbers, second run**: the user's command's preprocessing (``--grayscale --resize=28,28``) on
   all of ``datasets/numbers`` (5,000 images): a loader's ``load`` with an empty disk cache (the
   first run's data preparation) against one with the cache filled (a second run). Goal: at least
   20× faster.
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from nnplug_bench.suite import Case, Metric, Suite, Target

PILLOW = "Pillow loop"
PILLOW_DRAFT = "Pillow loop with draft()"
FLOOR = "libvips decode only (floor), 1 thread"
DIGITS = "numbers 28×28"
DIGITS_FLOOR = "numbers 28×28 vs libvips' floor"
PHOTOS = "photos 640×480 → 224×224"
RUNS = "numbers 5,000, data preparation"
FIRST_RUN, SECOND_RUN = "first run (empty disk cache)", "second run (disk cache filled)"
#: case name → (loader plugin, workers) for the loader cases of groups 1-3.
LOADERS = {"Vips": ("Vips", 0), "Vips, 1 worker": ("Vips", 1), "ImageMagick": ("ImageMagick", 0)}
#: the numbers preprocessing of groups 1 and 2, and of the user's command (group 4).
DIGITS_PREPROCESSING = {"resize": (28, 28), "grayscale": True, "trim": True, "minmax_normalize": True, "adaptive_invert": True}
COMMAND_PREPROCESSING = {"resize": (28, 28), "grayscale": True}
PHOTO_SIZE, PHOTO_TARGET = (640, 480), (224, 224)
#: images per class (groups 1-2), photos, and images per class of group 4: full and quick mode.
PER_CLASS, QUICK_PER_CLASS = 100, 10
PHOTOS_COUNT, QUICK_PHOTOS_COUNT = 48, 4
RUN_PER_CLASS, QUICK_RUN_PER_CLASS = 500, 10


def datasets_root() -> Path:
    """``./datasets`` when it holds numbers, else the repository's (beside the ``nnplug`` package)."""
    here = Path("datasets")
    if (here / "numbers").is_dir():
        return here
    from nnplug_bench.paths import repository

    return repository() / "datasets"


def synthetic_photo(seed: int, size: tuple[int, int]) -> np.ndarray:
    """A photo-like uint8 RGB picture: smooth colour fields, shapes and sensor-like noise."""
    rng = np.random.default_rng(seed)
    width, height = size
    from PIL import Image, ImageDraw

    coarse = rng.integers(0, 256, size=(6, 8, 3), dtype=np.uint8)
    image = Image.fromarray(coarse).resize(size, Image.BICUBIC)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        radius = int(rng.integers(10, 120))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=tuple(int(v) for v in rng.integers(0, 256, 3)))
    pixels = np.asarray(image, dtype=np.int16) + rng.normal(0, 6, size=(height, width, 3)).astype(np.int16)
    return np.clip(pixels, 0, 255).astype(np.uint8)


def pillow_photo(path: Path, draft: bool) -> np.ndarray:
    """The plain Pillow loop's work on one photo: float32 (224, 224, 3) in 0..1."""
    from PIL import Image

    with Image.open(path) as image:
        if draft:
            image.draft("RGB", PHOTO_TARGET)
        resized = image.convert("RGB").resize(PHOTO_TARGET, Image.LANCZOS)
    return np.asarray(resized, dtype=np.float32) / 255


def libvips_floor(paths: list[Path]) -> None:
    """Decode each file with libvips and nothing else: the least any libvips loader can cost."""
    import pyvips

    for path in paths:
        image = pyvips.Image.new_from_file(str(path), access="sequential", revalidate=True)
        data = pyvips.Region.new(image).fetch(0, 0, image.width, image.height)
        np.frombuffer(data, dtype=np.uint8)


class LoadersSuite(Suite):
    """Images per second per loader against Pillow and libvips' floor, and the disk cache's second run."""

    name = "loaders"
    description = "image loaders vs a Pillow loop and libvips' floor (digits, photos), disk cache's second run"
    primary = Metric("images_per_second", "images/s", higher_is_better=True)
    secondary = (Metric("first_epoch_seconds", "s"), Metric("cached_epoch_seconds", "s"))
    targets = (
        Target("Vips", 1.5, at_most=False, group=PHOTOS),
        Target("Vips, 1 worker", 1 / 1.5, at_most=False, group=DIGITS_FLOOR),
        Target(SECOND_RUN, 20.0, at_most=False, group=RUNS),
    )
    plot_title = "Images per second per loader (median, min–max)"

    def __init__(self, quick: bool = False) -> None:
        super().__init__(quick)
        self.source = datasets_root()
        self.temporary: Path | None = None
        self.digits: list[Path] = []
        self.photos: list[Path] = []
        self.filled_cache: Path | None = None
        self._registry: Any = None

    def missing(self) -> str | None:
        """The numbers dataset must be there."""
        if not (self.source / "numbers").is_dir():
            return f"the numbers dataset is not in {self.source} (datasets/numbers)"
        return None

    def cases(self) -> list[Case]:
        """Each group's baseline, then its cases."""
        return [
            Case(DIGITS, PILLOW, baseline=True),
            *(Case(DIGITS, name) for name in LOADERS),
            Case(DIGITS_FLOOR, FLOOR, baseline=True),
            Case(DIGITS_FLOOR, "Vips, 1 worker"),
            Case(PHOTOS, PILLOW, baseline=True),
            Case(PHOTOS, PILLOW_DRAFT),
            *(Case(PHOTOS, name) for name in LOADERS),
            Case(RUNS, FIRST_RUN, baseline=True),
            Case(RUNS, SECOND_RUN),
        ]

    def registry(self) -> Any:
        """The installed plugins, discovered once."""
        if self._registry is None:
            from nnplug.registry import Registry

            self._registry = Registry()
        return self._registry

    def unavailable(self, case: Case) -> str | None:
        """Pillow, pyvips or the loader plugin must import."""
        try:
            if case.name.startswith("Pillow"):
                import PIL  # noqa: F401
            elif case.name == FLOOR:
                import pyvips  # noqa: F401
            else:
                plugin = LOADERS.get(case.name, ("Vips", 0))[0]
                if plugin not in self.registry().plugins["data_loader"]:
                    return f"data loader plugin {plugin} is not installed"
                self.registry().load("data_loader", plugin)(dataset="numbers", datasets_path=self.source).make_transforms()
        except Exception as err:
            return str(err).splitlines()[0] if str(err) else type(err).__name__
        return None

    def prepare(self) -> None:
        """Copy the first digits of every class, write the photos, in a temporary folder."""
        self.temporary = Path(tempfile.mkdtemp(prefix="nnplug-bench-"))
        per_class = QUICK_PER_CLASS if self.quick else PER_CLASS
        for folder in sorted(p for p in (self.source / "numbers").iterdir() if p.is_dir()):
            target = self.temporary / "numbers" / folder.name
            target.mkdir(parents=True)
            for image in sorted(folder.glob("*.png"))[:per_class]:
                shutil.copy(image, target / image.name)
        self.digits = sorted((self.temporary / "numbers").glob("*/*.png"))
        from PIL import Image

        count = QUICK_PHOTOS_COUNT if self.quick else PHOTOS_COUNT
        for index in range(count):
            path = self.temporary / "photos" / ("a" if index % 2 else "b") / f"{index:03d}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(synthetic_photo(index, PHOTO_SIZE)).save(path, quality=90)
        self.photos = sorted((self.temporary / "photos").glob("*/*.jpg"))
        if self.quick:  # the second-run group on a small copy too
            for folder in sorted(p for p in (self.source / "numbers").iterdir() if p.is_dir()):
                target = self.temporary / "numbers-runs" / "numbers" / folder.name
                target.mkdir(parents=True)
                for image in sorted(folder.glob("*.png"))[:QUICK_RUN_PER_CLASS]:
                    shutil.copy(image, target / image.name)

    def prepare_case(self, case: Case) -> None:
        """The second run's cache: filled once by a first load."""
        if case.name == SECOND_RUN:
            assert self.temporary is not None
            self.filled_cache = self.temporary / "filled-cache"
            self._command_loader(self.filled_cache).load(0)

    def cleanup(self) -> None:
        """Remove the temporary folder."""
        if self.temporary is not None:
            shutil.rmtree(self.temporary, ignore_errors=True)

    def measure(self, case: Case) -> dict[str, float]:
        """One measurement of ``case`` (see the module docstring)."""
        if case.group == RUNS:
            return self._measure_run(case)
        if case.name == FLOOR:
            start = time.perf_counter()
            libvips_floor(self.digits)
            return {"images_per_second": len(self.digits) / (time.perf_counter() - start)}
        if case.group == PHOTOS:
            if case.name.startswith("Pillow"):
                start = time.perf_counter()
                np.stack([pillow_photo(path, draft=case.name == PILLOW_DRAFT) for path in self.photos])
                return {"images_per_second": len(self.photos) / (time.perf_counter() - start)}
            plugin, workers = LOADERS[case.name]
            return self._measure_loader(plugin, workers, "photos", {"resize": PHOTO_TARGET}, len(self.photos))
        if case.name == PILLOW:
            return self._measure_pillow_digits()
        plugin, workers = LOADERS[case.name]
        return self._measure_loader(plugin, workers, "numbers", DIGITS_PREPROCESSING, len(self.digits))

    def _measure_loader(self, plugin: str, workers: int, dataset: str, preprocessing: dict, count: int) -> dict[str, float]:
        options = {"dataset": dataset, "datasets_path": self.temporary, "max_minibatch_size": 100, "workers": workers, "cache": False}
        loader = self.registry().create("data_loader", plugin, {**options, **preprocessing})
        start = time.perf_counter()
        loader.load(0)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        for _ in loader.minibatches("training", 1):
            pass
        cached = time.perf_counter() - start
        return {"images_per_second": count / loaded, "first_epoch_seconds": loaded + cached, "cached_epoch_seconds": cached}

    def _measure_pillow_digits(self) -> dict[str, float]:
        from nnplug_bench.suites.pillow_baseline import load_all

        start = time.perf_counter()
        pixels = load_all(self.digits, (28, 28))
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        order = np.random.default_rng(1).permutation(int(len(pixels) * 0.7))
        for begin in range(0, len(order), 100):
            np.ascontiguousarray(pixels[order[begin : begin + 100]], dtype=np.float32)
        cached = time.perf_counter() - start
        return {"images_per_second": len(self.digits) / loaded, "first_epoch_seconds": loaded + cached, "cached_epoch_seconds": cached}

    def _runs_root(self) -> Path:
        assert self.temporary is not None
        return self.temporary / "numbers-runs" if self.quick else self.source

    def _command_loader(self, cache_dir: Path) -> Any:
        options = {"dataset": "numbers", "datasets_path": self._runs_root(), "cache_dir": cache_dir, **COMMAND_PREPROCESSING}
        return self.registry().create("data_loader", "Vips", options)

    def _measure_run(self, case: Case) -> dict[str, float]:
        assert self.temporary is not None
        empty = Path(tempfile.mkdtemp(prefix="cache-", dir=self.temporary))
        loader = self._command_loader(self.filled_cache if case.name == SECOND_RUN and self.filled_cache else empty)
        start = time.perf_counter()
        loader.load(0)
        seconds = time.perf_counter() - start
        shutil.rmtree(empty, ignore_errors=True)
        if case.name == SECOND_RUN and loader.cache.decoded:
            raise RuntimeError(f"the second run decoded {loader.cache.decoded} images")
        return {"images_per_second": len(loader.sources) / seconds}

    def notes(self) -> list[str]:
        """The data of each group."""
        per_class = QUICK_PER_CLASS if self.quick else PER_CLASS
        run_images = 10 * (QUICK_RUN_PER_CLASS if self.quick else RUN_PER_CLASS)
        return [
            f"{DIGITS}: {len(self.digits)} PNG digits (the first {per_class} per class of datasets/numbers); grayscale, trim, "
            "min-max, adaptive invert, resize 28x28; loaders without disk cache, default workers (one thread per core) unless said",
            f"{DIGITS_FLOOR}: the floor is libvips' new_from_file + one region fetch per file, one thread",
            f"{PHOTOS}: {len(self.photos)} synthetic 640x480 JPEG photos (quality 90) resized to 224x224 RGB",
            f"{RUNS}: Vips loader's load with --grayscale --resize=28,28 on {run_images} digits, empty vs filled disk cache",
        ]

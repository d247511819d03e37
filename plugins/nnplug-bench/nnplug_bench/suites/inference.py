"""``inference``: ONNX Runtime against torch eager on the segmentation networks, by batch size.

Each network (BlobNet, the shipped model's architecture, and U2-NetP's shape) runs at 320×320 on
CPU at batch sizes 1, 4 and 8, as a torch module in eager mode (``inference_mode``) and as an
ONNX file in ONNX Runtime (the shipped ``models/blobnet.onnx``; U2-NetP exported by the
project's exporter; all graph optimizations, intra-op threads as ``--threads``). One measurement follows the reference method: a few timed batches
(at least 2, up to 20 or half a second), their 10%-trimmed mean; FPS = batch size / that time.

End to end, ``bin/infer``'s run (the OnnxRuntime inference engine with the shipped blobnet, as the
command runs it) segments the shipped samples (repeated to 32 images) with each image backend,
writing masks and cut-outs, with and without the side-by-side figures: images per second of the
whole run, and the ratio with figures / without (goal ≥ 0.8).
"""
from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from nnplug_bench.statistics import summarize
from nnplug_bench.suite import Case, Metric, Suite, Target

TORCH, ORT = "torch eager", "onnxruntime"
WITHOUT_FIGURES, WITH_FIGURES = "bin/infer without figures", "bin/infer with figures"
END_TO_END = "bin/infer end to end, shipped samples"
BACKENDS = ("Vips", "ImageMagick")


class InferenceSuite(Suite):
    """Frames per second of ONNX Runtime and torch eager, per network and batch size."""

    name = "inference"
    description = "segmentation FPS, ONNX Runtime vs torch eager, by batch size (CPU)"
    primary = Metric("fps", "images/s", higher_is_better=True)
    secondary = (Metric("ms_per_batch", "ms"), Metric("ms_std", "ms"))
    targets = (Target(ORT, 1.5, at_most=False, group="BlobNet (shipped), batch 1"),
               Target(ORT, 1.5, at_most=False, group="U2-NetP-shaped, batch 1"),
               *(Target(WITH_FIGURES, 0.8, at_most=False, group=f"{END_TO_END} ({backend})") for backend in BACKENDS))
    plot_x = "batch_size"
    plot_title = "Segmentation FPS vs batch size per runtime (CPU, median, min–max)"

    def __init__(self, quick: bool = False) -> None:
        super().__init__(quick)
        self.size = 64 if quick else 320
        self.batch_sizes = (1, 2) if quick else (1, 4, 8)
        self.min_seconds = 0.0 if quick else 0.5
        self.directory: Path | None = None
        self.torch_modules: dict[str, object] = {}
        self.sessions: dict[str, object] = {}
        self.inputs: dict[int, object] = {}
        self.samples: Path | None = None

    def missing(self) -> str | None:
        """torch, onnxruntime and the segmentation scripts must be there."""
        for module in ("torch", "onnxruntime", "onnx"):
            try:
                __import__(module)
            except ImportError:
                return f"{module} is not installed"
        from nnplug_bench.suites.segmentation_models import scripts

        try:
            scripts()
        except ImportError as err:
            return f"the segmentation networks (nnplug_onnx.segmentation, plugin nnplug-onnx) cannot be imported ({err})"
        return None

    def cases(self) -> list[Case]:
        """Torch eager (baseline) and ONNX Runtime per network and batch size."""
        from nnplug_bench.suites.segmentation_models import models

        runtimes = [
            Case(f"{model.title}, batch {batch}", runtime, baseline=runtime == TORCH, params=(("batch_size", batch), ("family", model.title)))
            for model in models(self.quick)
            for batch in self.batch_sizes
            for runtime in (TORCH, ORT)
        ]
        end_to_end = [
            Case(f"{END_TO_END} ({backend})", name, baseline=name == WITHOUT_FIGURES,
                 params=(("batch_size", 1), ("family", f"{END_TO_END} ({backend})"), ("backend", backend)))
            for backend in BACKENDS
            for name in (WITHOUT_FIGURES, WITH_FIGURES)
        ]
        return runtimes + end_to_end

    def unavailable(self, case: Case) -> str | None:
        """End-to-end cases need the inference plugin, the image backend and the shipped model and samples."""
        if case.param("backend") is None:
            return None
        from nnplug.registry import Registry

        from nnplug_bench.paths import repository

        registry = Registry()
        if "OnnxRuntime" not in registry.names("inference_engine"):
            return "the OnnxRuntime inference engine (nnplug-onnxruntime) is not installed"
        if case.param("backend") not in registry.names("image_backend"):
            return f"image backend {case.param('backend')} is not installed"
        if not (repository() / "models" / "blobnet.onnx").is_file() or not (repository() / "datasets" / "segmentation").is_dir():
            return "the shipped models/blobnet.onnx or datasets/segmentation is missing"
        return None

    def prepare(self) -> None:
        """The input batches and a temporary folder for the ONNX files."""
        import numpy as np

        from nnplug_bench.paths import repository

        self.directory = Path(tempfile.mkdtemp(prefix="nnplug-bench-"))
        shipped = sorted((repository() / "datasets" / "segmentation" / "images").glob("*"))
        self.samples = self.directory / "samples"
        self.samples.mkdir()
        for index in range(2 if self.quick else 32):  # symbolic links: the same files, decoded afresh each time
            source = shipped[index % len(shipped)] if shipped else None
            if source is not None:
                (self.samples / f"{index:03d}{source.suffix}").symlink_to(source)
        rng = np.random.default_rng(0)
        for batch in self.batch_sizes:
            self.inputs[batch] = rng.standard_normal((batch, 3, self.size, self.size)).astype(np.float32)

    def prepare_case(self, case: Case) -> None:
        """Build the case's network (once per network); for ONNX Runtime, export it and open a session."""
        import torch

        from nnplug_bench.suites.segmentation_models import export, models, scripts, shipped_file

        if case.param("backend") is not None:
            return
        family = case.param("family")
        index, model = next((i, m) for i, m in enumerate(models(self.quick)) if m.title == family)
        shipped = shipped_file(model, self.size)
        if family not in self.torch_modules and (case.name == TORCH or shipped is None):
            blobnet, u2net, _ = scripts()
            torch.manual_seed(index)
            self.torch_modules[family] = model.build(blobnet, u2net)
        if case.name == ORT and family not in self.sessions:
            path = shipped or export(self.torch_modules[family], self.directory / f"{index}.onnx", self.size)
            self.sessions[family] = _session(path)

    def cleanup(self) -> None:
        """Remove the temporary folder."""
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)

    def measure(self, case: Case) -> dict[str, float]:
        """Time a few batches; FPS from their trimmed mean (end to end: one whole bin/infer run)."""
        if case.param("backend") is not None:
            return self._end_to_end(case)
        import torch

        batch = case.param("batch_size")
        family = case.param("family")
        x = self.inputs[batch]
        if case.name == TORCH:
            module = self.torch_modules[family]
            tensor = torch.from_numpy(x)

            def run() -> None:
                with torch.inference_mode():
                    module(tensor)
        else:
            session = self.sessions[family]

            def run() -> None:
                session.run(x)

        times = []
        started = time.perf_counter()
        while len(times) < 2 or (time.perf_counter() - started < self.min_seconds and len(times) < 20):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        summary = summarize(times, 0.1)
        return {"fps": batch / summary.trimmed_mean, "ms_per_batch": 1000 * summary.trimmed_mean, "ms_std": 1000 * summary.std}

    def _end_to_end(self, case: Case) -> dict[str, float]:
        """One bin/infer run over the samples, as the command runs it (outputs written, then removed)."""
        from nnplug.inference_engine import InferenceRequest
        from nnplug.registry import Registry

        from nnplug_bench.paths import repository
        from nnplug_bench.threads import onnxruntime_threads

        assert self.directory is not None and self.samples is not None
        registry = Registry()
        engine = registry.create("inference_engine", "OnnxRuntime", {})
        backend = registry.create("image_backend", case.param("backend"), {})
        output = self.directory / "outputs"
        request = InferenceRequest(
            inputs=[str(self.samples)], models_path=repository() / "models", output_dir=output, figures=case.name == WITH_FIGURES,
            progress=False, threads=onnxruntime_threads(),
        )
        started = time.perf_counter()
        result = engine.run(request, backend, registry)
        seconds = time.perf_counter() - started
        shutil.rmtree(output, ignore_errors=True)
        return {"fps": result.processed / seconds, "ms_per_batch": 1000 * seconds / max(result.processed, 1), "ms_std": 0.0}

    def notes(self) -> list[str]:
        """What ran."""
        return [
            f"end to end: bin/infer's OnnxRuntime engine, shipped blobnet, {2 if self.quick else 32} images (the shipped samples "
            "repeated), masks and cut-outs written; ms_per_batch is ms per image there",
            f"input {self.size}x{self.size}, CPU; torch runs the scripts/segmentation modules (random weights); ONNX Runtime the shipped "
            "models/blobnet.onnx and U2-NetP exported by scripts/segmentation/export.py (batch norm folded)"
        ]


def _session(path: Path):
    """The project's ONNX Runtime session on ``path`` (threads from ``--threads``)."""
    from nnplug_bench.threads import onnxruntime_threads

    try:
        from nnplug_onnxruntime.session import OrtSession
    except ImportError:
        OrtSession = None
    if OrtSession is not None:
        return OrtSession(path, threads=onnxruntime_threads())
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = onnxruntime_threads()
    session = ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])

    class _Plain:
        def run(self, batch):
            return session.run(None, {session.get_inputs()[0].name: batch})[0]

    return _Plain()

"""Contract checks of inference engine plugins: what ``bin/infer`` relies on when it runs one."""
from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from nnplug.errors import NnplugError
from nnplug.image_backend import ImageBackend
from nnplug.inference_engine import InferenceEngine, InferenceRequest
from nnplug.testing.image_dataset import make_image_dataset
from nnplug.testing.instances import display_name, plugin_factory


class InferenceEngineContract:
    """Runs the inference engine checks on one engine instance.

    Args:
        engine: the engine to check.
        image_backend: the image backend handed to ``run``.
        request: a request the engine can run (its model and settings); None: only the failure
            checks run, since which models an engine runs is its own business.
    """

    def __init__(self, engine: InferenceEngine, image_backend: ImageBackend, request: InferenceRequest | None = None) -> None:
        self.engine = engine
        self.backend = image_backend
        self.request = request
        self.name = display_name(engine)

    def fail(self, message: str) -> None:
        """Raise the AssertionError of a broken contract, naming the engine."""
        raise AssertionError(f"inference engine {self.name}: {message}")

    def check_no_readable_image(self) -> None:
        """A run whose only input is not an image fails with a one-line NnplugError and writes nothing."""
        with tempfile.TemporaryDirectory() as folder:
            text = Path(folder) / "notes.png"
            text.write_text("not an image\n")
            output = Path(folder) / "outputs"
            request = dataclasses.replace(self.request or InferenceRequest(), inputs=[str(text)], output_dir=output, progress=False, display=False)
            try:
                self.engine.run(request, self.backend, None)
            except NnplugError as err:
                if "\n" in str(err).strip() or not str(err).strip():
                    self.fail(f"the NnplugError of a run without readable image must be one line, got {str(err)!r}")
            except Exception as err:  # noqa: BLE001 - anything else would be a traceback for a user error
                self.fail(f"a run without readable image must raise NnplugError (one line for the user), not {type(err).__name__}: {err}")
            else:
                self.fail("a run whose only input is not an image must fail with NnplugError")
            if output.exists():
                self.fail(f"a failed run must write nothing, but {output} was created")

    def check_run(self) -> None:
        """The request runs: outputs under its output folder, a summary of one-line strings."""
        if self.request is None:
            return
        with tempfile.TemporaryDirectory() as folder:
            inputs = self.request.inputs or [str(make_image_dataset(Path(folder), "images", per_class=2, size=(16, 16)))]
            output = Path(folder) / "outputs"
            request = dataclasses.replace(self.request, inputs=inputs, output_dir=output, progress=False, display=False)
            result = self.engine.run(request, self.backend, None)
            lines = result.describe() if hasattr(result, "describe") else None
            if not isinstance(lines, list) or not lines or not all(isinstance(l, str) and l and "\n" not in l for l in lines):
                self.fail(f"run() must return a result whose describe() is a non-empty list of one-line strings, got {lines!r}")
            if not output.is_dir() or not any(output.iterdir()):
                self.fail(f"run() wrote nothing under the request's output folder {output}")

    def run(self) -> None:
        """Every inference engine check, in order."""
        self.check_no_readable_image()
        self.check_run()


def check_inference_engine(
    engine: type[InferenceEngine] | InferenceEngine,
    options: dict[str, Any] | None = None,
    *,
    request: InferenceRequest | None = None,
    image_backend: ImageBackend | None = None,
) -> None:
    """Check that an inference engine honours what ``bin/infer`` relies on; raise AssertionError if not.

    Checks: the engine is built with ``options`` (``bin/infer`` gives none); a run whose only
    input is not an image raises a one-line ``NnplugError`` and leaves no output folder; with
    ``request``, a run writes its outputs under the request's output folder and returns a result
    whose ``describe()`` is a list of one-line strings.

    Args:
        engine: the engine class, or an instance.
        options: constructor options when ``engine`` is a class.
        request: a request the engine can run (its model, task, sizes); its inputs, when empty,
            are a generated folder of small red, green and blue images; its output folder is
            a temporary one.
        image_backend: the backend handed to the engine (default: the installed default backend).
    """
    instance = plugin_factory(engine, options, InferenceEngine)()
    if image_backend is None:
        from nnplug.registry import KINDS, Registry

        image_backend = Registry().create("image_backend", KINDS["image_backend"].default, {})
    InferenceEngineContract(instance, image_backend, request).run()

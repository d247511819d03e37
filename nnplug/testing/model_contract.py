"""Contract checks of model plugins: shapes, parameters, gradients, seeds, saving, ONNX export."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from nnplug.loss import Loss
from nnplug.model import Model, Parameter
from nnplug.testing.engines import copy_of, engine_for, to_float
from nnplug.testing.finite_differences import central_difference, one_sided_differences, sample_indices, tolerance_for
from nnplug.testing.instances import display_name, plugin_factory
from nnplug.testing.probe_loss import ProbeLoss


class ModelContract:
    """Runs the model checks on fresh models built by ``factory``; each check raises AssertionError.

    Args:
        factory: builds a new, identically configured (not yet built) model per call.
        sample_shape: shape of one input sample.
        nbr_classes: number of outputs per sample.
        batch_size: samples per test minibatch.
        seed: seed given to ``build`` (and to the test data).
        loss: the loss driving ``backward`` (default: an engine-neutral squared error).
        entries_per_parameter: entries of each parameter compared with finite differences.
        seeded: whether the build seed sets the initial parameters (False for models that
            start from stored weights).
    """

    def __init__(
        self,
        factory: Callable[[], Model],
        sample_shape: tuple[int, ...] = (6,),
        nbr_classes: int = 3,
        batch_size: int = 5,
        seed: int = 0,
        loss: Loss | None = None,
        entries_per_parameter: int = 4,
        seeded: bool = True,
    ) -> None:
        self.factory = factory
        self.seeded = seeded
        self.sample_shape = tuple(sample_shape)
        self.nbr_classes = nbr_classes
        self.seed = seed
        self.loss = loss or ProbeLoss()
        self.entries_per_parameter = entries_per_parameter
        rng = np.random.default_rng(seed)
        self.x = rng.uniform(0.0, 1.0, size=(batch_size, *self.sample_shape))
        self.y = np.eye(nbr_classes)[rng.integers(0, nbr_classes, size=batch_size)]
        sample = factory()
        self.name = display_name(sample)
        #: the engine the model declares: it converts the test data and reads the model's arrays.
        self.engine = engine_for(sample)

    # -- helpers ---------------------------------------------------------------------------
    def built(self, seed: int | None = None) -> Model:
        """A new model built for the test data with ``seed`` (default: the contract's seed)."""
        model = self.factory()
        model.build(self.sample_shape, self.nbr_classes, self.seed if seed is None else seed)
        return model

    def inputs(self, model: Model) -> tuple[Any, Any]:
        """The test minibatch in the model's engine and dtype (its first parameter's, as the trainer's engine gives float32 or float64)."""
        params = model.parameters()
        like = params[0].value if params else None
        return self.engine.from_numpy(self.x, like=like), self.engine.from_numpy(self.y, like=like)

    def evaluate(self, model: Model) -> np.ndarray:
        """The model's evaluation-mode output on the test minibatch, as numpy."""
        x, _ = self.inputs(model)
        return copy_of(model.forward(x, training=False), self.engine)

    def fail(self, message: str) -> None:
        """Raise the AssertionError of a broken contract, naming the model."""
        raise AssertionError(f"model {self.name}: {message}")

    # -- checks ----------------------------------------------------------------------------
    def check_parameters(self) -> None:
        """Parameters are non-empty, ``Parameter`` objects, uniquely and stably named."""
        model = self.built()
        params = model.parameters()
        if not isinstance(params, list) or not params:
            self.fail("parameters() must return a non-empty list after build")
        names = []
        for param in params:
            if not isinstance(param, Parameter):
                self.fail(f"parameters() returned {type(param).__name__}, not nnplug.Parameter")
            if not isinstance(param.name, str) or not param.name:
                self.fail(f"a parameter has no name ({param.name!r})")
            if not np.issubdtype(copy_of(param.value, self.engine).dtype, np.floating):
                self.fail(f"parameter {param.name!r} is not a floating-point tensor")
            names.append(param.name)
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            self.fail(f"parameter names must be unique, repeated: {', '.join(duplicates)}")
        again = [p.name for p in model.parameters()]
        if again != names:
            self.fail("parameters() must return the same parameters in the same order on every call")

    def check_shapes(self) -> None:
        """Outputs have one row of ``nbr_classes`` finite scores per sample, in both modes."""
        model = self.built()
        x, _ = self.inputs(model)
        expected = (self.x.shape[0], self.nbr_classes)
        for training in (False, True):
            output = self.engine.to_numpy(model.forward(x, training=training))
            if tuple(output.shape) != expected:
                self.fail(f"forward(training={training}) returned shape {tuple(output.shape)}, expected {expected}")
            if not np.all(np.isfinite(output)):
                self.fail(f"forward(training={training}) returned NaN or Inf")

    def check_gradients(self) -> None:
        """``backward`` fills every ``grad`` with the derivative finite differences measure."""
        model = self.built()
        x, y = self.inputs(model)
        output = model.forward(x, training=True)
        cost = self.loss.cost(output, y)
        model.backward(self.loss, output, y, cost)
        params = model.parameters()
        grads = {}
        for param in params:
            if param.grad is None:
                self.fail(f"backward left the gradient of parameter {param.name!r} empty (None)")
            grad = copy_of(param.grad, self.engine)
            if grad.shape != tuple(param.value.shape):
                self.fail(f"gradient of parameter {param.name!r} has shape {grad.shape}, its value {tuple(param.value.shape)}")
            if not np.all(np.isfinite(grad)):
                self.fail(f"gradient of parameter {param.name!r} has NaN or Inf")
            grads[param.name] = grad
        rng = np.random.default_rng(self.seed)

        def current_cost() -> float:
            return to_float(self.loss.cost(model.forward(x, training=True), y), self.engine)

        problems = []
        with model.frozen():
            for param in params:
                tolerance = tolerance_for(self.engine, param.value)
                wrong = []
                for index in sample_indices(tuple(param.value.shape), self.entries_per_parameter, rng):
                    analytic = float(grads[param.name][index])
                    numerical = central_difference(self.engine, param.value, index, current_cost, tolerance.epsilon)
                    if tolerance.agree(analytic, numerical):
                        continue
                    second_look = (
                        central_difference(self.engine, param.value, index, current_cost, tolerance.retry_epsilon),
                        *one_sided_differences(self.engine, param.value, index, current_cost, tolerance.retry_epsilon),
                    )
                    if not any(tolerance.agree(analytic, estimate) for estimate in second_look):
                        wrong.append(f"{list(index)}: analytic {analytic:.6g} vs numerical {numerical:.6g}")
                if wrong:
                    problems.append(f"gradient of parameter {param.name!r} disagrees with finite differences at " + "; ".join(wrong))
        if problems:
            self.fail(" | ".join(problems))

    def check_determinism(self) -> None:
        """The same seed gives the same parameters and outputs; another seed other parameters."""
        first, second = self.built(), self.built()
        a, b = first.state_dict(), second.state_dict()
        for name in a:
            if not np.array_equal(a[name], b[name]):
                self.fail(f"two builds with seed {self.seed} initialize parameter {name!r} differently")
        if not np.array_equal(self.evaluate(first), self.evaluate(second)):
            self.fail(f"two models built with seed {self.seed} give different outputs")
        if not np.array_equal(self.evaluate(first), self.evaluate(first)):
            self.fail("evaluation (training=False) is not repeatable")
        other = self.built(self.seed + 1).state_dict()
        if self.seeded and all(np.array_equal(a[name], other.get(name)) for name in a):
            self.fail(f"build ignores its seed: seeds {self.seed} and {self.seed + 1} give the same parameters")

    def check_state_dict(self) -> None:
        """``state_dict`` holds numpy arrays for every parameter; loading it restores the outputs."""
        source, target = self.built(), self.built(self.seed + 1)
        state = source.state_dict()
        missing = sorted({p.name for p in source.parameters()} - set(state))
        if missing:
            self.fail(f"state_dict lacks parameters {', '.join(missing)}")
        for name, value in state.items():
            if not isinstance(value, np.ndarray):
                self.fail(f"state_dict entry {name!r} is a {type(value).__name__}, not a numpy array")
        target.load_state_dict({k: np.array(v, copy=True) for k, v in state.items()})
        if not np.allclose(self.evaluate(source), self.evaluate(target), rtol=1e-6, atol=1e-7):
            self.fail("after load_state_dict(other.state_dict()) the outputs differ from the other model's")

    def check_checkpoint(self) -> None:
        """A checkpoint saved with ``nnplug.checkpoints`` restores the outputs (when available)."""
        try:
            from nnplug.checkpoints import load_checkpoint, save_checkpoint
        except ImportError:
            return  # checkpoints are not part of this nnplug
        source, target = self.built(), self.built(self.seed + 1)
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.safetensors"
            labels = [f"class{i}" for i in range(self.nbr_classes)]
            save_checkpoint(path, source, {"sample_shape": list(self.sample_shape), "nbr_classes": self.nbr_classes, "labels": labels})
            config = load_checkpoint(path, target)
        if config.get("labels") != labels or tuple(config.get("sample_shape", ())) != self.sample_shape:
            self.fail("a checkpoint round trip loses the configuration (labels, sample_shape)")
        if not np.allclose(self.evaluate(source), self.evaluate(target), rtol=1e-6, atol=1e-7):
            self.fail("a checkpoint round trip changes the outputs")

    def check_onnx_export(self) -> None:
        """Models that export ONNX (``export_onnx`` or an ``nnplug.onnx_exporters`` entry) match onnxruntime."""
        from nnplug.cli.export import exporter_for
        from nnplug.errors import NnplugError

        model = self.built()
        try:
            exporter = exporter_for(model)
        except NnplugError:
            return  # the model does not support ONNX export
        import onnxruntime

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "model.onnx"
            exporter(model, path, self.sample_shape, "float32")
            session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            got = session.run(None, {session.get_inputs()[0].name: self.x.astype(np.float32)})[0]
        expected = self.evaluate(model)
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=1e-3, atol=1e-4):
            difference = np.max(np.abs(got - expected)) if got.shape == expected.shape else f"shape {got.shape} vs {expected.shape}"
            self.fail(f"the exported ONNX graph gives other outputs than the model (max difference {difference})")

    def run(self) -> None:
        """Every model check, in order."""
        self.check_parameters()
        self.check_shapes()
        self.check_gradients()
        self.check_determinism()
        self.check_state_dict()
        self.check_checkpoint()
        self.check_onnx_export()


def check_model(
    model: type[Model] | Model,
    options: dict[str, Any] | None = None,
    *,
    sample_shape: tuple[int, ...] = (6,),
    nbr_classes: int = 3,
    batch_size: int = 5,
    seed: int = 0,
    loss: Loss | None = None,
    entries_per_parameter: int = 4,
    seeded: bool = True,
) -> None:
    """Check that a model plugin honours the model contract; raise AssertionError if not.

    Checks: named unique parameters, output shapes, analytic gradients against finite
    differences (the message names the parameter), determinism under a seed, ``state_dict``
    round trip, checkpoint round trip (:mod:`nnplug.checkpoints`), and ONNX export when the model supports it
    (an ``export_onnx`` method or an ``nnplug.onnx_exporters`` entry point; outputs compared
    through onnxruntime).

    Args:
        model: the model class, or an instance (rebuilt from its class and options for each check).
        options: constructor options when ``model`` is a class.
        sample_shape: shape of one input sample (e.g. ``(3, 8, 8)`` for convolutional models).
        nbr_classes: number of classes.
        batch_size: samples per test minibatch.
        seed: the build seed.
        loss: loss driving backward (default: squared error, engine neutral).
        entries_per_parameter: entries per parameter compared with finite differences.
        seeded: whether different build seeds must give different parameters (False for models
            initialized from stored weights, such as ONNX files).
    """
    factory = plugin_factory(model, options, Model)
    ModelContract(factory, sample_shape, nbr_classes, batch_size, seed, loss, entries_per_parameter, seeded).run()

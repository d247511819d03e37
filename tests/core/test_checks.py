"""Gradient checks and instability checks, on numpy models (correct ones and test-only broken ones)."""
from __future__ import annotations

import logging
from dataclasses import astuple
from typing import ClassVar

import numpy as np
import pytest

from nnplug.arrays import ArrayDataLoader
from nnplug.checks import GradientChecker, GradientCheckError, IncrementalForward
from nnplug.instability import InstabilityChecker, InstabilityError
from nnplug.data_loader import Minibatch
from nnplug.experiment import Experiment, ExperimentOptions
from nnplug.registry import Registry
from nnplug.trainer import Trainer
from nnplug_numpy.engine import NumpyEngine
from nnplug_numpy.layers import Dense, Softmax, Tanh
from nnplug_numpy.losses import CrossEntropy
from nnplug_numpy.models.n_layers import NLayers
from nnplug_numpy.models.numpy_model import NumpyModel


class TanhWithoutDerivative(Tanh):
    """A deliberately wrong layer: its backward forgets the (1 − a²) factor."""

    def backward(self, gradient, input_gradient=True):
        return gradient if input_gradient else None


class NaNInBackward(Tanh):
    """A layer whose forward is right but whose backward produces NaN."""

    def backward(self, gradient, input_gradient=True):
        return np.full_like(gradient, np.nan) if input_gradient else None


class WrongTanhModel(NumpyModel):
    """Dense → broken tanh → dense → softmax (test only)."""

    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def create_layers(self, nbr_classes, dropout_rng):
        return [Dense(6), TanhWithoutDerivative(), Dense(nbr_classes), Softmax()]


class NaNModel(NumpyModel):
    """Dense → tanh with a NaN backward → dense → softmax (test only)."""

    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def create_layers(self, nbr_classes, dropout_rng):
        return [Dense(6), NaNInBackward(), Dense(nbr_classes), Softmax()]


class Blobs(ArrayDataLoader):
    """Three Gaussian blobs of 10 features."""

    def __init__(self, max_minibatch_size: int = 15) -> None:
        rng = np.random.default_rng(7)
        labels = np.repeat(np.arange(3), 30)
        x = rng.normal(size=(3, 10))[labels] + rng.normal(scale=1.5, size=(90, 10))
        super().__init__(x, labels, max_minibatch_size=max_minibatch_size)


def train(model: str, model_options: dict | None = None, **options) -> list[tuple]:
    """Train on the blobs with the trainer; return the per-epoch metrics that must be reproducible."""
    registry = Registry()
    registry.add("data_loader", "Blobs", Blobs)
    registry.add("model", "WrongTanh", WrongTanhModel)
    registry.add("model", "NaNModel", NaNModel)
    options.setdefault("nbr_epochs", 3)
    experiment = Experiment(
        ExperimentOptions(data_loader="Blobs", model=model, optimizer="Adam", **options),
        {"data_loader": {}, "model": model_options or {}, "optimizer": {"learning_rate": 0.01}},
    )
    result = Trainer(registry).run([experiment])[0].repeats[0]
    return [astuple(e)[:5] for e in result.epochs] + [(result.final_dev_accuracy, result.final_dev_cost)]


def minibatch(n: int = 16, features: int = 10, classes: int = 3, seed: int = 0) -> Minibatch:
    """Random inputs and one-hot targets."""
    rng = np.random.default_rng(seed)
    return Minibatch(rng.normal(size=(n, features)), np.eye(classes)[rng.integers(0, classes, n)])


def trained_step(model: NumpyModel, batch: Minibatch) -> None:
    """One training forward and backward (what the trainer does before checking)."""
    loss = CrossEntropy()
    output = model.forward(batch.x, training=True)
    model.backward(loss, output, batch.y, loss.cost(output, batch.y))


def test_a_correct_model_passes_and_nothing_moves() -> None:
    batch = minibatch()
    model = NLayers(layers=[8, 5], dropout_rate=0.3)
    model.build((10,), 3, seed=0)
    trained_step(model, batch)
    state = model.state_dict()
    grads = [p.grad.copy() for p in model.parameters()]
    checker = GradientChecker("exception", samples=3)
    distance = checker.check(model, CrossEntropy(), batch, epoch=1)
    assert distance < 1e-6
    assert len(checker.last_entries) == 3 * len(model.parameters())
    after = model.state_dict()
    assert all(np.array_equal(value, after[name]) for name, value in state.items())
    assert all(np.array_equal(g, p.grad) for g, p in zip(grads, model.parameters()))


def test_incremental_forward_agrees_with_full_forwards_and_skips_earlier_layers() -> None:
    batch = minibatch()
    model = NLayers(layers=[8], dropout_rate=0.3, bias=True)
    model.build((10,), 3, seed=0)
    assert isinstance(model, IncrementalForward)
    trained_step(model, batch)
    first = model.layers[0]
    calls = []
    original_forward = first.forward
    first.forward = lambda x, training: calls.append(1) or original_forward(x, training)
    incremental = GradientChecker("exception", samples=4, seed=3).measure(model, CrossEntropy(), batch)
    assert calls == []  # the first dense layer's matmul is never redone

    class FullForwardsOnly:
        """The same model seen without its incremental hook."""

        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            if name == "forward_after_change":
                raise AttributeError(name)
            return getattr(self.inner, name)

    full = GradientChecker("exception", samples=4, seed=3).measure(FullForwardsOnly(model), CrossEntropy(), batch)
    assert [(e.parameter, e.index) for e in incremental] == [(e.parameter, e.index) for e in full]
    np.testing.assert_allclose([e.numerical for e in incremental], [e.numerical for e in full], rtol=1e-6, atol=1e-9)


def test_a_wrong_backward_is_caught_with_a_per_tensor_breakdown() -> None:
    batch = minibatch()
    model = WrongTanhModel()
    model.build((10,), 3, seed=0)
    trained_step(model, batch)
    with pytest.raises(GradientCheckError) as caught:
        GradientChecker("exception").check(model, CrossEntropy(), batch, epoch=1)
    message = str(caught.value)
    assert "L0_Dense_W[10, 6]" in message and "analytic" in message and "numerical" in message
    assert "agreeing: L2_Dense_W" in message  # the layer after the broken one still gets right gradients
    assert "\n" not in message


def test_the_trainer_stops_on_a_wrong_backward_in_exception_mode() -> None:
    with pytest.raises(GradientCheckError, match="epoch 1"):
        train("WrongTanh", gradient_checks="exception")


def test_warning_mode_logs_and_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="nnplug.checks"):
        assert len(train("WrongTanh", gradient_checks="warning", nbr_epochs=2)) == 3
    assert "gradient check failed at epoch 1" in caplog.text


@pytest.mark.slow
def test_checks_do_not_change_training_results() -> None:
    options = {"model_options": {"layers": [6], "dropout_rate": 0.3}, "nbr_epochs": 4, "gradient_checks_interval": 1}
    checked = train("NLayers", gradient_checks="exception", instability_checks="exception", **options)
    unchecked = train("NLayers", gradient_checks="off", instability_checks="off", **options)
    assert checked == unchecked


def test_float32_models_are_checked_with_relaxed_settings() -> None:
    batch = minibatch(n=50)
    model = NLayers(layers=[8], dtype="float32")
    model.build((10,), 3, seed=0)
    trained_step(model, batch)
    assert GradientChecker("exception", samples=4).check(model, CrossEntropy(), batch, epoch=1) < 1e-2


def test_due_every_interval_on_the_first_minibatch() -> None:
    checker = GradientChecker("warning", interval=25)
    assert [epoch for epoch in range(1, 60) if checker.due(epoch, 0)] == [1, 26, 51]
    assert not checker.due(1, 1)
    assert not GradientChecker("off").due(1, 0)


def test_instability_names_the_layer_and_the_forward_pass() -> None:
    model = NLayers(layers=[4])
    model.build((10,), 3, seed=0)
    InstabilityChecker("exception", NumpyEngine()).watch_every_layer(model)
    batch = minibatch()
    batch.x[0, 0] = np.inf
    with pytest.raises(InstabilityError, match="forward pass at L0_Dense"):
        model.forward(batch.x, training=True)


def test_instability_names_the_layer_and_the_backward_pass() -> None:
    model = NaNModel()
    model.build((10,), 3, seed=0)
    InstabilityChecker("exception", NumpyEngine()).watch_every_layer(model)
    with pytest.raises(InstabilityError, match="backward pass at L1_NaNInBackward"):
        trained_step(model, minibatch())


def test_instability_warning_through_the_trainer(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="nnplug.checks"):
        train("NaNModel", gradient_checks="off", instability_checks="warning", nbr_epochs=1)
    assert "NaN or Inf in the backward pass at L1_NaNInBackward" in caplog.text


def test_converged_model_with_vanishing_gradients_passes():
    """Gradients of 1e-25 against finite differences of exactly 0 are noise, not a failure."""
    from nnplug.checks import disagree

    assert not disagree(np.zeros(4), np.full(4, 1e-25), threshold=1e-5, absolute_tolerance=1e-8)
    assert disagree(np.array([0.0, 1e-3]), np.array([0.0, 2e-3]), threshold=1e-5, absolute_tolerance=1e-8)


def test_a_unit_at_its_kink_is_not_taken_for_a_wrong_gradient() -> None:
    batch = minibatch()
    model = NLayers(layers=[4], batch_norm=False, bias=True, leaky_relu_slope=0.0)
    model.build((10,), 3, seed=0)
    dense = model.layers[0]
    dense.b.value[0] = -(batch.x @ dense.W.value)[0, 0]  # sample 0 enters unit 0's ReLU exactly at 0
    trained_step(model, batch)
    checker = GradientChecker("exception", samples=100)
    entries = checker.measure(model, CrossEntropy(), batch)
    kinked = next(e for e in entries if e.parameter == dense.b.name and e.index == (0,))
    assert abs(kinked.numerical - kinked.analytic) > 1e-4  # the central difference averages the kink's two sides
    assert checker.check(model, CrossEntropy(), batch, epoch=1) < 1e-6  # one side agrees: no error
    kinks = {(e.parameter, e.index) for e in checker.last_entries if e.kink}
    assert (dense.b.name, (0,)) in kinks and all(index[-1] == 0 and name in (dense.W.name, dense.b.name) for name, index in kinks)  # unit 0's

"""Instability checks: cheap detection, and a replay that names the pass and layer an always-on check names.

For a NaN born in each pass (forward, backward, gradient, optimizer update), on both engines, the
default checker (cost and gradients tested once per step, replay on failure) must report exactly
what a check on every activation, gradient and parameter reports; and checking changes nothing.
"""
from __future__ import annotations

import logging
from dataclasses import astuple
from typing import Any, ClassVar

import numpy as np
import pytest

from nnplug.arrays import ArrayDataLoader
from nnplug.data_loader import Minibatch
from nnplug.experiment import Experiment, ExperimentOptions
from nnplug.instability import InstabilityChecker, InstabilityError
from nnplug.registry import Registry
from nnplug.trainer import Trainer
from nnplug_numpy.engine import NumpyEngine
from nnplug_numpy.layers import BatchNormalization, Dense, Dropout, Softmax, Tanh
from nnplug_numpy.losses import CrossEntropy
from nnplug_numpy.models.numpy_model import NumpyModel
from nnplug_numpy.optimizers.adam import Adam

NAN = float("nan")


# ----- numpy layers and an optimizer that produce a NaN in one pass (test only)
class NaNInForward(Tanh):
    """Right backward, NaN activations."""

    def forward(self, x, training):
        return np.full_like(super().forward(x, training), np.nan)


class NaNInBackward(Tanh):
    """Right forward, NaN gradient passed back."""

    def backward_input(self, gradient):
        return np.full_like(gradient, np.nan)


class NaNInGradient(Dense):
    """Right forward and dCost/dInput; one NaN in dCost/dW."""

    def backward_parameters(self, gradient):
        super().backward_parameters(gradient)
        self.W.grad[0, 0] = np.nan


class Broken(NumpyModel):
    """Dense → dropout → batch norm → (a broken or right tanh) → dense → softmax.

    Args:
        broken: which layer misbehaves: forward, backward, gradient or none.
    """

    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(self, broken: str = "none", dtype: str = "float64") -> None:
        super().__init__(dtype)
        self.broken = broken

    def create_layers(self, nbr_classes, dropout_rng):
        activation = {"forward": NaNInForward, "backward": NaNInBackward}.get(self.broken, Tanh)()
        second = NaNInGradient if self.broken == "gradient" else Dense
        return [Dense(6), Dropout(0.3, dropout_rng), BatchNormalization(), activation, second(3), Softmax()]


#: for each pass: the numpy model's broken part, and what both checks must report.
NUMPY_CASES = {
    "forward": ("forward", "forward pass at L3_NaNInForward"),
    "backward": ("backward", "backward pass at L3_NaNInBackward"),
    "gradient": ("gradient", "gradient pass at L4_NaNInGradient_W"),
    "update": ("none", "optimizer update pass at L4_Dense_W"),
}


def batches(n: int = 2, features: int = 10, seed: int = 0) -> list[Minibatch]:
    rng = np.random.default_rng(seed)
    return [Minibatch(rng.normal(size=(16, features)), np.eye(3)[rng.integers(0, 3, 16)], index=i) for i in range(n)]


def numpy_setup(passage: str) -> tuple[Any, Any, Any, Any]:
    broken, _ = NUMPY_CASES[passage]
    model = Broken(broken)
    model.build((10,), 3, seed=0)
    optimizer = NaNAdamOn("L4_Dense_W") if passage == "update" else Adam()
    optimizer.build(model.parameters())
    return model, CrossEntropy(), optimizer, NumpyEngine()


class NaNAdamOn(Adam):
    """Adam whose update of the parameter named ``target`` leaves a NaN (test only)."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def step(self, epoch):
        super().step(epoch)
        next(p for p in self.parameters if p.name == self.target).value[0, 0] = np.nan


def always_on(model, loss, optimizer, engine, steps: list[Minibatch]) -> str:
    """The reference: every activation, gradient and parameter tested as it is computed."""
    checker = InstabilityChecker("exception", engine)
    watch = checker.watch_every_layer(model)
    try:
        for batch in steps:
            x, y = engine.from_numpy(batch.x), engine.from_numpy(batch.y)
            output = model.forward(x, training=True)
            cost = loss.cost(output, y)
            watch.check_cost(cost)
            model.backward(loss, output, y, cost)
            watch.check_gradients()
            optimizer.step(1)
            watch.check_parameters()
    except InstabilityError as error:
        return str(error)
    finally:
        model.remove_layer_observer(watch)
    return ""


def cheap(model, loss, optimizer, engine, steps: list[Minibatch], end_of_epoch: bool = True) -> tuple[str, InstabilityChecker]:
    """What the trainer does: cost and gradients tested per step, the parameters at the epoch's end."""
    checker = InstabilityChecker("exception", engine)
    assert model.layer_observers == []  # nothing watches layers while nothing is wrong
    try:
        for batch in steps:
            x, y = engine.from_numpy(batch.x), engine.from_numpy(batch.y)
            output = model.forward(x, training=True)
            cost = loss.cost(output, y)
            model.backward(loss, output, y, cost)
            checker.check_step(model, loss, x, y, engine.scalar(cost))
            optimizer.step(1)
        if end_of_epoch:
            checker.check_parameters(model)
    except InstabilityError as error:
        return str(error), checker
    assert model.layer_observers == []
    return "", checker


@pytest.mark.parametrize("passage", list(NUMPY_CASES))
def test_numpy_replay_names_what_an_always_on_check_names(passage: str) -> None:
    expected = NUMPY_CASES[passage][1]
    reference = always_on(*numpy_setup(passage), batches())
    found, checker = cheap(*numpy_setup(passage), batches())
    assert expected in reference
    assert found == reference
    # the update breaks a parameter without any step being replayed (named from the parameters)
    assert checker.replays == (0 if passage == "update" else 1)


def test_an_update_on_the_last_minibatch_is_caught_at_the_end_of_the_epoch() -> None:
    found, _ = cheap(*numpy_setup("update"), batches(1))
    assert found.endswith("optimizer update pass at L4_Dense_W")
    not_checked, _ = cheap(*numpy_setup("update"), batches(1), end_of_epoch=False)
    assert not_checked == ""  # the end-of-epoch check is what saw it


def test_a_healthy_step_is_never_replayed_and_nothing_watches_layers() -> None:
    model, loss, optimizer, engine = numpy_setup("update")
    optimizer = Adam()
    optimizer.build(model.parameters())
    found, checker = cheap(model, loss, optimizer, engine, batches(3))
    assert found == "" and checker.replays == 0


def test_the_replay_changes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """Gradients, parameters, running statistics and the next dropout mask are as without the replay."""

    def step(check: bool) -> tuple[dict, np.ndarray, np.ndarray]:
        model, loss, _, engine = numpy_setup("gradient")
        batch = batches(1)[0]
        output = model.forward(batch.x, training=True)
        cost = loss.cost(output, batch.y)
        model.backward(loss, output, batch.y, cost)
        if check:
            with caplog.at_level(logging.WARNING, logger="nnplug.checks"):
                InstabilityChecker("warning", engine).check_step(model, loss, batch.x, batch.y, cost)
        grads = model.gradient_arrays()[0].copy()
        following = model.forward(batch.x, training=True)  # draws the next dropout mask
        return model.state_dict(), grads, following

    checked, unchecked = step(True), step(False)
    assert "gradient pass at L4_NaNInGradient_W" in caplog.text
    assert checked[0].keys() == unchecked[0].keys()
    assert all(np.array_equal(checked[0][k], unchecked[0][k]) for k in checked[0])
    np.testing.assert_array_equal(checked[1], unchecked[1])
    np.testing.assert_array_equal(checked[2], unchecked[2])


def test_numpy_gradients_share_one_buffer() -> None:
    model, *_ = numpy_setup("backward")
    (buffer,) = model.gradient_arrays()
    assert sum(param.grad.size for param in model.parameters()) == buffer.size
    assert all(np.shares_memory(param.grad, buffer) for param in model.parameters())


# ----- through the trainer
class Blobs(ArrayDataLoader):
    """Three Gaussian blobs of 10 features."""

    def __init__(self, max_minibatch_size: int = 15) -> None:
        rng = np.random.default_rng(7)
        labels = np.repeat(np.arange(3), 30)
        x = rng.normal(size=(3, 10))[labels] + rng.normal(scale=1.5, size=(90, 10))
        super().__init__(x, labels, max_minibatch_size=max_minibatch_size)


def train(model_options: dict, optimizer: str = "Adam", **options) -> list[tuple]:
    registry = Registry()
    registry.add("data_loader", "Blobs", Blobs)
    registry.add("model", "Broken", Broken)
    registry.add("optimizer", "NaNAdamOn", NaNAdamOn)
    optimizer_options = {"target": "L4_Dense_W"} if optimizer == "NaNAdamOn" else {"learning_rate": 0.01}
    experiment = Experiment(
        ExperimentOptions(data_loader="Blobs", model="Broken", optimizer=optimizer, nbr_epochs=3, gradient_checks="off", **options),
        {"data_loader": {}, "model": model_options, "optimizer": optimizer_options},
    )
    result = Trainer(registry).run([experiment])[0].repeats[0]
    return [astuple(e)[:5] for e in result.epochs] + [(result.final_dev_accuracy, result.final_dev_cost)]


@pytest.mark.parametrize(("broken", "optimizer", "message"), [
    ("backward", "Adam", "backward pass at L3_NaNInBackward"),
    ("none", "NaNAdamOn", "optimizer update pass at L4_Dense_W"),
])
def test_the_trainer_reports_once_in_warning_mode(caplog, broken: str, optimizer: str, message: str) -> None:
    with caplog.at_level(logging.WARNING, logger="nnplug.checks"):
        train({"broken": broken}, optimizer, instability_checks="warning")
    reports = [r.getMessage() for r in caplog.records if "numerical instability" in r.getMessage()]
    assert reports == [f"numerical instability: NaN or Inf in the {message}"]


def test_the_trainer_stops_in_exception_mode() -> None:
    with pytest.raises(InstabilityError, match="gradient pass at L4_NaNInGradient_W"):
        train({"broken": "gradient"}, instability_checks="exception")


def test_checking_changes_nothing_in_training() -> None:
    assert train({}, instability_checks="exception") == train({}, instability_checks="off")


# ----- torch
def torch_setup(passage: str) -> tuple[Any, Any, Any, Any]:
    """NLayersTorch (12 → 6 → 3, dropout, batch norm) with one module or hook producing a NaN."""
    torch = pytest.importorskip("torch")
    from nnplug_torch.engine import TorchEngine
    from nnplug_torch.losses import CrossEntropyTorch
    from nnplug_torch.models import NLayersTorch
    from nnplug_torch.optimizers import AdamTorch

    class NaNForward(torch.nn.Module):
        def forward(self, x):
            return x * NAN

    class NaNGradient(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, gradient):
            return gradient * NAN

    class NaNBackward(torch.nn.Module):
        def forward(self, x):
            return NaNGradient.apply(x)

    class NaNAdamTorch(AdamTorch):
        def step(self, epoch):
            super().step(epoch)
            with torch.no_grad():
                self.network_weight[0, 0] = NAN

    model = NLayersTorch(layers=[6], dropout_rate=0.3, dtype="float64")
    model.build((10,), 3, seed=0)
    if passage == "forward":
        model.network.l0_leaky_relu = NaNForward()
    elif passage == "backward":
        model.network.l0_leaky_relu = NaNBackward()
    elif passage == "gradient":
        model.network.l1_linear.weight.register_hook(lambda gradient: gradient * NAN)
    optimizer = NaNAdamTorch() if passage == "update" else AdamTorch()
    optimizer.network_weight = model.network.l1_linear.weight
    optimizer.build(model.parameters())
    return model, CrossEntropyTorch(), optimizer, TorchEngine()


TORCH_CASES = {
    "forward": "forward pass at l0_leaky_relu",
    "backward": "backward pass at l0_leaky_relu",
    "gradient": "gradient pass at l1_linear.weight",
    "update": "optimizer update pass at l1_linear.weight",
}


@pytest.mark.parametrize("passage", list(TORCH_CASES))
def test_torch_replay_names_what_an_always_on_check_names(passage: str) -> None:
    reference = always_on(*torch_setup(passage), batches())
    model, *rest = torch_setup(passage)
    found, checker = cheap(model, *rest, batches())
    assert TORCH_CASES[passage] in reference
    assert found == reference
    assert model._hooks is None  # the replay's hooks are gone


def test_torch_replay_restores_gradients_and_statistics() -> None:
    model, loss, _, engine = torch_setup("gradient")
    batch = batches(1)[0]
    x, y = engine.from_numpy(batch.x), engine.from_numpy(batch.y)
    output = model.forward(x, training=True)
    cost = loss.cost(output, y)
    model.backward(loss, output, y, cost)
    grads = [engine.to_numpy(g).copy() for g in model.gradient_arrays()]
    state = model.state_dict()
    with pytest.raises(InstabilityError):
        InstabilityChecker("exception", engine).check_step(model, loss, x, y, engine.scalar(cost))
    for before, after in zip(grads, model.gradient_arrays()):
        np.testing.assert_array_equal(before, engine.to_numpy(after))
    after_state = model.state_dict()
    assert all(np.array_equal(state[k], after_state[k]) for k in state)


def test_a_gradient_rebound_by_a_layer_is_still_tested() -> None:
    model, *_ = numpy_setup("backward")
    model.parameters()[0].grad = np.full_like(model.parameters()[0].value, np.nan)  # not written into the buffer
    assert len(model.gradient_arrays()) == len(model.parameters())
    assert not InstabilityChecker("exception", NumpyEngine()).gradients_finite(model)


def test_torch_gradients_share_one_buffer_even_after_code_replaces_one() -> None:
    model, loss, _, engine = torch_setup("none")
    batch = batches(1)[0]
    x, y = engine.from_numpy(batch.x), engine.from_numpy(batch.y)
    for _ in range(2):
        output = model.forward(x, training=True)
        model.backward(loss, output, y, loss.cost(output, y))
        (buffer,) = model.gradient_arrays()
        assert sum(p.grad.numel() for p in model.parameters()) == buffer.numel()
        assert all(p.grad.data_ptr() >= buffer.data_ptr() for p in model.parameters())
        model.parameters()[0].grad = None  # what zero_grad(set_to_none=True) does: the next backward restores the view
    assert len(model.gradient_arrays()) == len(model.parameters()) - 1


def test_torch_checking_changes_nothing_in_training() -> None:
    pytest.importorskip("torch")

    def run(checks: str) -> list[tuple]:
        registry = Registry()
        registry.add("data_loader", "Blobs", Blobs)
        experiment = Experiment(
            ExperimentOptions(data_loader="Blobs", model="NLayersTorch", optimizer="AdamTorch", nbr_epochs=2, gradient_checks="off", instability_checks=checks),
            {"data_loader": {}, "model": {"layers": [6], "dropout_rate": 0.3}, "optimizer": {"learning_rate": 0.01}},
        )
        result = Trainer(registry).run([experiment])[0].repeats[0]
        return [astuple(e)[:5] for e in result.epochs]

    assert run("exception") == run("off")

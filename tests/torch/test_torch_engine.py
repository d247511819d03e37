"""The torch engine through the trainer: learning, parameters, gradient and instability checks, bad options."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from nnplug import NnplugError
from nnplug.checks import GradientCheckError, GradientChecker
from nnplug.instability import InstabilityError
from nnplug.cli.errors import run_guarded
from nnplug.cli.train import run_train
from nnplug.data_loader import Minibatch

TORCH_PARTS = ["--loss=CrossEntropyTorch", "--accuracy=ClassesTorch"]


def test_nlayers_torch_learns_with_dropout_and_passes_gradient_checks(train):
    (result,) = train([
        "--model=NLayersTorch", "--layers=8", "--dropout-rate=0.2", "--optimizer=AdamTorch", "--learning-rate=0.01",
        "--nbr-epochs=12", "--gradient-checks=exception", "--gradient-checks-interval=4", *TORCH_PARTS,
    ])
    costs = train.curve(result)
    assert costs[-1] < 0.7 * costs[0]
    assert result.repeats[0].final_dev_accuracy > 0.8


def test_gradient_checks_do_not_change_training(train):
    args = ["--model=NLayersTorch", "--layers=6", "--dropout-rate=0.3", "--optimizer=SGDTorch", "--momentum=0.5",
            "--learning-rate=0.1", "--nbr-epochs=3", *TORCH_PARTS]
    (checked,) = train([*args, "--gradient-checks=exception", "--gradient-checks-interval=1"])
    (unchecked,) = train([*args, "--gradient-checks=off"])
    assert train.curve(checked) == train.curve(unchecked)


def _built(registry, **options):
    model = registry.create("model", "NLayersTorch", options)
    model.build((12,), 3, seed=3)
    return model


def _minibatch(size=16):
    rng = np.random.default_rng(0)
    return Minibatch(rng.uniform(size=(size, 12)), np.eye(3)[rng.integers(0, 3, size)])


def test_parameters_wrap_the_torch_tensors(registry):
    model = _built(registry, layers=[5], bias=True)
    names = [p.name for p in model.parameters()]
    assert names == ["l0_linear.weight", "l0_linear.bias", "l0_batch_norm.weight", "l0_batch_norm.bias",
                     "l1_linear.weight", "l1_linear.bias", "l1_batch_norm.weight", "l1_batch_norm.bias"]
    assert [p.decay for p in model.parameters()][:3] == [True, False, False]
    loss = registry.create("loss", "CrossEntropyTorch", {})
    batch = _minibatch()
    output = model.forward(torch.from_numpy(batch.x), training=True)  # torch inputs too
    model.backward(loss, output, batch.y, loss.cost(output, batch.y))
    weight = model.parameters()[0]
    assert weight.grad is weight.tensor.grad and weight.grad.shape == (5, 12)
    weight.value[0, 0] += 1.0  # the checker writes through value
    assert float(weight.tensor[0, 0]) == float(weight.value[0, 0])


def test_gradient_checker_catches_a_wrong_torch_gradient(registry):
    model = _built(registry, layers=[4], dropout_rate=0.5)
    loss = registry.create("loss", "CrossEntropyTorch", {})
    batch = _minibatch()
    output = model.forward(batch.x, training=True)
    model.backward(loss, output, batch.y, loss.cost(output, batch.y))
    checker = GradientChecker("exception", samples=3)
    assert checker.check(model, loss, batch, epoch=1) < 1e-6  # dropout masks replayed, batch norm frozen
    running = model.network.l0_batch_norm.running_mean.clone()
    model.parameters()[0].tensor.grad *= 1.5
    with pytest.raises(GradientCheckError, match="l0_linear.weight"):
        checker.check(model, loss, batch, epoch=1)
    assert torch.equal(running, model.network.l0_batch_norm.running_mean)


def test_instability_is_reported_with_the_module_name(registry):
    bad = np.full((10, 12), np.nan)
    from nnplug.instability import InstabilityChecker
    from nnplug_torch.engine import TorchEngine

    model = _built(registry, layers=[4])
    watch = InstabilityChecker("exception", TorchEngine()).watch_every_layer(model)
    with pytest.raises(InstabilityError, match="forward pass at l0_linear"):
        model.forward(bad, training=True)
    model.remove_layer_observer(watch)
    assert model._hooks is None  # no hooks left: no cost without observers
    model.forward(bad, training=True)


def test_observers_see_backward_per_module(registry):
    model = _built(registry, layers=[4])
    seen = []

    class Recorder:
        def before_forward(self, layer): seen.append(("f", layer))
        def after_forward(self, layer, output): pass
        def before_backward(self, layer): seen.append(("b", layer))
        def after_backward(self, layer, gradient): seen.append(("g", layer))

    model.add_layer_observer(Recorder())
    loss = registry.create("loss", "CrossEntropyTorch", {})
    batch = _minibatch()
    output = model.forward(batch.x, training=True)
    model.backward(loss, output, batch.y, loss.cost(output, batch.y))
    assert [layer for kind, layer in seen if kind == "f"] == model.layer_names()
    assert ("g", "l1_linear") in seen and ("b", "l0_linear") in seen


@pytest.mark.parametrize("args, message", [
    (["--model=NLayersTorch", "--device=cuda"], "no CUDA device"),
    (["--model=NLayersTorch", "--dropout-rate=1.5"], "--dropout-rate must be in [0, 1)"),
    (["--optimizer=AdamTorch"], "--optimizer=AdamTorch computes with engine torch but --model=OneLayer computes with numpy"),
    (["--model=NLayersTorch", "--data-loader=NumpyVips"], "--data-loader=NumpyVips is pinned to engine numpy but --model=NLayersTorch"),
])
def test_bad_torch_options_are_one_line_errors(args, message, capsys, tmp_path):
    if "cuda" in message and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    status = run_guarded(lambda: run_train(["--data-loader=Vips", "--nbr-epochs=1", f"--runs-dir={tmp_path}", *args]), "train", False)
    err = capsys.readouterr().err.strip()
    assert status == 2 and message in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("name, options", [("AdamTorch", {"weight_decay": 0.01}), ("SGDTorch", {"momentum": 0.5, "weight_decay": 0.01})])
def test_update_kernels_compute_the_same_steps_and_state_moves_between_them(registry, name, options):
    """fused (the default), foreach and single-tensor kernels: the same training within float rounding; state resumes across them."""
    loss = registry.create("loss", "CrossEntropyTorch", {})
    batch = _minibatch()
    trained = {}
    for implementation in ("fused", "foreach", "single-tensor"):
        model = _built(registry, layers=[5], dtype="float64")
        optimizer = registry.create("optimizer", name, {**options, "implementation": implementation, "learning_rate": 0.05})
        optimizer.build(model.parameters())
        for _ in range(5):
            output = model.forward(batch.x, training=True)
            model.backward(loss, output, batch.y, loss.cost(output, batch.y))
            optimizer.step(1)
        trained[implementation] = (model.state_dict(), optimizer)
    reference = trained["single-tensor"][0]
    for implementation in ("fused", "foreach"):
        for key, value in trained[implementation][0].items():
            np.testing.assert_allclose(value, reference[key], rtol=1e-9, atol=1e-12, err_msg=f"{implementation} {key}")
    # a state saved by one implementation continues under another (step counters on the right device)
    model = _built(registry, layers=[5], dtype="float64")
    model.load_state_dict(reference)
    resumed = registry.create("optimizer", name, {**options, "implementation": "fused", "learning_rate": 0.05})
    resumed.build(model.parameters())
    resumed.load_state(trained["single-tensor"][1].state())
    output = model.forward(batch.x, training=True)
    model.backward(loss, output, batch.y, loss.cost(output, batch.y))
    resumed.step(1)
    assert all(np.isfinite(value).all() for value in model.state_dict().values())


def test_an_unknown_update_kernel_is_one_line(capsys, tmp_path):
    status = run_guarded(lambda: run_train([
        "--data-loader=Vips", "--nbr-epochs=1", f"--runs-dir={tmp_path}", "--model=NLayersTorch", "--implementation=turbo",
    ]), "train", False)
    err = capsys.readouterr().err.strip()
    assert status == 2 and len(err.splitlines()) == 1 and "turbo" in err and "fused" in err

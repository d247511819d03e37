"""Engine parity: NLayers (numpy) and NLayersTorch, same seeds and minibatches, float64, same curves.

NLayersTorch draws its initial weights like NLayers (same seed, same values); the test still
copies them across (transposed) so that the comparison does not depend on it, and checks the
draws agree. Each engine then validates the other: hand-written backward vs autograd.
"""
from __future__ import annotations

import numpy as np
import pytest

from nnplug.trainer import TrainingObserver

NUMPY = ["--model=NLayers"]
TORCH = ["--model=NLayersTorch", "--loss=CrossEntropyTorch", "--accuracy=ClassesTorch"]
#: (numpy optimizer, torch optimizer, learning rate) pairs that compute the same updates.
OPTIMIZERS = [("Constant", "SGDTorch", 0.3), ("Adam", "AdamTorch", 0.01)]


def numpy_to_torch_names(numpy_names: list[str], torch_names: list[str]) -> dict[str, str]:
    """Pair NLayers tensor names (``L4_Dense_W``) with NLayersTorch ones (``l1_linear.weight``), in order of kind."""
    suffixes = {"W": "linear.weight", "b": "linear.bias", "gamma": "batch_norm.weight", "beta": "batch_norm.bias",
                "running_mean": "batch_norm.running_mean", "running_var": "batch_norm.running_var"}
    pairs = {}
    for suffix, torch_suffix in suffixes.items():
        ours = [n for n in numpy_names if n.endswith(f"_{suffix}") and not (suffix == "W" and "Batch" in n)]
        theirs = [n for n in torch_names if n.endswith(torch_suffix)]
        assert len(ours) == len(theirs), (suffix, ours, theirs)
        pairs.update(zip(ours, theirs))
    return pairs


class CopyInitialWeights(TrainingObserver):
    """Copies the initial tensors of a numpy model into the torch model of the same repeat."""

    def __init__(self, source: dict[str, np.ndarray]) -> None:
        self.source = source

    def repeat_started(self, context) -> None:
        torch_state = context.model.state_dict()
        pairs = numpy_to_torch_names(list(self.source), list(torch_state))
        for numpy_name, torch_name in pairs.items():
            value = self.source[numpy_name]
            value = value.T if value.ndim == 2 else value
            np.testing.assert_allclose(torch_state[torch_name], value, rtol=0, atol=0)  # the same draws already
            torch_state[torch_name] = value
        context.model.load_state_dict(torch_state)


class KeepInitialWeights(TrainingObserver):
    def repeat_started(self, context) -> None:
        self.state = context.model.state_dict()


@pytest.mark.parametrize("optimizers", OPTIMIZERS, ids=[pair[0] for pair in OPTIMIZERS])
@pytest.mark.parametrize("options", [
    ["--layers=10,6", "--batch-norm=true"],
    ["--layers=", "--bias=true", "--batch-norm=false"],
], ids=["hidden-batch-norm", "no-hidden"])
def test_numpy_and_torch_engines_give_the_same_curves(train, options, optimizers):
    numpy_optimizer, torch_optimizer, learning_rate = optimizers
    common = ["--nbr-epochs=4", f"--learning-rate={learning_rate}", "--gradient-checks=off", *options]
    keeper = KeepInitialWeights()
    (numpy_run,) = train([*common, *NUMPY, f"--optimizer={numpy_optimizer}"], observers=[keeper])
    (torch_run,) = train([*common, *TORCH, f"--optimizer={torch_optimizer}"], observers=[CopyInitialWeights(keeper.state)])
    np.testing.assert_allclose(train.curve(torch_run), train.curve(numpy_run), rtol=0, atol=1e-8)
    np.testing.assert_allclose(train.dev_curve(torch_run), train.dev_curve(numpy_run), rtol=0, atol=1e-8)
    assert torch_run.repeats[0].final_dev_accuracy == numpy_run.repeats[0].final_dev_accuracy

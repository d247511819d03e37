"""NLayers' --output: softmax rows, sigmoid values in 0..1, linear (unbounded) outputs; contracts hold for each."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.testing import check_model
from nnplug_numpy.layers import Sigmoid, Softmax
from nnplug_numpy.models.n_layers import NLayers


def outputs(output: str) -> tuple[NLayers, np.ndarray]:
    model = NLayers(layers=[5], output=output, batch_norm=False, initializer="GlorotNormal")
    model.build((4,), 3, seed=0)
    x = np.random.default_rng(0).normal(0, 3, size=(8, 4))
    return model, model.forward(x)


def test_softmax_rows_sum_to_one_and_sigmoids_stay_in_0_1() -> None:
    model, probabilities = outputs("softmax")
    assert isinstance(model.layers[-1], Softmax) and np.allclose(probabilities.sum(axis=1), 1)
    model, values = outputs("sigmoid")
    assert isinstance(model.layers[-1], Sigmoid) and ((values > 0) & (values < 1)).all()


def test_linear_output_ends_at_the_dense_block() -> None:
    model, values = outputs("linear")
    assert [type(layer).__name__ for layer in model.layers][-2:] == ["Dense", "Dropout"]
    assert (values < 0).any() and not np.allclose(values.sum(axis=1), 1)
    assert model.output == "linear"


@pytest.mark.parametrize("output", ["sigmoid", "linear"])
def test_each_output_honours_the_model_contract(output: str) -> None:
    check_model(NLayers, {"layers": [4], "output": output}, nbr_classes=1)


def test_an_unknown_output_is_one_line() -> None:
    with pytest.raises(NnplugError, match="--output"):
        NLayers(output="tanh")

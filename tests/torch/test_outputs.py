"""NLayersTorch's --output matches NLayers' (same seed, same weights, same outputs) and keeps its contract."""
from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnplug.testing import check_model  # noqa: E402
from nnplug_numpy.models.n_layers import NLayers  # noqa: E402
from nnplug_torch.models import NLayersTorch  # noqa: E402


@pytest.mark.parametrize("output", ["softmax", "sigmoid", "linear"])
def test_torch_and_numpy_outputs_agree(output: str) -> None:
    options = {"layers": [6], "output": output, "batch_norm": False, "bias": True}
    numpy_model, torch_model = NLayers(**options), NLayersTorch(**options)
    numpy_model.build((5,), 2, seed=3)
    torch_model.build((5,), 2, seed=3)
    x = np.random.default_rng(1).normal(size=(7, 5))
    expected = numpy_model.forward(x)
    got = torch_model.forward(torch.as_tensor(x)).detach().numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_linear_torch_output_honours_the_model_contract() -> None:
    check_model(NLayersTorch, {"layers": [4], "output": "linear"}, nbr_classes=1)

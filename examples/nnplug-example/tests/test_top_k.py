"""TopK: the accuracy contract and the cases that tell top-2 from top-1."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.testing import check_accuracy
from nnplug_example.top_k import TopK


@pytest.mark.parametrize("top_k", [1, 2, 5])
def test_top_k_honours_the_accuracy_contract(top_k: int) -> None:
    check_accuracy(TopK, {"top_k": top_k})


def test_second_best_counts_for_top_2_only() -> None:
    output = np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])
    target = np.array([[0, 1, 0], [1, 0, 0]])
    assert TopK(top_k=1).measure(output, target) == 0.0
    assert TopK(top_k=2).measure(output, target) == 0.5
    assert TopK(top_k=3).measure(output, target) == 1.0
    assert TopK(top_k=2).predictions(output).tolist() == [0, 2]


def test_k_must_be_positive() -> None:
    with pytest.raises(NnplugError, match="--top-k"):
        TopK(top_k=0)

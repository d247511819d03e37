"""parametrize_with_checks: one pytest test per contract check, skips with reasons, failures naming the plugin."""
from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import nnplug
from nnplug.testing import Checked, parametrize_with_checks, plugin_checks

ROOT = Path(__file__).resolve().parents[2]


class Squares(nnplug.Loss):
    """Squared error for both built-in tasks."""

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("regression", "classification")

    def cost(self, output, target):
        return float(np.mean((output - target) ** 2))

    def gradient(self, output, target):
        return 2 * (output - target) / output.size


class Explodes(Squares):
    """Raises a plugin error of its own inside cost()."""

    def cost(self, output, target):
        raise KeyError("boom")


def test_one_check_per_task_and_contract_method() -> None:
    ids = [check.id for check in plugin_checks(Checked("loss", Squares))]
    assert ids == [
        "Squares-check_value[regression]", "Squares-check_gradient[regression]",
        "Squares-check_value[classification]", "Squares-check_gradient[classification]",
    ]


def test_installed_plugins_are_checked_by_name_with_their_declaration_first() -> None:
    ids = [check.id for check in plugin_checks(Checked("metric", "R2"))]
    assert ids[0] == "R2-check_declaration" and "R2-check_accumulation[regression]" in ids
    (check,) = [c for c in plugin_checks(Checked("loss", "NoSuchLoss"))][1:]
    with pytest.raises(AssertionError, match="loss 'NoSuchLoss' cannot be loaded: unknown loss"):
        check()


def test_a_plugin_crashing_inside_a_check_fails_it_naming_the_plugin() -> None:
    check = plugin_checks(Checked("loss", Explodes))[0]
    with pytest.raises(AssertionError, match=r"loss Explodes \(regression\): cost\(\) raised KeyError: 'boom'"):
        check()


def test_skips_carry_their_reason() -> None:
    decorator = parametrize_with_checks(
        [Checked("loss", Squares, skip={"check_gradient[classification]": "one-hot targets are not smooth here"})],
        skip={"check_value": "values are checked elsewhere"},
    )
    names, params = decorator.args
    assert names == "plugin_check"
    reasons = {param.id: [mark.kwargs["reason"] for mark in param.marks] for param in params}
    assert reasons["Squares-check_gradient[regression]"] == []
    assert reasons["Squares-check_gradient[classification]"] == ["Squares-check_gradient[classification]: one-hot targets are not smooth here"]
    assert reasons["Squares-check_value[regression]"] == ["Squares-check_value[regression]: values are checked elsewhere"]


@parametrize_with_checks(
    [
        Checked("loss", "MeanSquaredError"),
        Checked("metric", "R2"),
        Checked("data_loader", "Tabular", {"datasets_path": ROOT / "datasets"}, {"expected_samples": 442, "expected_labels": ["progression"]}),
        Checked("model", "NLayers", {"layers": [4], "output": "linear"}, {"nbr_classes": 1}),
        Checked("task", "regression"),
    ]
)
def test_built_in_regression_plugins(plugin_check) -> None:
    plugin_check()

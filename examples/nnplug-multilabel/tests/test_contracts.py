"""Every plugin of the package passes nnplug.testing's contract checks, one test per check, none skipped."""
from __future__ import annotations

from nnplug.testing import Checked, parametrize_with_checks
from nnplug_multilabel.binary_cross_entropy import BinaryCrossEntropy
from nnplug_multilabel.color_mixes import COLOURS, ColorMixes
from nnplug_multilabel.micro_f1 import MicroF1
from nnplug_multilabel.task import Multilabel


@parametrize_with_checks(
    [
        Checked("task", Multilabel),
        Checked("data_loader", ColorMixes, {"samples": 60}, check_options={"expected_samples": 60, "expected_labels": COLOURS}),
        Checked("loss", BinaryCrossEntropy),
        Checked("metric", MicroF1),
        Checked("metric", MicroF1, {"threshold": 0.3}),
    ]
)
def test_plugin_contract(plugin_check) -> None:
    plugin_check()

"""Contract checks that any plugin author runs in their own test suite (like scikit-learn's ``check_estimator``).

Each check builds the plugin (from its class and options, or from an instance's class and
options), exercises it through the public nnplug API only, and raises ``AssertionError`` with
a message naming the plugin and what broke (for gradients: the parameter and the entry)::

    from nnplug.testing import check_model, check_optimizer

    def test_my_model_honours_the_contract():
        check_model(MyModel, {"hidden_units": [8]})

    def test_installed_plugin():
        check_plugin("optimizer", "Momentum")

or one test per check, with a documented way to skip one (:func:`parametrize_with_checks`)::

    @parametrize_with_checks([Checked("model", MyModel, skip={"check_onnx_export": "no ONNX form"})])
    def test_contract(plugin_check):
        plugin_check()

This module is part of nnplug's public API, with everything in ``nnplug.__all__``.
"""
from __future__ import annotations

from nnplug.testing.accuracy_contract import check_accuracy
from nnplug.testing.data_loader_contract import check_data_loader
from nnplug.testing.engine_contract import check_engine
from nnplug.testing.executor_contract import check_executor
from nnplug.testing.image_backend_contract import check_image_backend
from nnplug.testing.image_dataset import make_image_dataset
from nnplug.testing.inference_engine_contract import check_inference_engine
from nnplug.testing.loss_contract import check_loss
from nnplug.testing.metric_contract import check_metric
from nnplug.testing.model_contract import check_model
from nnplug.testing.optimizer_contract import check_optimizer
from nnplug.testing.parametrize import Checked, PluginCheck, parametrize_with_checks, plugin_checks
from nnplug.testing.plugin_contract import CHECKS, check_declaration, check_plugin
from nnplug.testing.task_contract import check_task

__all__ = [
    "CHECKS",
    "Checked",
    "PluginCheck",
    "check_accuracy",
    "check_data_loader",
    "check_declaration",
    "check_engine",
    "check_executor",
    "check_image_backend",
    "check_inference_engine",
    "check_loss",
    "check_metric",
    "check_model",
    "check_optimizer",
    "check_plugin",
    "check_task",
    "make_image_dataset",
    "parametrize_with_checks",
    "plugin_checks",
]

"""Every installed plugin, built-in or third-party, honours its kind's contract (``nnplug.testing``).

Parametrized over ``Registry().plugins`` at collection time: a plugin that is broken (its
source unreadable, its import failing, its class not a subclass of its kind's base) fails here
with the registry's reason; it is never skipped.

Some plugins need help from the suite to be exercised at all; the tables below say which, and
why. A plugin missing from them gets the defaults of its kind's check.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from nnplug.inference_engine import InferenceRequest
from nnplug.registry import KINDS, Registry
from nnplug.task import task_of
from nnplug.testing import CHECKS, check_declaration, check_plugin, make_image_dataset
from nnplug.testing.engines import engine_of

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = Registry()
PLUGINS = [(kind, name) for kind in KINDS for name in sorted(REGISTRY.plugins[kind])]
#: the plugins of the kinds that have a contract check.
CHECKED = [(kind, name) for kind, name in PLUGINS if kind in CHECKS]

#: models whose backward only accepts a particular loss (the default drives backward with a squared error).
MODEL_LOSS = {"OneLayer": "CrossEntropy"}
#: models that need options or check settings to run here: OnnxTorch trains the repository's
#: models/one_layer.onnx (flattened 110x110 RGB images, 3 classes), whose weights ignore the seed.
MODEL_SETTINGS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "OnnxTorch": ({"models_path": ROOT / "models", "onnx_model": "one_layer"}, {"sample_shape": (110 * 110 * 3,), "seeded": False, "entries_per_parameter": 2}),
}
#: optimizers that only update their own engine's models get the parameters of this model.
ENGINE_MODEL = {"torch": "NLayersTorch"}
#: inference engines and a request they can run: OnnxRuntime segments with the repository's
#: models/blobnet.onnx (no figures: matplotlib is slow). Other engines get the failure checks only.
ENGINE_REQUESTS = {"OnnxRuntime": InferenceRequest(models_path=ROOT / "models", figures=False)}
#: the tiny dataset data loaders read: 3 classes of 8 noisy 8x8 images.
CLASSES, PER_CLASS = ["red", "green", "blue"], 8
#: data loader options set when the loader has them (small images, one worker: fast and quiet).
LOADER_OPTIONS: dict[str, Any] = {"resize": (8, 8), "workers": 1}
#: regression loaders read the shipped table datasets/diabetes (442 rows, target progression).
TABLE = {"datasets_path": ROOT / "datasets", "dataset": "diabetes"}, {"expected_samples": 442, "expected_labels": ["progression"]}


@pytest.fixture(scope="module")
def datasets_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A datasets folder holding the tiny image dataset ``tiny``."""
    root = tmp_path_factory.mktemp("datasets")
    make_image_dataset(root, "tiny", per_class=PER_CLASS)
    return root


def contract_arguments(kind: str, name: str, datasets_path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(plugin options, check options) to exercise plugin ``name`` of ``kind``."""
    info = REGISTRY.plugins[kind][name]
    takes = {spec.name for spec in info.options}
    if kind == "data_loader" and task_of(REGISTRY.load(kind, name)) == "regression":
        return TABLE
    if kind == "data_loader":
        options = {"datasets_path": datasets_path, "dataset": "tiny", **LOADER_OPTIONS}
        return {k: v for k, v in options.items() if k in takes}, {"expected_samples": len(CLASSES) * PER_CLASS, "expected_labels": CLASSES}
    if kind == "model" and name in MODEL_SETTINGS:
        return MODEL_SETTINGS[name]
    if kind == "model" and name in MODEL_LOSS:
        return {}, {"loss": REGISTRY.create("loss", MODEL_LOSS[name], {})}
    # engines: check_plugin hands its registry to check_engine, whose defaults must name installed plugins that fit
    if kind == "inference_engine" and name in ENGINE_REQUESTS:
        return {}, {"request": ENGINE_REQUESTS[name]}
    if kind == "optimizer":
        engine = engine_of(REGISTRY.load(kind, name))
        if engine in ENGINE_MODEL:
            return {}, {"model": REGISTRY.create("model", ENGINE_MODEL[engine], {})}
    return {}, {}


IDS = [f"{kind}-{name}" for kind, name in PLUGINS]


@pytest.mark.parametrize(("kind", "name"), PLUGINS, ids=IDS)
def test_installed_plugin_is_described_for_help(kind: str, name: str) -> None:
    check_declaration(kind, name, REGISTRY)


@pytest.mark.parametrize(("kind", "name"), CHECKED, ids=[f"{kind}-{name}" for kind, name in CHECKED])
def test_installed_plugin_honours_its_contract(kind: str, name: str, datasets_path: Path) -> None:
    options, check_options = contract_arguments(kind, name, datasets_path)
    check_plugin(kind, name, options, registry=REGISTRY, declaration=False, **check_options)


def test_every_kind_has_an_installed_plugin() -> None:
    missing = [kind for kind in KINDS if not REGISTRY.plugins[kind]]
    assert not missing, f"no installed plugin of kind {', '.join(missing)}"

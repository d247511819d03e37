"""Plugins' declarations (engine, tasks, aliases, engine defaults) read from the source, without importing them."""
from __future__ import annotations

import subprocess
import sys
from typing import ClassVar

import pytest

from nnplug import DataLoader, Engine, Optimizer
from nnplug.introspection import declarations_of_class
from nnplug.registry import Registry


@pytest.fixture(scope="module")
def installed() -> Registry:
    return Registry()


def test_built_in_plugins_declare_their_engine_through_their_bases(installed: Registry) -> None:
    # Adam inherits it from NumpyOptimizer (another module), NLayersTorch from TorchModel
    assert installed.plugins["optimizer"]["Adam"].engine == "numpy"
    assert installed.plugins["model"]["NLayersTorch"].engine == "torch"
    assert installed.plugins["data_loader"]["Vips"].engine == "any"
    assert installed.plugins["data_loader"]["Vips"].tasks == ("classification",)
    assert installed.plugins["engine"]["torch"].declared("defaults")["classification"] == {
        "optimizer": "AdamTorch", "loss": "CrossEntropyTorch", "metric": "ClassesTorch",
    }


@pytest.mark.parametrize(
    ("name", "library", "engine"),
    [("NumpyVips", "Vips", "numpy"), ("TorchVips", "Vips", "torch"),
     ("NumpyImageMagick", "ImageMagick", "numpy"), ("TorchImageMagick", "ImageMagick", "torch")],
)
def test_engine_specific_loader_names_are_aliases_pinning_an_engine(installed: Registry, name: str, library: str, engine: str) -> None:
    info = installed.plugins["data_loader"][name]
    assert info.target == installed.plugins["data_loader"][library].target  # the same class, not a copy
    assert (info.alias_of, info.pinned, info.engine) == (library, {"engine": engine}, engine)
    assert installed.plugins["data_loader"][library].alias_of is None


def test_declarations_are_read_without_importing_the_plugin() -> None:
    code = (
        "import sys\nfrom nnplug.registry import Registry\nr = Registry()\n"
        "assert r.plugins['model']['NLayersTorch'].engine == 'torch'\n"
        "assert r.plugins['data_loader']['TorchVips'].engine == 'torch'\n"
        "assert r.plugins['engine']['torch'].declared('defaults')\n"
        "loaded = [m for m in ('torch', 'nnplug_torch.models', 'nnplug_vips.loaders', 'pyvips') if m in sys.modules]\n"
        "assert not loaded, loaded"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


ENGINE = "numpy"


class Computed(Optimizer):
    """Declares its engine with a name, not a literal."""

    engine: ClassVar[str] = ENGINE

    def build(self, parameters):
        """Nothing."""

    def step(self, epoch):
        """Nothing."""


class Plain(DataLoader):
    """Declares nothing: its engine comes from nowhere."""


class Listed(Engine):
    """An engine whose defaults are a literal."""

    defaults: ClassVar[dict[str, dict[str, str]]] = {"classification": {"loss": "L"}}


def test_a_declaration_must_be_a_literal(installed: Registry) -> None:
    info = Registry({kind: {} for kind in installed.plugins}).add("optimizer", "Computed", Computed)
    assert info.declaration_error == f"{__name__}:Computed: engine must be a literal value, not ENGINE"


def test_a_plugin_without_declarations_says_what_to_write(installed: Registry) -> None:
    info = Registry({kind: {} for kind in installed.plugins}).add("data_loader", "Plain", Plain)
    assert info.engine is None
    assert "declares no engine (add the class attribute engine: ClassVar[str] = " in info.declaration_error


def test_engine_defaults_and_aliases_are_class_declarations() -> None:
    assert declarations_of_class(Listed) == {"defaults": {"classification": {"loss": "L"}}}
    assert declarations_of_class(Plain) == {}

"""Once the package is installed, nnplug finds every plugin by name and each honours its contract."""
from __future__ import annotations

import configparser
import importlib.metadata
from pathlib import Path

import pytest

from nnplug.testing import check_plugin

SETUP = Path(__file__).resolve().parents[1] / "setup.cfg"
KIND_OF_GROUP = {
    "nnplug.optimizers": "optimizer",
    "nnplug.models": "model",
    "nnplug.losses": "loss",
    "nnplug.accuracies": "metric",
}


def declared() -> list[tuple[str, str]]:
    """(kind, name) of every entry point in setup.cfg."""
    config = configparser.ConfigParser()
    config.read(SETUP)
    pairs = []
    for group, kind in KIND_OF_GROUP.items():
        for line in config["options.entry_points"].get(group, "").strip().splitlines():
            pairs.append((kind, line.split("=")[0].strip()))
    return pairs


def installed() -> bool:
    try:
        importlib.metadata.distribution("nnplug-example")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def test_one_plugin_of_each_kind_is_declared() -> None:
    assert sorted(kind for kind, _ in declared()) == sorted(KIND_OF_GROUP.values())


@pytest.mark.skipif(not installed(), reason="nnplug-example is not installed (pip install examples/nnplug-example)")
@pytest.mark.parametrize(("kind", "name"), declared())
def test_installed_plugin_honours_its_contract(kind: str, name: str) -> None:
    check_plugin(kind, name)

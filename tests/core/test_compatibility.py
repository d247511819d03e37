"""Engine-aware defaults and the plugin mixes refused before any data is loaded (nnplug.compatibility)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from nnplug import Engine, Loss, NnplugError
from nnplug.arrays import ArrayDataLoader
from nnplug.cli.arguments import parse_command
from nnplug.cli.plugins import format_plugins
from nnplug.errors import PluginLoadError
from nnplug.registry import Registry
from nnplug.testing import toys


class Other(Engine):
    """A second engine (numpy arrays in float32 underneath)."""

    defaults: ClassVar[dict[str, dict[str, str]]] = {
        "classification": {"optimizer": "OtherDescent", "loss": "OtherEntropy", "metric": "ClassesNumpy"},
    }

    def to_numpy(self, value: Any) -> np.ndarray:
        """The array itself."""
        return np.asarray(value)

    def from_numpy(self, array: np.ndarray, like: Any = None) -> np.ndarray:
        """float32 arrays."""
        return np.asarray(array, dtype=np.float32)


class OtherModel(toys.SoftmaxRegression):
    """The toy model, declared for the other engine."""

    engine: ClassVar[str] = "other"


class OtherDescent(toys.GradientDescent):
    """The toy optimizer, declared for the other engine.

    Args:
        learning_rate: step size.
        weight_decay: L2 factor.
        ascent: climb the cost instead of descending it.
    """

    engine: ClassVar[str] = "other"


class OtherEntropy(toys.CrossEntropy):
    """The toy loss, declared for the other engine."""

    engine: ClassVar[str] = "other"


class JaxModel(toys.SoftmaxRegression):
    """A model of an engine nobody installed."""

    engine: ClassVar[str] = "jax"


class Undeclared(Loss):
    """A loss that says nothing of its engine."""

    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def cost(self, output: Any, target: Any) -> float:
        """Nothing."""
        return 0.0


class Readings(ArrayDataLoader):
    """A regression table (two numbers per sample).

    Args:
        samples: rows.
    """

    tasks: ClassVar[tuple[str, ...]] = ("regression",)

    def __init__(self, samples: int = 20) -> None:
        super().__init__(np.zeros((samples, 2)), np.zeros(samples, dtype=np.int64), ["value"])


class Pinned(ArrayDataLoader):
    """Blobs with an alias pinned to the other engine.

    Args:
        samples: rows.
    """

    aliases: ClassVar[dict[str, dict]] = {"OtherBlobs": {"engine": "other"}}

    def __init__(self, samples: int = 20) -> None:
        rng = np.random.default_rng(0)
        super().__init__(rng.uniform(size=(3 * samples, 4)), np.repeat(np.arange(3), samples), ["a", "b", "c"])


@pytest.fixture
def registry(toy_registry: Registry) -> Registry:
    """The toys (engine numpy), the other engine and its plugins, and loaders of other tasks or with aliases."""
    toy_registry.add("engine", "other", Other)
    toy_registry.add("model", "OtherModel", OtherModel)
    toy_registry.add("model", "JaxModel", JaxModel)
    toy_registry.add("optimizer", "OtherDescent", OtherDescent)
    toy_registry.add("loss", "OtherEntropy", OtherEntropy)
    toy_registry.add("loss", "Undeclared", Undeclared)
    toy_registry.add("data_loader", "Readings", Readings)
    toy_registry.add("data_loader", "Pinned", Pinned)
    toy_registry.add("data_loader", "OtherBlobs", Pinned)
    return toy_registry


def selected(registry: Registry, *args: str) -> dict[str, str]:
    (experiment,) = parse_command(list(args), registry).experiments
    return {kind: experiment.plugin_name(kind) for kind in ("data_loader", "model", "optimizer", "loss", "metric")}


def refusal(registry: Registry, *args: str) -> str:
    with pytest.raises(NnplugError) as raised:
        parse_command(list(args), registry)
    message = str(raised.value)
    assert "\n" not in message
    return message


def test_plugins_not_named_come_from_the_model_engine(registry: Registry) -> None:
    assert selected(registry) == {
        "data_loader": "Vips", "model": "OneLayer", "optimizer": "Adam", "loss": "CrossEntropy", "metric": "ClassesNumpy",
    }
    assert selected(registry, "--model=OtherModel") == {
        "data_loader": "Vips", "model": "OtherModel", "optimizer": "OtherDescent", "loss": "OtherEntropy", "metric": "ClassesNumpy",
    }


def test_named_plugins_win_over_the_engine_defaults(registry: Registry) -> None:
    assert selected(registry, "--model=OtherModel", "--loss=OtherEntropy", "--optimizer=OtherDescent")["optimizer"] == "OtherDescent"


def test_a_plugin_of_another_engine_is_one_line_naming_both_and_what_fits(registry: Registry) -> None:
    message = refusal(registry, "--model=OtherModel", "--loss=CrossEntropy")
    assert message == "--loss=CrossEntropy computes with engine numpy but --model=OtherModel computes with other: losses that fit: OtherEntropy"


def test_an_alias_pinning_another_engine_is_refused(registry: Registry) -> None:
    assert selected(registry, "--data-loader=OtherBlobs", "--model=OtherModel")["data_loader"] == "OtherBlobs"
    assert selected(registry, "--data-loader=Pinned")["data_loader"] == "Pinned"  # the loader itself serves any engine
    message = refusal(registry, "--data-loader=OtherBlobs")
    assert message.startswith("--data-loader=OtherBlobs is pinned to engine other but --model=OneLayer computes with numpy:")
    assert message.endswith("data loaders that fit: Pinned, Vips")  # Readings: another task


def test_a_model_of_another_task_than_the_loader_is_refused(registry: Registry) -> None:
    message = refusal(registry, "--data-loader=Readings")
    assert message.startswith("--model=OneLayer serves classification but --data-loader=Readings gives regression data")


def test_an_engine_that_is_not_installed_is_named(registry: Registry) -> None:
    message = refusal(registry, "--model=JaxModel")
    assert "--model=JaxModel computes with engine 'jax', which is not installed (installed engines: numpy, other)" in message


def test_a_plugin_declaring_no_engine_cannot_be_selected_and_is_listed_broken(registry: Registry) -> None:
    with pytest.raises(PluginLoadError) as raised:
        parse_command(["--loss=Undeclared"], registry)
    assert "--loss=Undeclared cannot be used:" in str(raised.value) and "declares no engine" in str(raised.value)
    listing = format_plugins(registry)
    assert any(line.split()[0] == "Undeclared" and "BROKEN" in line and "declares no engine" in line for line in listing.splitlines() if line.strip())


def test_an_engine_without_a_default_for_the_task_asks_for_the_plugin(registry: Registry) -> None:
    registry.add("model", "OtherRegression", OtherRegression)
    message = refusal(registry, "--model=OtherRegression", "--data-loader=Readings")
    assert message.startswith("engine other (of --model=OtherRegression) has no default optimizer for task regression: name one with --optimizer")


class OtherRegression(OtherModel):
    """The other engine's model, for regression too."""

    tasks: ClassVar[tuple[str, ...]] = ("classification", "regression")


def test_mixes_are_refused_before_the_run_directory_exists(registry: Registry, tmp_path: Path) -> None:
    from nnplug.session import TrainingSession

    with pytest.raises(NnplugError):
        TrainingSession(registry, parse_command(["--model=OtherModel", "--loss=CrossEntropy", f"--runs-dir={tmp_path / 'runs'}"], registry))
    assert not (tmp_path / "runs").exists()


def test_unknown_tracked_parameter_is_refused_before_loading(registry: Registry) -> None:
    registry.add("model", "Named", Named)
    message = refusal(registry, "--model=Named", "--track-layer=L9_Dense_W,4")
    assert message == "--track-layer: --model=Named has no parameter 'L9_Dense_W' (parameters: L0_Dense_W, L0_Dense_b)"
    assert selected(registry, "--model=Named", "--track-layer=L0_Dense_W,4")["model"] == "Named"


class Named(toys.SoftmaxRegression):
    """The toy model, telling its parameter names before build.

    Args:
        scale: scale of the initial weights.
    """

    def parameter_names(self) -> list[str]:
        """Weights and bias of the one layer."""
        return [f"{toys.LAYER}_W", f"{toys.LAYER}_b"]

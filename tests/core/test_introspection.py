"""Plugin options are read from source without importing the plugin's module."""
from __future__ import annotations

import sys
import textwrap

from dataclasses import dataclass
from typing import ClassVar

import pytest

from nnplug import Optimizer
from nnplug.introspection import IntrospectionError, describe_entry_point
from nnplug.registry import KINDS, Registry
from nnplug.options import REQUIRED


@pytest.fixture
def plugin_package(tmp_path, monkeypatch):
    package = tmp_path / "toy_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "base.py").write_text(textwrap.dedent('''
        from nnplug import Optimizer

        class Shared(Optimizer):
            """Shared base."""

            def __init__(self, learning_rate: float = 0.01, weight_decay: float = 0.0) -> None:
                """
                Args:
                    learning_rate: step size.
                    weight_decay: L2 factor.
                """
    '''))
    (package / "heavy.py").write_text(textwrap.dedent('''
        from __future__ import annotations
        from pathlib import Path
        from typing import Literal
        import module_that_does_not_exist  # importing this module would fail
        from nnplug import Model
        from .base import Shared

        class Heavy(Model):
            """A model with every kind of option.

            Longer explanation.
            """

            def __init__(
                self,
                layers: list[int] = [100],
                resize: tuple[int, int] = (110, 110),
                mode: Literal["a", "b"] = "a",
                path: Path = Path("models"),
                ratio: float | None = None,
                name: str = "x",
                needed: int = 0,
            ) -> None:
                """
                Args:
                    layers: hidden layer sizes.
                    resize: width and height.
                """

        class Child(Shared):
            """Inherits its options."""

        class ClassDocumented(Model):
            """Options documented on the class.

            Args:
                size: number of units.
            """

            def __init__(self, size: int = 3) -> None:
                pass

        class ClassDocumentedChild(ClassDocumented):
            """Inherits options documented on its base class."""

        class NoDefault(Model):
            """Required option."""

            def __init__(self, size: int) -> None:
                pass

        class BadHint(Model):
            """Unsupported hint."""

            def __init__(self, size: set[int] = set()) -> None:
                pass
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "toy_pkg"
    for name in [m for m in sys.modules if m.startswith("toy_pkg")]:
        del sys.modules[name]


def test_options_are_read_without_importing(plugin_package):
    described = describe_entry_point(f"{plugin_package}.heavy:Heavy")
    assert f"{plugin_package}.heavy" not in sys.modules
    assert described.description == "A model with every kind of option."
    options = {o.name: o for o in described.options}
    assert options["layers"].default == [100]
    assert options["layers"].help == "hidden layer sizes."
    assert options["resize"].default == (110, 110)
    assert options["mode"].type.choices == ("a", "b")
    assert str(options["path"].default) == "models"
    assert options["ratio"].type.optional


def test_inherited_constructor_options(plugin_package):
    options = {o.name: o for o in describe_entry_point(f"{plugin_package}.heavy:Child").options}
    assert options["learning_rate"].default == 0.01
    assert options["learning_rate"].help == "step size."


def test_inherited_options_keep_the_help_written_on_the_base_class(plugin_package):
    (option,) = describe_entry_point(f"{plugin_package}.heavy:ClassDocumentedChild").options
    assert option.help == "number of units."


def test_required_option(plugin_package):
    (option,) = describe_entry_point(f"{plugin_package}.heavy:NoDefault").options
    assert option.default is REQUIRED


def test_unsupported_hint_is_reported(plugin_package):
    with pytest.raises(IntrospectionError, match="size"):
        describe_entry_point(f"{plugin_package}.heavy:BadHint")


def test_missing_class_is_reported(plugin_package):
    with pytest.raises(IntrospectionError, match="not found"):
        describe_entry_point(f"{plugin_package}.heavy:Nope")


@pytest.fixture
def styles_package(tmp_path, monkeypatch):
    """Plugins written as dataclasses, with **kwargs forwarded to a base, with defaults naming constants."""
    package = tmp_path / "option_styles_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "defaults.py").write_text("SIZE = 7\nRATE: float = 0.25\n")
    (package / "styles.py").write_text(textwrap.dedent('''
        from __future__ import annotations
        import dataclasses
        from dataclasses import dataclass, field
        from typing import ClassVar
        import module_that_does_not_exist  # importing this module would fail
        from nnplug import Model, Optimizer
        from . import defaults
        from .defaults import RATE

        LEARNING_RATE = 0.05
        MOMENTUM: float = 0.9
        COMPUTED = sum([1, 2])
        CHANGED = 1
        CHANGED = 2

        @dataclass
        class Plain(Optimizer):
            """An optimizer written as a dataclass.

            Attributes:
                learning_rate: step size.
                layers: hidden sizes.
            """

            engine: ClassVar[str] = "numpy"
            learning_rate: float = 0.01
            layers: list[int] = field(default_factory=list)
            steps: int = field(default=0, init=False)
            nesterov: bool = False

        @dataclasses.dataclass(kw_only=True)
        class Extended(Plain):
            """Adds an option to its dataclass base."""

            decay: float = 0.5

        class Base(Optimizer):
            """Takes two options."""

            def __init__(self, learning_rate: float = 0.01, weight_decay: float = 0.0) -> None:
                """
                Args:
                    learning_rate: step size.
                    weight_decay: L2 factor.
                """

        class Forwarding(Base):
            """Forwards what it does not know."""

            def __init__(self, momentum: float = 0.9, **kwargs) -> None:
                """
                Args:
                    momentum: inertia.
                """
                super().__init__(**kwargs)

        class Fixing(Base):
            """Sets one of its base's options itself."""

            def __init__(self, momentum: float = 0.9, **kwargs) -> None:
                super().__init__(weight_decay=0.0, **kwargs)

        class ByName(Base):
            """Calls its base by name."""

            def __init__(self, momentum: float = 0.9, **kwargs) -> None:
                Base.__init__(self, 0.1, **kwargs)

        class Keeping(Base):
            """Keeps **kwargs instead of forwarding them."""

            def __init__(self, momentum: float = 0.9, **kwargs) -> None:
                super().__init__()
                self.extra = kwargs

        class Constants(Model):
            """Defaults naming module-level constants."""

            def __init__(self, lr: float = LEARNING_RATE, momentum: float = MOMENTUM, rate: float = RATE,
                         size: int = defaults.SIZE) -> None:
                pass

        class Computed(Model):
            """A default naming a constant that is not a literal."""

            def __init__(self, total: int = COMPUTED) -> None:
                pass

        class Reassigned(Model):
            """A default naming a constant assigned twice."""

            def __init__(self, value: int = CHANGED) -> None:
                pass
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "option_styles_pkg"
    for name in [m for m in sys.modules if m.startswith("option_styles_pkg")]:
        del sys.modules[name]


def options_of(package: str, name: str) -> dict:
    return {o.name: o for o in describe_entry_point(f"{package}.styles:{name}").options}


def test_a_dataclass_plugin_gets_its_fields_as_options(styles_package):
    options = options_of(styles_package, "Plain")
    assert f"{styles_package}.styles" not in sys.modules
    assert list(options) == ["learning_rate", "layers", "nesterov"]  # no ClassVar, no field(init=False)
    assert options["learning_rate"].default == 0.01 and options["learning_rate"].help == "step size."
    assert options["layers"].default == [] and options["layers"].help == "hidden sizes."
    assert options["nesterov"].default is False


def test_a_dataclass_inherits_the_fields_of_its_dataclass_base(styles_package):
    assert list(options_of(styles_package, "Extended")) == ["learning_rate", "layers", "nesterov", "decay"]


@dataclass
class Stepper(Optimizer):
    """A dataclass optimizer.

    Attributes:
        learning_rate: step size.
    """

    engine: ClassVar[str] = "numpy"
    learning_rate: float = 0.01


def test_a_dataclass_plugin_built_by_the_registry_takes_its_options():
    registry = Registry({kind: {} for kind in KINDS})
    registry.add("optimizer", "Stepper", Stepper)
    (option,) = registry.info("optimizer", "Stepper").options
    assert (option.name, option.default, option.help) == ("learning_rate", 0.01, "step size.")
    assert registry.create("optimizer", "Stepper", {"learning_rate": 0.5}).learning_rate == 0.5


def test_kwargs_forwarded_to_the_base_bring_the_base_options(styles_package):
    options = options_of(styles_package, "Forwarding")
    assert list(options) == ["momentum", "learning_rate", "weight_decay"]
    assert options["learning_rate"].help == "step size." and options["momentum"].help == "inertia."


def test_options_the_subclass_sets_itself_are_not_offered(styles_package):
    assert list(options_of(styles_package, "Fixing")) == ["momentum", "learning_rate"]
    assert list(options_of(styles_package, "ByName")) == ["momentum", "weight_decay"]  # learning_rate passed by position


def test_kwargs_not_forwarded_are_one_clear_line(styles_package):
    with pytest.raises(IntrospectionError, match=r"\*\*kwargs is not passed on to the base class .* name each option as an argument") as error:
        describe_entry_point(f"{styles_package}.styles:Keeping")
    assert "\n" not in str(error.value)


def test_a_default_naming_a_module_constant_is_resolved(styles_package):
    options = options_of(styles_package, "Constants")
    assert {name: o.default for name, o in options.items()} == {"lr": 0.05, "momentum": 0.9, "rate": 0.25, "size": 7}
    assert f"{styles_package}.styles" not in sys.modules


@pytest.mark.parametrize("name, written", [("Computed", "COMPUTED"), ("Reassigned", "CHANGED")])
def test_a_constant_that_is_not_a_literal_says_what_to_write(styles_package, name, written):
    with pytest.raises(IntrospectionError, match=f"must be a literal value or a module-level constant set to one .* not {written}") as error:
        describe_entry_point(f"{styles_package}.styles:{name}")
    assert "\n" not in str(error.value)

"""Plugin options are read from source without importing the plugin's module."""
from __future__ import annotations

import sys
import textwrap

import pytest

from nnplug.introspection import IntrospectionError, describe_entry_point
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

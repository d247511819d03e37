"""Contract checks of engine plugins: conversions both ways, scalars, in-place writes, finiteness, defaults."""
from __future__ import annotations

from typing import Any

import numpy as np

from nnplug.engine import ANY_ENGINE, Engine
from nnplug.task import serves
from nnplug.testing.instances import display_name, plugin_factory

#: the plugin kinds an engine may name in its defaults, with the kind each is found in.
DEFAULT_SLOTS = {"optimizer": "optimizer", "loss": "loss", "metric": "metric"}


class EngineContract:
    """Runs the engine checks on ``engine``; each check raises AssertionError naming the engine.

    Args:
        engine: the engine instance.
        registry: the installed plugins its defaults are checked against (None: only their form).
    """

    def __init__(self, engine: Engine, registry: Any = None) -> None:
        self.engine = engine
        self.registry = registry
        self.name = display_name(engine)
        self.rng = np.random.default_rng(0)

    def fail(self, message: str) -> None:
        """Raise the AssertionError of a broken contract, naming the engine."""
        raise AssertionError(f"engine {self.name}: {message}")

    def check_round_trip(self) -> None:
        """``to_numpy(from_numpy(a))`` gives ``a`` back (shape and values, within float32 rounding)."""
        for shape in ((5, 3), (2, 3, 4, 4), (7,)):
            array = self.rng.uniform(-1, 1, size=shape)
            back = np.asarray(self.engine.to_numpy(self.engine.from_numpy(array)))
            if back.shape != shape:
                self.fail(f"to_numpy(from_numpy(a)) changed the shape {shape} into {back.shape}")
            if not np.allclose(back, array, rtol=1e-3, atol=1e-3):
                self.fail("to_numpy(from_numpy(a)) changed the values")
        labels = np.array([0, 2, 1])
        if not np.array_equal(np.asarray(self.engine.to_numpy(self.engine.from_numpy(labels))), labels):
            self.fail("integer arrays do not survive from_numpy then to_numpy")

    def check_like(self) -> None:
        """``from_numpy(a, like=t)`` takes the dtype of the engine array ``t``."""
        like = self.engine.from_numpy(np.zeros((2, 2)))
        made = self.engine.from_numpy(np.ones((3,), dtype=np.float64), like=like)
        if self.engine.dtype_name(made) != self.engine.dtype_name(like):
            self.fail(f"from_numpy(..., like=a {self.engine.dtype_name(like)} array) gave {self.engine.dtype_name(made)}")

    def check_scalar(self) -> None:
        """``scalar`` reads a 0-d and a 1-element engine array as a Python float."""
        for array in (np.array(2.5), np.array([2.5])):
            value = self.engine.scalar(self.engine.from_numpy(array))
            if not isinstance(value, float) or abs(value - 2.5) > 1e-6:
                self.fail(f"scalar(from_numpy({array!r})) gave {value!r}, expected 2.5")

    def check_in_place_writes(self) -> None:
        """``assign`` overwrites a whole array and ``set_entry`` one entry, in place (same object)."""
        target = self.engine.from_numpy(np.zeros((3, 4)))
        values = self.rng.uniform(-1, 1, size=(3, 4))
        self.engine.assign(target, values)
        if not np.allclose(self.engine.to_numpy(target), values, rtol=1e-3, atol=1e-3):
            self.fail("assign(target, values) did not write the values into target")
        self.engine.set_entry(target, (1, 2), 0.75)
        written = np.asarray(self.engine.to_numpy(target))
        if abs(float(written[1, 2]) - 0.75) > 1e-6:
            self.fail(f"set_entry(target, (1, 2), 0.75) left {written[1, 2]}")
        values[1, 2] = 0.75
        if not np.allclose(written, values, rtol=1e-3, atol=1e-3):
            self.fail("set_entry changed other entries than the one it was given")

    def check_finiteness(self) -> None:
        """``all_finite`` is true for finite arrays and false when one entry is NaN or Inf."""
        if not self.engine.all_finite(self.engine.from_numpy(np.ones((2, 3)))):
            self.fail("all_finite says a finite array is not")
        for bad in (np.nan, np.inf):
            array = np.ones((2, 3))
            array[1, 1] = bad
            if self.engine.all_finite(self.engine.from_numpy(array)):
                self.fail(f"all_finite missed a {bad} entry")

    def check_devices(self) -> None:
        """``devices`` lists at least one device, as text."""
        devices = self.engine.devices()
        if not devices or not all(isinstance(d, str) and d for d in devices):
            self.fail(f"devices() must list device names, got {devices!r}")

    def check_defaults(self) -> None:
        """``defaults`` maps tasks to {optimizer, loss, metric: plugin name}; installed ones fit the engine and task."""
        defaults = type(self.engine).defaults
        if not isinstance(defaults, dict):
            self.fail(f"defaults must be a dict {{task: {{slot: plugin name}}}}, got {type(defaults).__name__}")
        for task, plugins in defaults.items():
            if not isinstance(plugins, dict) or not set(plugins) <= set(DEFAULT_SLOTS) or not all(isinstance(v, str) for v in plugins.values()):
                self.fail(f"defaults[{task!r}] must map some of {', '.join(DEFAULT_SLOTS)} to plugin names, got {plugins!r}")
            if self.registry is None:
                continue
            for slot, name in plugins.items():
                info = self.registry.plugins.get(DEFAULT_SLOTS[slot], {}).get(name)
                if info is None:
                    continue  # provided by a distribution not installed here
                if info.engine not in (ANY_ENGINE, self.name):
                    self.fail(f"its default {slot} for {task} is {name}, which computes with engine {info.engine}")
                if info.tasks and not serves(info.tasks, task):
                    self.fail(f"its default {slot} for {task} is {name}, which serves {', '.join(info.tasks)}")

    def run(self) -> None:
        """Every engine check, in order."""
        self.check_round_trip()
        self.check_like()
        self.check_scalar()
        self.check_in_place_writes()
        self.check_finiteness()
        self.check_devices()
        self.check_defaults()


def check_engine(engine: type[Engine] | Engine, options: dict[str, Any] | None = None, *, registry: Any = None) -> None:
    """Check that an engine plugin honours the engine contract; raise AssertionError if not.

    Checks: numpy arrays survive ``from_numpy`` then ``to_numpy`` (floats within float32
    rounding, integers exactly); ``like`` sets the dtype; ``scalar`` reads 0-d and 1-element
    arrays; ``assign`` and ``set_entry`` write in place; ``all_finite`` sees NaN and Inf;
    ``devices`` lists names; ``defaults`` has the form ``{task: {"optimizer"|"loss"|"metric":
    name}}`` and, with a registry, each installed plugin it names fits the engine and the task.

    Args:
        engine: the engine class, or an instance.
        options: constructor options when ``engine`` is a class (engines usually take none).
        registry: installed plugins to check the defaults against (default: none, form only).
    """
    instance = plugin_factory(engine, options, Engine)()
    EngineContract(instance, registry).run()

"""One test per contract check, as scikit-learn's ``parametrize_with_checks`` gives one per estimator check.

::

    from nnplug.testing import Checked, parametrize_with_checks

    @parametrize_with_checks(
        [
            Checked("loss", "MeanSquaredError"),                       # an installed plugin, by name
            Checked("model", TanhMLP, {"hidden_units": [8]}),          # a class and its options
            Checked("data_loader", "Tabular", check_options={"expected_samples": 442},
                    skip={"check_seeds": "the table is too small to shuffle"}),
        ]
    )
    def test_plugin_contract(plugin_check):
        plugin_check()

Each check becomes its own test, named ``<plugin>-<check>`` (``MeanSquaredError-check_gradient[regression]``);
a check listed in ``skip`` (per plugin, or for all plugins in ``parametrize_with_checks(skip=...)``)
is reported as skipped with its reason. A check that fails raises ``AssertionError`` naming the
plugin; anything else a plugin raises inside a check is turned into such a failure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from nnplug.accuracy import Accuracy
from nnplug.data_loader import DataLoader
from nnplug.model import Model
from nnplug.registry import KINDS, Registry
from nnplug.testing.accuracy_contract import AccuracyContract
from nnplug.testing.data_loader_contract import DataLoaderContract
from nnplug.testing.instances import plugin_factory
from nnplug.testing.loss_contract import LossContract, loss_contracts
from nnplug.testing.metric_contract import MetricContract, metric_contracts
from nnplug.testing.model_contract import ModelContract
from nnplug.testing.optimizer_contract import OptimizerContract, optimizer_contract
from nnplug.testing.plugin_contract import CHECKS, KIND_ALIASES, check_declaration


@dataclass(frozen=True)
class Checked:
    """A plugin to check one check at a time.

    Attributes:
        kind: its kind (``"loss"``, ``"metric"``, ``"model"``...).
        plugin: an installed plugin's name, or a plugin class.
        options: constructor options.
        check_options: options of the kind's check (``sample_shape`` for models, ``task`` for losses...).
        skip: check name → reason, for checks that do not apply to this plugin (``check_onnx_export``;
            ``check_gradient[regression]`` skips one task's only).
    """

    kind: str
    plugin: str | type
    options: dict[str, Any] = field(default_factory=dict)
    check_options: dict[str, Any] = field(default_factory=dict)
    skip: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The name tests show: the entry-point name, else the class name."""
        return self.plugin if isinstance(self.plugin, str) else self.plugin.__name__


@dataclass
class PluginCheck:
    """One contract check of one plugin, callable: ``plugin_check()`` runs it."""

    kind: str
    name: str
    check: str
    run: Callable[[], None]
    skip_reason: str | None = None

    @property
    def id(self) -> str:
        """``<plugin>-<check>``: the test id."""
        return f"{self.name}-{self.check}"

    def __call__(self) -> None:
        """Run the check; a plugin raising anything but AssertionError fails it with a message naming the plugin."""
        try:
            self.run()
        except AssertionError:
            raise
        except Exception as err:  # noqa: BLE001 - a plugin's defect is a failure, never a crash of the checker
            raise AssertionError(f"{KINDS[self.kind].title.lower()} {self.name}: {self.check} raised {type(err).__name__}: {err}") from err

    def __repr__(self) -> str:
        return self.id


def _check_names(contract_class: type) -> list[str]:
    """The ``check_*`` methods of a contract class, in definition order (the order ``run`` uses)."""
    return [name for name, value in vars(contract_class).items() if name.startswith("check_") and callable(value)]


def plugin_checks(checked: Checked, registry: Registry | None = None) -> list[PluginCheck]:
    """Every contract check of ``checked``, one :class:`PluginCheck` each, contracts built only when run."""
    kind = KIND_ALIASES.get(checked.kind, checked.kind)
    if kind not in CHECKS:
        raise ValueError(f"no contract check for kind {checked.kind!r} (kinds: {', '.join(CHECKS)})")
    registry = registry or Registry()
    name = checked.name

    def make(check: str, run: Callable[[], None]) -> PluginCheck:
        short = check.partition("[")[0]
        reason = checked.skip.get(check) or checked.skip.get(short)
        return PluginCheck(kind, name, check, run, reason)

    cls: type | None = checked.plugin if isinstance(checked.plugin, type) else None
    checks: list[PluginCheck] = []
    if cls is None:
        checks.append(make("check_declaration", lambda: check_declaration(kind, name, registry)))
        try:
            cls = registry.load(kind, name)
        except Exception as err:  # noqa: BLE001 - unknown, broken or conflicting: every check would fail alike
            message = f"{KINDS[kind].title.lower()} {name!r} cannot be loaded: {err}"

            def cannot_load() -> None:
                raise AssertionError(message)

            return checks + [make("check_loads", cannot_load)]

    def instance() -> Any:
        if isinstance(checked.plugin, str):
            return registry.create(kind, name, dict(checked.options))
        return plugin_factory(checked.plugin, checked.options, KINDS[kind].base_class())()

    options = dict(checked.check_options)
    contracts: dict[str, Any] = {}

    def contract(key: str, build: Callable[[], Any]) -> Any:
        if key not in contracts:
            contracts[key] = build()
        return contracts[key]

    def method(key: str, build: Callable[[], Any], check: str) -> Callable[[], None]:
        return lambda: getattr(contract(key, build), check)()

    if kind == "loss":
        tasks = [options["task"]] if options.get("task") else list(getattr(cls, "tasks", ()) or ("classification",))
        rest = {k: v for k, v in options.items() if k != "task"}
        for task in tasks:
            build = lambda task=task: loss_contracts(instance(), task=task, registry=registry, **rest)[0]  # noqa: E731
            checks += [make(f"{check}[{task}]", method(f"loss-{task}", build, check)) for check in _check_names(LossContract)]
    elif kind == "metric":
        tasks = [options["task"]] if options.get("task") else list(getattr(cls, "tasks", ()) or ("classification",))
        rest = {k: v for k, v in options.items() if k != "task"}
        for task in tasks:
            build = lambda task=task: metric_contracts(instance(), task=task, registry=registry, **rest)[0]  # noqa: E731
            checks += [make(f"{check}[{task}]", method(f"metric-{task}", build, check)) for check in _check_names(MetricContract)]
        if issubclass(cls, Accuracy):
            checks += [make(check, method("accuracy", lambda: AccuracyContract(instance()), check)) for check in _check_names(AccuracyContract)]
    elif kind == "data_loader":
        build = lambda: DataLoaderContract(plugin_factory(instance(), None, DataLoader), registry=registry, **options)  # noqa: E731
        checks += [make(check, method("data_loader", build, check)) for check in _check_names(DataLoaderContract)]
    elif kind == "model":
        build = lambda: ModelContract(plugin_factory(instance(), None, Model), **options)  # noqa: E731
        checks += [make(check, method("model", build, check)) for check in _check_names(ModelContract)]
    elif kind == "optimizer":
        build = lambda: optimizer_contract(instance(), **options)  # noqa: E731
        checks += [make(check, method("optimizer", build, check)) for check in _check_names(OptimizerContract)]
    else:
        checks.append(make(f"check_{kind}", lambda: CHECKS[kind](instance(), **options)))
    return checks


def parametrize_with_checks(plugins: Iterable[Checked], *, skip: dict[str, str] | None = None, registry: Registry | None = None) -> Any:
    """A ``pytest.mark.parametrize`` over every check of every plugin, one test each, argument ``plugin_check``.

    Args:
        plugins: the plugins to check.
        skip: check name → reason, skipped for every plugin (per plugin: :attr:`Checked.skip`).
        registry: where installed plugins are found (default: the installed ones).
    """
    import pytest

    registry = registry or Registry()
    params = []
    for checked in plugins:
        for plugin_check in plugin_checks(checked, registry):
            short = plugin_check.check.partition("[")[0]
            reason = plugin_check.skip_reason or (skip or {}).get(plugin_check.check) or (skip or {}).get(short)
            marks = [pytest.mark.skip(reason=f"{plugin_check.id}: {reason}")] if reason else []
            params.append(pytest.param(plugin_check, id=plugin_check.id, marks=marks))
    return pytest.mark.parametrize("plugin_check", params)

"""Which plugins a run uses, and whether they can work together, decided before any data is loaded.

The run's engine is its model's (the ``engine`` class attribute); its task is its data loader's
(the first of its ``tasks``). Plugins the user did not name come from the engine's
:attr:`~nnplug.engine.Engine.defaults` for that task. Then every selected plugin must compute
with the model's engine (or declare ``"any"``) and serve the task; a mix that cannot work is one
line naming the two plugins and the installed plugins that would fit, before anything is loaded
and before the run directory exists. Everything is read from declarations (no plugin is imported).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nnplug.engine import ANY_ENGINE
from nnplug.errors import NnplugError, PluginLoadError
from nnplug.registry import KINDS, PluginInfo, Registry
from nnplug.task import serves

if TYPE_CHECKING:
    from nnplug.experiment import ExperimentOptions

#: The slots an engine gives defaults for, with the key used in :attr:`Engine.defaults`.
DEFAULTED_SLOTS = {"optimizer": "optimizer", "loss": "loss", "metric": "metric", "accuracy": "metric"}


def _flag(kind: str) -> str:
    return "--" + KINDS[kind].option.replace("_", "-")


def _usable(info: PluginInfo) -> bool:
    return not (info.error or info.conflicts or info.declaration_error)


def run_engine(registry: Registry, model: PluginInfo) -> str:
    """The engine of a run with ``model``: installed, else one line naming what is."""
    engine = model.engine or ""
    if engine not in registry.plugins["engine"]:
        installed = ", ".join(registry.names("engine")) or "none"
        raise NnplugError(
            f"--model={model.name} computes with engine {engine!r}, which is not installed (installed engines: {installed}); "
            "install the distribution that provides it"
        )
    return engine


def run_task(loader: PluginInfo) -> str:
    """The task of a run with ``loader``: the first task it declares."""
    return loader.tasks[0]


def fits(info: PluginInfo, engine: str, task: str | None) -> bool:
    """Whether a plugin computes with ``engine`` (or any engine) and serves ``task`` (when it declares tasks)."""
    if info.engine not in (ANY_ENGINE, engine):
        return False
    return task is None or not KINDS[info.kind].declares_tasks or serves(info.tasks, task)


def fitting(registry: Registry, kind: str, engine: str, task: str | None) -> list[str]:
    """Names of the installed, usable plugins of ``kind`` that fit ``engine`` and ``task``."""
    return [name for name, info in sorted(registry.plugins[kind].items()) if _usable(info) and fits(info, engine, task)]


def _fit_text(registry: Registry, kind: str, engine: str, task: str | None) -> str:
    names = fitting(registry, kind, engine, task)
    plural = KINDS[kind].title.lower() + ("es" if KINDS[kind].title.endswith("s") else "s")
    return f"{plural} that fit: {', '.join(names)}" if names else f"no installed {KINDS[kind].title.lower()} fits"


def resolve(options: "ExperimentOptions", registry: Registry, slots: tuple[str, ...]) -> dict[str, PluginInfo]:
    """Fill the plugins left empty in ``options`` from the model's engine, then check every pair.

    Args:
        options: one experiment's options; empty plugin names are replaced in place.
        registry: the installed plugins.
        slots: the plugin kinds of a run (``PLUGIN_SLOTS``), data loader and model first.

    Returns:
        The selected plugins by kind.

    Raises:
        NnplugError: an unknown or broken plugin, an engine not installed, no default for the
            task, or two plugins that cannot work together (one line: the two plugins and what fits).
    """
    model = registry.info("model", options.model)
    loader = registry.info("data_loader", options.data_loader)
    for info in (model, loader):
        if info.declaration_error:
            raise PluginLoadError(f"{_flag(info.kind)}={info.name} cannot be used: {info.declaration_error}")
    engine = run_engine(registry, model)
    task = run_task(loader)
    check_pair(registry, loader, model, loader, engine, task)  # before defaults: they depend on the task
    defaults: dict[str, Any] = (registry.plugins["engine"][engine].declared("defaults") or {}).get(task, {})
    for slot in slots:
        key = DEFAULTED_SLOTS.get(slot)
        if key is None or getattr(options, slot, ""):
            continue
        name = defaults.get(key)
        if not name:
            raise NnplugError(
                f"engine {engine} (of --model={model.name}) has no default {key} for task {task}: "
                f"name one with {_flag(slot)} ({_fit_text(registry, slot, engine, task)})"
            )
        setattr(options, slot, name)
    selected = {slot: registry.info(slot, getattr(options, slot)) for slot in slots}
    for slot, info in selected.items():
        if info.declaration_error:
            raise PluginLoadError(f"{_flag(slot)}={info.name} cannot be used: {info.declaration_error}")
    for info in selected.values():
        if info is not model and info is not loader:
            check_pair(registry, info, model, loader, engine, task)
    return selected


def check_pair(registry: Registry, info: PluginInfo, model: PluginInfo, loader: PluginInfo, engine: str, task: str) -> None:
    """Refuse ``info`` when it does not compute with the model's engine or serve the loader's task."""
    flag = f"{_flag(info.kind)}={info.name}"
    if info.engine not in (ANY_ENGINE, engine):
        pinned = " is pinned to" if "engine" in info.pinned else " computes with"
        raise NnplugError(
            f"{flag}{pinned} engine {info.engine} but --model={model.name} computes with {engine}: "
            f"{_fit_text(registry, info.kind, engine, task)}"
        )
    if info.kind == "data_loader":
        if not serves(model.tasks, task):
            raise NnplugError(
                f"--model={model.name} serves {', '.join(model.tasks)} but {flag} gives {task} data: "
                f"{_fit_text(registry, 'model', engine, task)}"
            )
        return
    if KINDS[info.kind].declares_tasks and not serves(info.tasks, task):
        raise NnplugError(
            f"{flag} serves {', '.join(info.tasks)} but --data-loader={loader.name} gives {task} data: "
            f"{_fit_text(registry, info.kind, engine, task)}"
        )


def check_tracked_parameters(options: "ExperimentOptions", registry: Registry, model_options: dict[str, Any]) -> None:
    """Refuse ``--track-layer`` names the model will not have, when its options alone tell its names.

    Only with ``--track-layer``: the model plugin is then built from its options (no data) and
    asked for :meth:`~nnplug.model.Model.parameter_names`. Models that cannot tell before seeing
    the data are checked right after ``build``, before the first epoch.
    """
    if not options.track_layer:
        return
    model = registry.create("model", options.model, model_options)
    names = model.parameter_names()
    if names is None:
        return
    for spec in options.track_layer:
        name = spec.partition(",")[0].strip()
        if name not in names:
            raise NnplugError(f"--track-layer: --model={options.model} has no parameter {name!r} (parameters: {', '.join(names)})")

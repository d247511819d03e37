"""Check an installed plugin by kind and name: the dispatch the contract test suite uses."""
from __future__ import annotations

import inspect
from typing import Any, Callable

from nnplug.registry import KINDS, Registry
from nnplug.testing.data_loader_contract import check_data_loader
from nnplug.testing.engine_contract import check_engine
from nnplug.testing.executor_contract import check_executor
from nnplug.testing.image_backend_contract import check_image_backend
from nnplug.testing.inference_engine_contract import check_inference_engine
from nnplug.testing.loss_contract import check_loss
from nnplug.testing.metric_contract import check_metric
from nnplug.testing.model_contract import check_model
from nnplug.testing.optimizer_contract import check_optimizer
from nnplug.testing.task_contract import check_task

#: kind name → the contract check of that kind.
CHECKS: dict[str, Callable[..., None]] = {
    "data_loader": check_data_loader,
    "model": check_model,
    "optimizer": check_optimizer,
    "loss": check_loss,
    "metric": check_metric,
    "image_backend": check_image_backend,
    "inference_engine": check_inference_engine,
    "task": check_task,
    "engine": check_engine,
    "executor": check_executor,
}


#: Older kind names still accepted by the checks.
KIND_ALIASES: dict[str, str] = {"accuracy": "metric"}


def check_declaration(kind: str, name: str, registry: Registry | None = None) -> None:
    """Check what ``--help`` and ``--list-plugins`` show of an installed plugin.

    The plugin must be selectable (not broken, not registered twice), have a one-line
    description (first line of its class docstring) and a help text for every option (its
    line in an ``Args:`` section), read exactly as ``bin/train --help`` reads them.
    """
    registry = registry or Registry()
    kind = KIND_ALIASES.get(kind, kind)
    title = KINDS[kind].title.lower()
    try:
        info = registry.info(kind, name)
    except Exception as err:  # noqa: BLE001 - unknown, broken or conflicting
        raise AssertionError(f"{title} {name!r} cannot be loaded: {err}") from err
    if not info.description:
        raise AssertionError(f"{title} {name!r} has no description: give its class a docstring whose first line says what it is")
    undocumented = [spec.flag for spec in info.options if not spec.help]
    if undocumented:
        raise AssertionError(
            f"{title} {name!r} shows no help for {', '.join(undocumented)} in --help: "
            "describe each constructor argument in an Args: section"
        )


def check_plugin(
    kind: str,
    name: str,
    options: dict[str, Any] | None = None,
    registry: Registry | None = None,
    declaration: bool = True,
    **check_options: Any,
) -> None:
    """Check an installed plugin's declaration, then load it by kind and name and run its kind's check.

    A plugin that cannot be selected (broken, conflicting, not a subclass of its base) fails
    with the registry's message; one whose description or option help is missing fails
    :func:`check_declaration`.

    Args:
        kind: a kind of ``nnplug.registry.KINDS``: ``"model"``, ``"optimizer"``, ``"loss"``, ``"metric"``
            (``"accuracy"``, its older name, works too), ``"data_loader"``, ``"image_backend"`` or ``"inference_engine"``.
        name: the entry-point name.
        options: the plugin's constructor options.
        registry: where to find it (default: the installed plugins).
        declaration: also run :func:`check_declaration` first.
        check_options: passed to the kind's check (e.g. ``sample_shape`` for models).
    """
    kind = KIND_ALIASES.get(kind, kind)
    if kind not in CHECKS:
        raise AssertionError(f"no contract check for kind {kind!r} (kinds: {', '.join(KINDS)})")
    registry = registry or Registry()
    if declaration:
        check_declaration(kind, name, registry)
    try:
        instance = registry.create(kind, name, dict(options or {}))
    except Exception as err:  # noqa: BLE001 - any failure to load or build breaks the contract
        raise AssertionError(f"{KINDS[kind].title.lower()} {name!r} cannot be loaded: {err}") from err
    if "registry" in inspect.signature(CHECKS[kind]).parameters:
        check_options.setdefault("registry", registry)  # checks that look plugins up (engine defaults) see the same ones
    try:
        CHECKS[kind](instance, **check_options)
    except AssertionError:
        raise
    except Exception as err:  # noqa: BLE001 - a plugin's defect is a failure naming it, never a crash of the check
        raise AssertionError(f"{KINDS[kind].title.lower()} {name!r}: {type(err).__name__}: {err}") from err

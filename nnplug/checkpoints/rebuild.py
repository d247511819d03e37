"""Models rebuilt from checkpoints: the plugin named in the file, created with its saved options, restored."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnplug.checkpoints.format import load_checkpoint, read_checkpoint_config
from nnplug.errors import NnplugError

if TYPE_CHECKING:
    from nnplug.model import Model
    from nnplug.registry import Registry


def rebuild_model(path: Path | str, registry: "Registry | None" = None) -> tuple["Model", dict[str, Any]]:
    """Create, build and restore the model a checkpoint was saved from; return it and the configuration.

    ``nnplug export`` and ``bin/infer --checkpoint`` read checkpoints this way.

    Raises:
        NnplugError: the file is not a checkpoint, its model plugin is not installed or lost an
            option the checkpoint sets, or its tensors do not fit.
    """
    from nnplug.registry import Registry

    config = read_checkpoint_config(path)
    registry = registry or Registry()
    info = registry.info("model", config["model"])
    specs = {spec.name: spec for spec in info.options}
    options = {}
    for name, value in config["options"].items():
        spec = specs.get(name)
        if spec is None:
            raise NnplugError(f"checkpoint {path}: model {config['model']} has no option {name} any more")
        try:
            options[name] = spec.type.check(tuple(value) if spec.type.base == "tuple" else value)
        except (ValueError, TypeError) as err:  # stored values are checked as typed ones
            raise NnplugError(f"checkpoint {path}: option {name} of model {config['model']}: {err}") from None
    model = registry.create("model", config["model"], options)
    try:
        model.build(tuple(config["sample_shape"]), int(config["nbr_classes"]), int(config.get("model_seed", 0)))
    except (ValueError, TypeError, IndexError, KeyError) as err:  # a shape the model cannot take
        raise NnplugError(f"checkpoint {path}: model {config['model']} cannot be built for sample shape {tuple(config['sample_shape'])}: {' '.join(str(err).split())[:200]}") from None
    load_checkpoint(path, model)
    return model, config


def check_load_model(path: Path | str | None, model_name: str, model_options: dict[str, Any], registry: "Registry") -> None:
    """Refuse, before any data is loaded, a ``--load-model`` checkpoint the model cannot take.

    The model is built from the options the user gave, with the ``sample_shape`` and
    ``nbr_classes`` the checkpoint was trained on, and given the checkpoint's tensors: another
    ``--layers`` or another model is one line now rather than after the dataset is loaded. (A
    dataset of another shape is still found after loading, when the model is built from the data.)

    Raises:
        NnplugError: the file is not a checkpoint, holds another model, or tensors that do not fit.
    """
    if path is None:
        return
    config = read_checkpoint_config(path)
    model = registry.create("model", model_name, model_options)
    model.build(tuple(config["sample_shape"]), int(config["nbr_classes"]), int(config.get("model_seed", 0)))
    load_checkpoint(path, model)

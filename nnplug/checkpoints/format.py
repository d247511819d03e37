"""Checkpoint files: safetensors (tensors plus a JSON header), the same for every engine.

A checkpoint holds a model's tensors (:meth:`nnplug.model.Model.state_dict`, numpy arrays
whatever the engine) and, in the safetensors header's metadata under the key ``nnplug``, a JSON
configuration: the model plugin's name and options, its engine, ``sample_shape``,
``nbr_classes`` and ``labels``, and whatever the caller adds (task, experiment, epoch, seeds,
data loader). Checkpoints written while training also hold the optimizer's state (Adam's
moments and step count, a schedule's epoch...: :meth:`nnplug.optimizer.Optimizer.state`) as
tensors named ``__optimizer__/<name>``, and its name and options under ``optimizer`` in the
configuration, so that ``--load-model`` continues training where it stopped.

safetensors (https://github.com/huggingface/safetensors) is read without executing anything:
the header is JSON, the tensors raw bytes. Files are written atomically
(:func:`nnplug.files.write_atomically`), so a reader never sees half a checkpoint. Their name
must end in ``.safetensors``; the ``.npz`` and ``.pt`` files of earlier versions are not read
(one line says so). Every user-caused problem (missing file, not a checkpoint, checkpoint of
another model, missing tensors, wrong shapes) is an :class:`~nnplug.errors.NnplugError` of one
line.
"""
from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from nnplug.errors import NnplugError
from nnplug.files import write_atomically

if TYPE_CHECKING:
    from nnplug.model import Model
    from nnplug.optimizer import Optimizer

LOG = logging.getLogger("nnplug.checkpoints")

#: The suffix every checkpoint file has.
SUFFIX = ".safetensors"
#: Key of the safetensors header metadata holding nnplug's JSON configuration.
HEADER_KEY = "nnplug"
#: Version of the checkpoint layout, stored in the configuration (1 was the .npz / .pt layout).
FORMAT_VERSION = 2
#: Prefix of the optimizer's state tensors among a checkpoint's tensors.
OPTIMIZER_PREFIX = "__optimizer__/"
#: Keys every checkpoint configuration has.
REQUIRED_KEYS = ("model", "engine", "options", "sample_shape", "nbr_classes", "labels")
#: Suffixes of the checkpoints nnplug wrote before safetensors.
OLD_SUFFIXES = (".npz", ".pt")


def check_checkpoint_name(path: Path | str, option: str = "--save-model") -> Path:
    """``path`` when its name ends in ``.safetensors``; else one line saying what to write.

    Raises:
        NnplugError: another suffix (``.npz``, ``.pt``, none...).
    """
    path = Path(path)
    if path.suffix != SUFFIX:
        raise NnplugError(
            f"{option}={path}: checkpoints are safetensors files, their name must end in {SUFFIX} (e.g. {option}={path.with_suffix(SUFFIX)})"
        )
    return path


def model_name(model: "Model") -> str:
    """The plugin name a model was selected by (its class name when built directly)."""
    return model.plugin_name or type(model).__name__


def save_checkpoint(
    path: Path | str,
    model: "Model",
    config: dict[str, Any],
    state: dict[str, np.ndarray] | None = None,
    optimizer: "Optimizer | None" = None,
    optimizer_state: dict[str, np.ndarray] | None = None,
    to_numpy: Callable[[Any], np.ndarray] = np.asarray,
) -> Path:
    """Write ``model``'s tensors and configuration to ``path`` (a ``.safetensors`` name) atomically.

    Args:
        path: the file to write (its directory is created); its name must end in ``.safetensors``.
        model: the built model; its plugin name, engine and options are recorded.
        config: at least ``sample_shape``, ``nbr_classes`` and ``labels``; anything JSON-ready
            may be added (exp_id, epoch, seeds, data loader, task...).
        state: tensors to save instead of the model's current ones (a snapshot taken earlier).
        optimizer: the optimizer training the model: its name, options and state are saved too.
        optimizer_state: the optimizer state to save instead of its current one (a snapshot
            taken with ``state``).
        to_numpy: turns a tensor into a numpy array (the run's engine's ``to_numpy``; state
            dicts are numpy already by contract).

    Returns:
        The path written.

    Raises:
        NnplugError: the name does not end in ``.safetensors``.
        ValueError: ``config`` lacks a required key, or a tensor cannot be stored (a plugin's defect).
    """
    path = check_checkpoint_name(path)
    full = {
        "format": FORMAT_VERSION,
        "model": model_name(model),
        "engine": getattr(model, "engine", None),
        "options": dict(getattr(model, "options", {}) or {}),
        **config,
    }
    missing = [key for key in REQUIRED_KEYS if key not in full]
    if missing:
        raise ValueError(f"checkpoint configuration lacks {', '.join(missing)}")
    full["sample_shape"] = [int(n) for n in full["sample_shape"]]
    tensors = dict(model.state_dict() if state is None else state)
    clash = [name for name in tensors if name.startswith(OPTIMIZER_PREFIX)]
    if clash:
        raise ValueError(f"model {full['model']}'s tensor {clash[0]} uses the prefix {OPTIMIZER_PREFIX} kept for the optimizer's state")
    if optimizer is not None:
        full["optimizer"] = optimizer.config()
        saved = optimizer.state() if optimizer_state is None else optimizer_state
        tensors.update({OPTIMIZER_PREFIX + name: value for name, value in saved.items()})
    payload = _safetensors_bytes({name: np.asarray(to_numpy(value), order="C") for name, value in tensors.items()},
                                 json.dumps(full, default=_jsonable, sort_keys=True))
    _write_atomically(path, payload)
    return path


def read_checkpoint(path: Path | str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Return (configuration, the model's tensors as numpy arrays) of a checkpoint file."""
    return _read(path, lambda name: not name.startswith(OPTIMIZER_PREFIX))


def read_optimizer_state(path: Path | str) -> tuple[dict[str, Any] | None, dict[str, np.ndarray]]:
    """Return (the optimizer's name and options, its state) saved in a checkpoint; (None, {}) if none was."""
    config, tensors = _read(path, lambda name: name.startswith(OPTIMIZER_PREFIX))
    return config.get("optimizer"), {name[len(OPTIMIZER_PREFIX):]: value for name, value in tensors.items()}


def read_checkpoint_config(path: Path | str) -> dict[str, Any]:
    """Return only the configuration stored in a checkpoint (model name, options, shapes, labels...); reads no tensor."""
    return _read(path, lambda name: False)[0]


def load_checkpoint(path: Path | str, model: "Model", labels: list[str] | None = None) -> dict[str, Any]:
    """Restore a built ``model`` from a checkpoint; return the checkpoint's configuration.

    Args:
        path: the checkpoint file.
        model: the built model to restore.
        labels: the data's labels (class names, target columns), when the model will train or
            predict on data: they must be the checkpoint's, in the same order.

    Raises:
        NnplugError: the file is missing or not a checkpoint, was saved from another model,
            lacks tensors / has tensors of other shapes than the model's, or was trained on other labels.
    """
    config = read_checkpoint_config(path)
    check_model(path, config, model_name(model))
    if labels is not None and list(labels) != list(config["labels"]):
        raise NnplugError(
            f"checkpoint {path} was trained on labels {', '.join(map(str, config['labels']))}, but the data has "
            f"{', '.join(map(str, labels))}: its outputs would name the wrong classes (use the dataset it was trained on)"
        )
    _, state = read_checkpoint(path)
    try:
        model.load_state_dict(state)
    except NnplugError as err:
        raise NnplugError(f"{path}: {err}") from err
    return config


def check_model(path: Path | str, config: dict[str, Any], name: str) -> None:
    """Refuse a checkpoint ``config`` saved from another model plugin than ``name``, in one line."""
    if config["model"] != name:
        raise NnplugError(f"checkpoint {path} was saved from model {config['model']}, not {name} (use --model={config['model']})")


def load_optimizer_state(path: Path | str, optimizer: "Optimizer") -> bool:
    """Give ``optimizer`` (built on the restored model) the state a checkpoint holds; return whether it did.

    Nothing is loaded, with a warning, when the checkpoint was trained by another optimizer plugin
    (its state would not mean the same: switching optimizers to fine-tune is allowed), and
    silently when it holds no optimizer state (a checkpoint written by other code).

    Raises:
        NnplugError: the saved state does not fit the optimizer (another model's parameters,
            other shapes, entries it does not know).
    """
    saved, state = read_optimizer_state(path)
    if saved is None:
        return False
    name = optimizer.plugin_name or type(optimizer).__name__
    if saved.get("name") != name:
        LOG.warning("%s: the optimizer state saved there is %s's; %s starts from a fresh state", path, saved.get("name"), name)
        return False
    try:
        optimizer.load_state(state)
    except NnplugError as err:
        raise NnplugError(f"{path}: {err}") from err
    return True


def _read(path: Path | str, wanted: Callable[[str], bool]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The configuration and the tensors whose names ``wanted`` accepts (the others are not read)."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if not path.is_file():
        raise NnplugError(f"checkpoint {path} not found")
    if path.suffix in OLD_SUFFIXES:
        raise NnplugError(
            f"{path}: nnplug no longer reads {path.suffix} checkpoints (written by earlier versions); checkpoints are {SUFFIX} files now: "
            f"train again with --save-model=NAME{SUFFIX}"
        )
    try:
        with safe_open(str(path), framework="np") as archive:
            header = (archive.metadata() or {}).get(HEADER_KEY)
            if header is None:
                raise NnplugError(f"{path} is a safetensors file but not an nnplug checkpoint (no {HEADER_KEY!r} entry in its header)")
            config = json.loads(header)
            tensors = {name: archive.get_tensor(name) for name in archive.keys() if wanted(name)}
    except NnplugError:
        raise
    except (SafetensorError, OSError, ValueError) as err:  # not safetensors, truncated, bad JSON header
        raise NnplugError(f"{path} is not an nnplug checkpoint (not a readable {SUFFIX} file: {str(err).splitlines()[0]})") from err
    missing = [key for key in REQUIRED_KEYS if key not in config] if isinstance(config, dict) else list(REQUIRED_KEYS)
    if missing:
        raise NnplugError(f"{path} is not an nnplug checkpoint (its configuration lacks {', '.join(missing)})")
    problem = _config_problem(config)
    if problem:
        raise NnplugError(f"{path} is a damaged nnplug checkpoint ({problem})")
    return config, tensors


#: the most values one sample may have (a 100-megapixel RGB image).
MAX_SAMPLE_VALUES = 3 * 100_000_000


def _config_problem(config: dict[str, Any]) -> str | None:
    """What is wrong with a checkpoint's stored configuration (checked as strictly as the command line), or None."""
    if not isinstance(config["model"], str) or not config["model"]:
        return "model must be a plugin name"
    if not isinstance(config["engine"], str):
        return "engine must be a name"
    if not isinstance(config["options"], dict):
        return "options must be an object"
    shape = config["sample_shape"]
    if (
        not isinstance(shape, list) or not 1 <= len(shape) <= 4
        or not all(isinstance(side, int) and not isinstance(side, bool) and side > 0 for side in shape)
        or int(np.prod(shape, dtype=np.float64)) > MAX_SAMPLE_VALUES
    ):
        return f"sample_shape must be 1 to 4 positive integers of at most {MAX_SAMPLE_VALUES} values, got {shape!r:.80}"
    classes = config["nbr_classes"]
    if not isinstance(classes, int) or isinstance(classes, bool) or classes <= 0:
        return f"nbr_classes must be a positive integer, got {classes!r:.40}"
    labels = config["labels"]
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels) or (labels and len(labels) != classes):
        return f"labels must be a list of {classes} names"
    seed = config.get("model_seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        return "model_seed must be an integer in 0..2**32-1"
    return None


def _safetensors_bytes(tensors: dict[str, np.ndarray], config_text: str) -> bytes:
    from safetensors import SafetensorError
    from safetensors.numpy import save

    try:
        return save(tensors, metadata={HEADER_KEY: config_text})
    except SafetensorError as err:  # a dtype safetensors has no code for (object arrays...)
        odd = next((f"{name} ({array.dtype})" for name, array in tensors.items() if array.dtype.kind in "OUSV"), "a tensor")
        raise ValueError(f"cannot store {odd} in a checkpoint: {err}") from err


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    return str(value)


def _write_atomically(path: Path, payload: bytes) -> None:
    def write(stream: Any) -> None:
        stream.write(payload)
        stream.flush()
        os.fsync(stream.fileno())  # a checkpoint must survive a crash right after training

    write_atomically(path, write, binary=True)

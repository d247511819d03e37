"""Saved models: weights plus what rebuilds the model, in formats that run no code when read.

A checkpoint holds a model's tensors (:meth:`nnplug.model.Model.state_dict`) and a JSON
configuration: the model plugin's name and options, its engine, ``sample_shape``,
``nbr_classes`` and ``labels``, and whatever the caller adds (experiment, epoch, seeds, data
loader). Checkpoints written while training also hold the optimizer's state (Adam's moments and
step count, a schedule's epoch...: :meth:`nnplug.optimizer.Optimizer.state`) as tensors named
``__optimizer__/<name>`` and its name and options under ``optimizer`` in the configuration, so that
``--load-model`` continues training where it stopped. The format follows the model's engine:

- numpy-engine (and any non-torch) models: a numpy ``.npz`` archive read with
  ``allow_pickle=False``; the configuration is a JSON string stored as the array
  ``__nnplug_config__``;
- torch-engine models: ``torch.save`` of ``{"config": JSON string, "state": {name: tensor}}``,
  read back with ``torch.load(weights_only=True)`` (no unpickling of arbitrary objects).

Files are written atomically (temporary file in the same directory, then ``os.replace``), so a
reader never sees half a checkpoint. Reading detects the format from the file's content, not
its name. Every user-caused problem (missing file, not a checkpoint, checkpoint of another
model, missing tensors, wrong shapes) is an :class:`~nnplug.errors.NnplugError` of one line.
"""
from __future__ import annotations

import io
import json
import logging
import math
import os
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnplug.errors import NnplugError
from nnplug.runs import write_atomically
from nnplug.trainer import RepeatContext, TrainingObserver

if TYPE_CHECKING:
    from nnplug.model import Model
    from nnplug.optimizer import Optimizer
    from nnplug.registry import Registry
    from nnplug.results import EpochMetrics

LOG = logging.getLogger("nnplug.checkpoints")

#: Name of the array holding the configuration in ``.npz`` checkpoints.
CONFIG_KEY = "__nnplug_config__"
#: Version of the checkpoint layout, stored in the configuration.
FORMAT_VERSION = 1
#: Prefix of the optimizer's state tensors among a checkpoint's tensors.
OPTIMIZER_PREFIX = "__optimizer__/"
#: Keys every checkpoint configuration has.
REQUIRED_KEYS = ("model", "engine", "options", "sample_shape", "nbr_classes", "labels")


def checkpoint_suffix(model: "Model") -> str:
    """The file suffix that fits ``model``'s format: ``.pt`` for torch models, ``.npz`` otherwise."""
    return ".pt" if model.engine == "torch" else ".npz"


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
) -> Path:
    """Write ``model``'s tensors and configuration to ``path`` atomically; return the path.

    Args:
        path: the file to write (its directory is created); any suffix is accepted.
        model: the built model; its plugin name, engine and options are recorded.
        config: at least ``sample_shape``, ``nbr_classes`` and ``labels``; anything JSON-ready
            may be added (exp_id, epoch, seeds, data loader...).
        state: tensors to save instead of the model's current ones (a snapshot taken earlier).
        optimizer: the optimizer training the model: its name, options and state are saved too.
        optimizer_state: the optimizer state to save instead of its current one (a snapshot
            taken with ``state``).
    """
    path = Path(path)
    full = {
        "format": FORMAT_VERSION,
        "model": model_name(model),
        "engine": model.engine,
        "options": dict(getattr(model, "options", {}) or {}),
        **config,
    }
    missing = [key for key in REQUIRED_KEYS if key not in full]
    if missing:
        raise ValueError(f"checkpoint configuration lacks {', '.join(missing)}")
    full["sample_shape"] = [int(n) for n in full["sample_shape"]]
    tensors = dict(model.state_dict() if state is None else state)
    if optimizer is not None:
        full["optimizer"] = optimizer.config()
        saved = optimizer.state() if optimizer_state is None else optimizer_state
        tensors.update({OPTIMIZER_PREFIX + name: np.asarray(value) for name, value in saved.items()})
    text = json.dumps(full, default=_jsonable, sort_keys=True)
    if model.engine == "torch":
        payload = _torch_bytes(text, tensors)
    else:
        payload = _npz_bytes(text, tensors)
    _write_atomically(path, payload)
    return path


def read_checkpoint(path: Path | str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Return (configuration, the model's tensors as numpy arrays) of a checkpoint file."""
    config, tensors = _read_checkpoint(path)
    return config, {name: value for name, value in tensors.items() if not name.startswith(OPTIMIZER_PREFIX)}


def read_optimizer_state(path: Path | str) -> tuple[dict[str, Any] | None, dict[str, np.ndarray]]:
    """Return (the optimizer's name and options, its state) saved in a checkpoint; (None, {}) if none was."""
    config, tensors = _read_checkpoint(path)
    state = {name[len(OPTIMIZER_PREFIX) :]: value for name, value in tensors.items() if name.startswith(OPTIMIZER_PREFIX)}
    return config.get("optimizer"), state


def _read_checkpoint(path: Path | str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    path = Path(path)
    if not path.is_file():
        raise NnplugError(f"checkpoint {path} not found")
    kind = _format_of(path)
    try:
        if kind == "npz":
            config_text, state = _read_npz(path)
        else:
            config_text, state = _read_torch(path)
        config = json.loads(config_text)
    except NnplugError:
        raise
    except Exception as err:  # corrupt archive, unexpected content
        raise NnplugError(f"{path} is not a readable nnplug checkpoint ({type(err).__name__}: {err})") from err
    missing = [key for key in REQUIRED_KEYS if key not in config]
    if missing:
        raise NnplugError(f"{path} is not an nnplug checkpoint (its configuration lacks {', '.join(missing)})")
    return config, state


def read_checkpoint_config(path: Path | str) -> dict[str, Any]:
    """Return only the configuration stored in a checkpoint (model name, options, shapes, labels...)."""
    return read_checkpoint(path)[0]


def load_checkpoint(path: Path | str, model: "Model") -> dict[str, Any]:
    """Restore a built ``model`` from a checkpoint; return the checkpoint's configuration.

    Raises:
        NnplugError: the file is missing or not a checkpoint, was saved from another model, or
            lacks tensors / has tensors of other shapes than the model's.
    """
    config, state = read_checkpoint(path)
    expected = model_name(model)
    if config["model"] != expected:
        raise NnplugError(f"checkpoint {path} was saved from model {config['model']}, not {expected} (use --model={config['model']})")
    try:
        model.load_state_dict(state)
    except NnplugError as err:
        raise NnplugError(f"{path}: {err}") from err
    return config


def load_optimizer_state(path: Path | str, optimizer: "Optimizer") -> bool:
    """Give ``optimizer`` (built on the restored model) the state a checkpoint holds; return whether it did.

    Nothing is loaded, with a warning, when the checkpoint was trained by another optimizer plugin
    (its state would not mean the same), and silently when it holds no optimizer state (a
    checkpoint written by ``nnplug`` before optimizer states were saved, or by other code).

    Raises:
        NnplugError: the saved state does not fit the optimizer (another model's parameters).
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


def rebuild_model(path: Path | str, registry: "Registry | None" = None) -> tuple["Model", dict[str, Any]]:
    """Create, build and restore the model a checkpoint was saved from; return it and the configuration."""
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
        options[name] = spec.type.check(tuple(value) if spec.type.base == "tuple" else value)
    model = registry.create("model", config["model"], options)
    model.build(tuple(config["sample_shape"]), int(config["nbr_classes"]), int(config.get("model_seed", 0)))
    load_checkpoint(path, model)
    return model, config


class CheckpointSaver(TrainingObserver):
    """Saves models while training: ``--save-model`` at the end of each repeat, best-on-dev in a run directory.

    - With ``--save-model PATH`` (``ExperimentOptions.save_model``), the model of each repeat is
      saved when the repeat ends (also after early stopping or Ctrl-C): repeat 0 to ``PATH``,
      repeat k > 0 to ``PATH`` with ``-repeat{k}`` added before the suffix.
    - With ``run_dir``, the parameters with the lowest dev cost seen so far are kept in
      ``<run_dir>/checkpoints/<exp_id>-repeat{k}-best.{npz|pt}``. Dev is measured at the start
      of each epoch, so the parameters of that moment are snapshotted then (in memory) and
      written when the epoch's dev cost proves best; the final parameters compete too.

    Both save the optimizer's state with the model (of the same moment), so that
    ``--load-model`` continues training as if it had not stopped.

    Args:
        run_dir: the run directory (None: no best-on-dev checkpoints).
    """

    def __init__(self, run_dir: Path | None = None) -> None:
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.best_cost = math.inf
        self.snapshot: dict[str, np.ndarray] | None = None
        self.optimizer_snapshot: dict[str, np.ndarray] | None = None
        #: paths written, most recent last (reports may list them).
        self.written: list[Path] = []

    def repeat_started(self, context: RepeatContext) -> None:
        """Forget the previous repeat's best."""
        self.best_cost = math.inf
        self.snapshot = self.optimizer_snapshot = None

    def epoch_started(self, context: RepeatContext, epoch: int, nbr_minibatches: int) -> None:
        """Snapshot the parameters the dev cost of this epoch is measured on."""
        if self.run_dir is not None:
            self.snapshot = context.model.state_dict()
            self.optimizer_snapshot = context.optimizer.state()

    def epoch_finished(self, context: RepeatContext, metrics: "EpochMetrics") -> None:
        """Write the snapshot when this epoch's dev cost is the best so far."""
        if self.run_dir is None or self.snapshot is None or not _improves(metrics.dev_cost, self.best_cost):
            return
        self.best_cost = float(metrics.dev_cost)
        config = self.config(context, epoch=metrics.epoch - 1, dev_cost=metrics.dev_cost, dev_accuracy=metrics.dev_accuracy)
        self._save(self.best_path(context), context, config, self.snapshot, self.optimizer_snapshot)

    def repeat_finished(self, context: RepeatContext) -> None:
        """Save the final model to ``--save-model``; keep it as best-on-dev when it is."""
        result = context.result
        last_epoch = result.epochs[-1].epoch if result.epochs else 0
        if self.run_dir is not None and _improves(result.final_dev_cost, self.best_cost):
            self.best_cost = float(result.final_dev_cost)
            config = self.config(context, epoch=last_epoch, dev_cost=result.final_dev_cost, dev_accuracy=result.final_dev_accuracy)
            self._save(self.best_path(context), context, config, None, None)
        target = context.experiment.options.save_model
        if target is not None:
            config = self.config(context, epoch=last_epoch, dev_cost=result.final_dev_cost, dev_accuracy=result.final_dev_accuracy)
            self._save(repeat_path(Path(target), context.repeat), context, config, None, None)

    def best_path(self, context: RepeatContext) -> Path:
        """Where the best-on-dev checkpoint of this repeat goes."""
        assert self.run_dir is not None
        name = f"{context.experiment.exp_id}-repeat{context.repeat}-best{checkpoint_suffix(context.model)}"
        return self.run_dir / "checkpoints" / name

    @staticmethod
    def config(context: RepeatContext, **extra: Any) -> dict[str, Any]:
        """The configuration stored with a checkpoint of this repeat."""
        loader = context.data_loader
        return {
            "sample_shape": list(loader.sample_shape),
            "nbr_classes": len(loader.labels),
            "labels": list(loader.labels),
            "exp_id": context.experiment.exp_id,
            "repeat": context.repeat,
            "model_seed": context.model_seed,
            "dataset_seed": context.dataset_seed,
            "data_loader": {"name": loader.plugin_name or type(loader).__name__, "options": dict(getattr(loader, "options", {}) or {})},
            **extra,
        }

    def _save(
        self, path: Path, context: RepeatContext, config: dict[str, Any], state: dict[str, np.ndarray] | None, optimizer_state: dict[str, np.ndarray] | None
    ) -> None:
        self.written.append(save_checkpoint(path, context.model, config, state, context.optimizer, optimizer_state))


def repeat_path(path: Path, repeat: int) -> Path:
    """``path`` for repeat 0, ``<stem>-repeat{k}<suffix>`` beside it for repeat k."""
    return path if repeat == 0 else path.with_name(f"{path.stem}-repeat{repeat}{path.suffix}")


def _improves(cost: float | None, best: float) -> bool:
    return cost is not None and math.isfinite(cost) and cost < best


def _jsonable(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (tuple, set)):
        return list(value)
    return str(value)


def _npz_bytes(config_text: str, state: dict[str, np.ndarray]) -> bytes:
    if CONFIG_KEY in state:
        raise ValueError(f"a tensor may not be called {CONFIG_KEY}")
    buffer = io.BytesIO()
    np.savez(buffer, **{name: np.asarray(value) for name, value in state.items()}, **{CONFIG_KEY: np.array(config_text)})
    return buffer.getvalue()


def _torch_bytes(config_text: str, state: dict[str, np.ndarray]) -> bytes:
    import torch

    tensors = {name: torch.from_numpy(np.array(value, order="C")) for name, value in state.items()}
    buffer = io.BytesIO()
    torch.save({"config": config_text, "state": tensors}, buffer)
    return buffer.getvalue()


def _format_of(path: Path) -> str:
    if not zipfile.is_zipfile(path):
        raise NnplugError(f"{path} is not an nnplug checkpoint (neither a numpy .npz nor a torch file)")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
    if any(name.endswith("data.pkl") for name in names):
        return "torch"
    if f"{CONFIG_KEY}.npy" in names:
        return "npz"
    raise NnplugError(f"{path} is not an nnplug checkpoint (a zip archive without nnplug content)")


def _read_npz(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    with np.load(path, allow_pickle=False) as archive:
        state = {name: archive[name] for name in archive.files if name != CONFIG_KEY}
        config_text = str(archive[CONFIG_KEY][()])
    return config_text, state


def _read_torch(path: Path) -> tuple[str, dict[str, np.ndarray]]:
    try:
        import torch
    except ImportError:
        raise NnplugError(f"{path} is a torch checkpoint: install torch (the nnplug-torch plugins) to read it") from None
    content = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(content, dict) or "config" not in content or "state" not in content:
        raise NnplugError(f"{path} is a torch file but not an nnplug checkpoint")
    state = {name: tensor.numpy() for name, tensor in content["state"].items()}
    return content["config"], state


def _write_atomically(path: Path, payload: bytes) -> None:
    def write(stream: Any) -> None:
        stream.write(payload)
        stream.flush()
        os.fsync(stream.fileno())  # a checkpoint must survive a crash right after training

    write_atomically(path, write, binary=True)

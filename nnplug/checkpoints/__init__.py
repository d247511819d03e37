"""Saved models: weights, optimizer state and what rebuilds the model, in safetensors files.

Three modules, one job each (none imports the trainer, so the trainer may import them):

- :mod:`nnplug.checkpoints.format`: the file format (save, read, load into a built model or optimizer);
- :mod:`nnplug.checkpoints.rebuild`: a model rebuilt from a checkpoint alone (export, inference);
- :mod:`nnplug.checkpoints.saver`: the training observer writing ``--save-model`` and best-on-dev
  checkpoints (it imports the trainer: import it from there, it is not re-exported here).
"""
from nnplug.checkpoints.format import (
    OPTIMIZER_PREFIX,
    SUFFIX,
    check_checkpoint_name,
    load_checkpoint,
    load_optimizer_state,
    read_checkpoint,
    read_checkpoint_config,
    read_optimizer_state,
    save_checkpoint,
)
from nnplug.checkpoints.rebuild import rebuild_model

__all__ = [
    "OPTIMIZER_PREFIX",
    "SUFFIX",
    "check_checkpoint_name",
    "load_checkpoint",
    "load_optimizer_state",
    "read_checkpoint",
    "read_checkpoint_config",
    "read_optimizer_state",
    "rebuild_model",
    "save_checkpoint",
]

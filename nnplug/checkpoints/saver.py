"""The training observer that writes checkpoints: ``--save-model`` per repeat, best-on-dev per run."""
from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nnplug.checkpoints.format import SUFFIX, save_checkpoint
from nnplug.runs import WRITE_INTERVAL, WRITE_SPACING
from nnplug.trainer import RepeatContext, TrainingObserver

if TYPE_CHECKING:
    from nnplug.results import EpochMetrics


class CheckpointSaver(TrainingObserver):
    """Saves models while training: ``--save-model`` at the end of each repeat, best-on-dev in a run directory.

    - With ``--save-model PATH`` (``ExperimentOptions.save_model``), the model of each repeat is
      saved when the repeat ends (also after early stopping or Ctrl-C): repeat 0 to ``PATH``,
      repeat k > 0 to ``PATH`` with ``-repeat{k}`` added before the suffix.
    - With ``run_dir`` and ``--save-best`` (``ExperimentOptions.save_best``, on by default), the
      parameters with the lowest dev cost seen so far are kept in
      ``<run_dir>/checkpoints/<exp_id>-repeat{k}-best.safetensors``. Dev is measured at the start
      of each epoch, so the parameters of that moment are snapshotted then (in memory) and
      written when the epoch's dev cost proves best; the final parameters compete too. Each file
      is as large as the model's parameters plus the optimizer's state.
    - Best-on-dev writes are spaced like ``run.json``'s rewrites: at least ``WRITE_INTERVAL``
      seconds, and 20 times the last write's duration, apart. A better snapshot that comes
      sooner is held in memory and written when the next write is due, and always when the
      repeat ends, fails or is interrupted, so the file is the best parameters from then on.
      Epochs of a small model (40 ms: NLayers 100 on numbers) wrote a file with ``fsync`` after
      nearly every epoch, a tenth of the training time; epochs of a second or more are written
      as before. Only a process killed outright (``SIGKILL``, power loss) can lose the last
      second's improvement.

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
        #: the best snapshot not written yet: (config, parameters, optimizer state).
        self.pending: tuple[dict[str, Any], dict[str, np.ndarray], dict[str, np.ndarray] | None] | None = None
        self._next_write = 0.0

    def keeps_best(self, context: RepeatContext) -> bool:
        """Whether best-on-dev checkpoints are written for this repeat's experiment."""
        return self.run_dir is not None and getattr(context.experiment.options, "save_best", True)

    def repeat_started(self, context: RepeatContext) -> None:
        """Forget the previous repeat's best."""
        self.best_cost = math.inf
        self.snapshot = self.optimizer_snapshot = None
        self.pending = None
        self._next_write = 0.0  # a repeat's first best is written at once

    def epoch_started(self, context: RepeatContext, epoch: int, nbr_minibatches: int) -> None:
        """Snapshot the parameters the dev cost of this epoch is measured on."""
        if self.keeps_best(context):
            self.snapshot = context.model.state_dict()
            self.optimizer_snapshot = context.optimizer.state()

    def epoch_finished(self, context: RepeatContext, metrics: "EpochMetrics") -> None:
        """Write the snapshot when this epoch's dev cost is the best so far."""
        if not self.keeps_best(context) or self.snapshot is None or not _improves(metrics.dev_cost, self.best_cost):
            return
        self.best_cost = float(metrics.dev_cost)
        config = self.config(context, epoch=metrics.epoch - 1, dev_cost=metrics.dev_cost, dev_metric=metrics.dev_metric)
        self.pending = (config, self.snapshot, self.optimizer_snapshot)
        if time.monotonic() >= self._next_write:
            self._write_pending(context)

    def repeat_finished(self, context: RepeatContext) -> None:
        """Save the final model to ``--save-model``; write the best-on-dev one (the final one when it is best)."""
        result = context.result
        last_epoch = result.epochs[-1].epoch if result.epochs else 0
        if self.keeps_best(context) and _improves(result.final_dev_cost, self.best_cost):
            self.best_cost = float(result.final_dev_cost)
            self.pending = None  # the final parameters are better
            config = self.config(context, epoch=last_epoch, dev_cost=result.final_dev_cost, dev_metric=result.final_dev_metric)
            self._save(self.best_path(context), context, config, None, None)
        elif self.pending is not None:
            self._write_pending(context)
        target = context.experiment.options.save_model
        if target is not None:
            config = self.config(context, epoch=last_epoch, dev_cost=result.final_dev_cost, dev_metric=result.final_dev_metric)
            self._save(repeat_path(Path(target), context.repeat), context, config, None, None)

    def best_path(self, context: RepeatContext) -> Path:
        """Where the best-on-dev checkpoint of this repeat goes."""
        assert self.run_dir is not None
        return self.run_dir / "checkpoints" / f"{context.experiment.exp_id}-repeat{context.repeat}-best{SUFFIX}"

    @staticmethod
    def config(context: RepeatContext, **extra: Any) -> dict[str, Any]:
        """The configuration stored with a checkpoint of this repeat."""
        loader = context.data_loader
        task = context.task
        return {
            "sample_shape": list(loader.sample_shape),
            "nbr_classes": len(loader.labels),
            "labels": list(loader.labels),
            "task": (task.plugin_name or type(task).__name__) if task is not None else None,
            "metric": context.metric.plugin_name or type(context.metric).__name__,
            "exp_id": context.experiment.exp_id,
            "repeat": context.repeat,
            "model_seed": context.model_seed,
            "dataset_seed": context.dataset_seed,
            "data_loader": {"name": loader.plugin_name or type(loader).__name__, "options": dict(getattr(loader, "options", {}) or {})},
            **extra,
        }

    def _write_pending(self, context: RepeatContext) -> None:
        """Write the held best snapshot; the next write is due after the spacing."""
        assert self.pending is not None
        (config, state, optimizer_state), self.pending = self.pending, None
        start = time.monotonic()
        self._save(self.best_path(context), context, config, state, optimizer_state)
        end = time.monotonic()
        self._next_write = end + max(WRITE_INTERVAL, WRITE_SPACING * (end - start))

    def _save(
        self, path: Path, context: RepeatContext, config: dict[str, Any], state: dict[str, np.ndarray] | None, optimizer_state: dict[str, np.ndarray] | None
    ) -> None:
        to_numpy = context.engine.to_numpy if context.engine is not None else np.asarray
        self.written.append(save_checkpoint(path, context.model, config, state, context.optimizer, optimizer_state, to_numpy=to_numpy))


def repeat_path(path: Path, repeat: int) -> Path:
    """``path`` for repeat 0, ``<stem>-repeat{k}<suffix>`` beside it for repeat k."""
    return path if repeat == 0 else path.with_name(f"{path.stem}-repeat{repeat}{path.suffix}")


def _improves(cost: float | None, best: float) -> bool:
    return cost is not None and math.isfinite(cost) and cost < best

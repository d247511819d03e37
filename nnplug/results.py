"""Results of training as plain data: printing, saving, plotting and reports all read these."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class EpochMetrics:
    """What one epoch of one repeat measured.

    Costs include the weight-decay penalty. Training cost and accuracy are the means over the
    epoch's minibatches (weighted by size), measured while training; dev figures are measured at
    the start of the epoch, before any update of that epoch (so both curves of an epoch share
    the same starting parameters). ``None`` where not measured (``--eval-dev=false``).
    """

    epoch: int
    training_cost: float
    training_accuracy: float
    dev_cost: float | None
    dev_accuracy: float | None
    duration: float
    rss_mb: float
    learning_rate: float


@dataclass
class RepeatResult:
    """One training of an experiment with one pair of seeds."""

    repeat: int
    model_seed: int
    dataset_seed: int
    epochs: list[EpochMetrics] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    #: counts[true][predicted] on the dev partition after the last epoch.
    confusion_matrix: list[list[int]] | None = None
    final_dev_accuracy: float | None = None
    final_dev_cost: float | None = None
    test_accuracy: float | None = None
    #: epoch at which dev cost had not improved for the patience (None: never).
    early_stopping_epoch: int | None = None
    best_epoch: int | None = None
    stopped_early: bool = False
    interrupted: bool = False
    gradient_check_seconds: float = 0.0
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready)."""
        return asdict(self)


@dataclass
class ExperimentResult:
    """All repeats of one experiment, with the configuration that produced them."""

    exp_id: str
    config: dict[str, Any]
    repeats: list[RepeatResult] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready)."""
        return {"exp_id": self.exp_id, "config": self.config, "repeats": [r.to_dict() for r in self.repeats]}

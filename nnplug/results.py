"""Results of training as plain data: printing, saving, plotting and reports all read these.

Metric values are the experiment's metric plugin's (accuracy, R²...): what they are called, their
range and direction are in :attr:`ExperimentResult.metric` (a :class:`nnplug.metric.MetricScale`
as a dictionary). Runs saved before metrics (``*_accuracy`` fields) read back as accuracies.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from nnplug.metric import ACCURACY_SCALE, MetricScale


@dataclass
class EpochMetrics:
    """What one epoch of one repeat measured.

    Costs include the weight-decay penalty. The training cost is the mean over the epoch's
    minibatches (weighted by size) and the training metric is accumulated over all of them (one
    ``compute`` at the end: exact for metrics that are not means, such as R²), both measured while
    training; dev figures are measured at the start of the epoch, before any update of that epoch
    (so both curves of an epoch share the same starting parameters). ``None`` where not measured
    (``--eval-dev=false``).
    """

    epoch: int
    training_cost: float
    training_metric: float
    dev_cost: float | None
    dev_metric: float | None
    duration: float
    rss_mb: float
    learning_rate: float

    @property
    def training_accuracy(self) -> float:
        """Older name of :attr:`training_metric`."""
        return self.training_metric

    @property
    def dev_accuracy(self) -> float | None:
        """Older name of :attr:`dev_metric`."""
        return self.dev_metric


@dataclass
class RepeatResult:
    """One training of an experiment with one pair of seeds."""

    repeat: int
    model_seed: int
    dataset_seed: int
    epochs: list[EpochMetrics] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    #: counts[true][predicted] on the dev partition after the last epoch (classification only).
    confusion_matrix: list[list[int]] | None = None
    final_dev_metric: float | None = None
    final_dev_cost: float | None = None
    test_metric: float | None = None
    #: epoch at which dev cost had not improved for the patience (None: never).
    early_stopping_epoch: int | None = None
    best_epoch: int | None = None
    stopped_early: bool = False
    interrupted: bool = False
    gradient_check_seconds: float = 0.0
    duration: float = 0.0
    #: why the repeat failed (``Type: message``), when it ran as a trial that raised or whose worker died.
    error: str | None = None

    @property
    def final_dev_accuracy(self) -> float | None:
        """Older name of :attr:`final_dev_metric`."""
        return self.final_dev_metric

    @final_dev_accuracy.setter
    def final_dev_accuracy(self, value: float | None) -> None:
        self.final_dev_metric = value

    @property
    def test_accuracy(self) -> float | None:
        """Older name of :attr:`test_metric`."""
        return self.test_metric

    @test_accuracy.setter
    def test_accuracy(self, value: float | None) -> None:
        self.test_metric = value

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready)."""
        return asdict(self)


@dataclass
class ExperimentResult:
    """All repeats of one experiment, with the configuration that produced them.

    Attributes:
        metric: the metric's scale (:meth:`nnplug.metric.MetricScale.to_dict`): name, range, unit.
        task: the task of the experiment's data loader (``"classification"``, ``"regression"``...).
    """

    exp_id: str
    config: dict[str, Any]
    repeats: list[RepeatResult] = field(default_factory=list)
    metric: dict[str, Any] = field(default_factory=ACCURACY_SCALE.to_dict)
    task: str = "classification"

    @property
    def scale(self) -> MetricScale:
        """How the metric's values read (name, range, unit, direction)."""
        return MetricScale.from_dict(self.metric)

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready)."""
        return {
            "exp_id": self.exp_id,
            "task": self.task,
            "metric": dict(self.metric),
            "config": self.config,
            "repeats": [r.to_dict() for r in self.repeats],
        }


#: Field names of runs saved before metrics, and their names now.
OLD_FIELD_NAMES = {
    "training_accuracy": "training_metric",
    "dev_accuracy": "dev_metric",
    "final_dev_accuracy": "final_dev_metric",
    "test_accuracy": "test_metric",
}

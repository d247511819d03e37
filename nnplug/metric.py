"""The metric plugin kind (entry-point group ``nnplug.metrics``; ``nnplug.accuracies`` is read too).

A metric scores a model's outputs against the targets over a whole partition, as torchmetrics
does: :meth:`Metric.reset`, then :meth:`Metric.update` with every minibatch, then
:meth:`Metric.compute` once. Figures are therefore exact for metrics that are not a mean of
per-minibatch values (R², F1...), on the training partition too. The trainer hands ``update``
numpy arrays (outputs converted by the model's engine), so metrics serve every engine
(``engine = "any"``).
"""
from __future__ import annotations

import math
from abc import abstractmethod
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

import numpy as np

from nnplug.plugin import Plugin


@dataclass(frozen=True)
class MetricScale:
    """How a metric's values read: its name, range, unit and direction (saved with every run).

    Attributes:
        name: what console lines, reports and plot axes call it (``"accuracy"``, ``"R²"``).
        low: the lowest possible value, or None (unbounded: R² can be any negative number).
        high: the highest possible value, or None.
        unit: ``"%"`` shows values of 0..1 as percents; other text is appended to the number.
        higher_is_better: whether a larger value is a better model.
    """

    name: str = "accuracy"
    low: float | None = 0.0
    high: float | None = 1.0
    unit: str = "%"
    higher_is_better: bool = True

    @property
    def percent(self) -> bool:
        """Whether values are shown as percents (×100)."""
        return self.unit == "%"

    def format(self, value: float | None) -> str:
        """``"97.33%"``, ``"0.5512"``, ``"n/a"`` when not measured."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "n/a"
        if self.percent:
            return f"{100 * value:.2f}%"
        return f"{value:.4f}" + (f" {self.unit}" if self.unit else "")

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (JSON-ready)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> "MetricScale":
        """Read :meth:`to_dict`'s output back (None or an old run without it: accuracy)."""
        if not data:
            return ACCURACY_SCALE
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


#: The scale of accuracies, and of runs saved before metrics had a scale.
ACCURACY_SCALE = MetricScale()


class Metric(Plugin):
    """Scores model outputs against targets, accumulated over a whole partition.

    Subclasses declare, as literal class attributes: ``tasks`` (the tasks they score),
    ``display_name``, ``low``/``high`` (the range, None when unbounded), ``unit`` (``"%"`` for
    shares shown as percents) and ``higher_is_better``; and implement :meth:`reset`,
    :meth:`update` and :meth:`compute`.
    """

    kind: ClassVar[str] = "metric"
    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ()
    display_name: ClassVar[str] = ""
    low: ClassVar[float | None] = None
    high: ClassVar[float | None] = None
    unit: ClassVar[str] = ""
    higher_is_better: ClassVar[bool] = True

    @abstractmethod
    def reset(self) -> None:
        """Forget every update: a new partition starts."""

    @abstractmethod
    def update(self, output: np.ndarray, target: np.ndarray) -> None:
        """Take one minibatch: ``output`` (samples, outputs) and ``target`` as numpy arrays."""

    @abstractmethod
    def compute(self) -> float:
        """The metric over everything updated since :meth:`reset` (NaN when nothing was)."""

    def scale(self) -> MetricScale:
        """The metric's name, range, unit and direction, as results save them."""
        name = self.display_name or self.plugin_name or type(self).__name__
        low = None if self.low is None else float(self.low)
        high = None if self.high is None else float(self.high)
        return MetricScale(name, low, high, self.unit, bool(self.higher_is_better))

    def measure(self, output: np.ndarray, target: np.ndarray) -> float:
        """The metric of one set of outputs alone (resets the metric)."""
        self.reset()
        self.update(output, target)
        value = self.compute()
        self.reset()
        return value

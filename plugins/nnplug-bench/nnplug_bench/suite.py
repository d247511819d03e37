"""What a benchmark suite is: configurations to compare, and how to measure one of them once."""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Metric:
    """A measured quantity.

    Attributes:
        name: column name (``epoch_seconds``).
        unit: shown in tables and plot axes (``s``, ``images/s``).
        higher_is_better: whether a larger value is an improvement (throughput) or not (time).
    """

    name: str
    unit: str
    higher_is_better: bool = False


@dataclass(frozen=True)
class Case:
    """One configuration of a suite.

    Cases of the same ``group`` are compared with each other: each one's ratio is computed to
    the group's baseline case, round by round.

    Attributes:
        group: what is being compared (``MLP 784-100-10 sigmoid``, ``u2net-like batch 4``).
        name: who is compared (``numpy engine``, ``onnxruntime``).
        baseline: whether this case is its group's reference (ratios are to it).
        params: numbers the plots use as axes (``{"batch_size": 4}``).
    """

    group: str
    name: str
    baseline: bool = False
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> str:
        """Unique identifier of the case within its suite."""
        return f"{self.group} / {self.name}"

    def param(self, name: str, default: Any = None) -> Any:
        """The value of parameter ``name``."""
        return dict(self.params).get(name, default)


@dataclass(frozen=True)
class Target:
    """A goal on a case's ratio to its group's baseline (``numpy engine ≤ 1.3× plain torch``).

    Attributes:
        case: the case name the goal is about (in every group that has it, unless ``group`` is set).
        bound: the ratio limit.
        at_most: True for ``ratio ≤ bound``, False for ``ratio ≥ bound``.
        group: restrict the goal to this group.
        metric: the metric whose ratio is judged (default: the suite's primary metric).
        on_value: judge the metric's median itself rather than its ratio to the baseline.
    """

    case: str
    bound: float
    at_most: bool = True
    group: str | None = None
    metric: str | None = None
    on_value: bool = False

    def met(self, ratio: float) -> bool:
        """Whether ``ratio`` satisfies the goal."""
        return ratio <= self.bound if self.at_most else ratio >= self.bound

    def describe(self) -> str:
        """``≤ 1.3×`` or ``≥ 1.5×`` (``≤ 5`` for a goal on the value)."""
        return f"{'≤' if self.at_most else '≥'} {self.bound:g}{'' if self.on_value else '×'}"


class Suite(ABC):
    """A benchmark: cases, the setup they share, and one measurement of one case.

    The runner calls :meth:`missing` (skip the suite when it returns a reason), :meth:`prepare`
    once, then :meth:`measure` for every case of :meth:`cases` in warm-up and measured rounds.
    ``measure`` returns the metrics of one run of the case; its :attr:`primary` metric is the
    one ratios and plots use. Cases that cannot run here say why in :meth:`unavailable`.

    Args:
        quick: tiny data and short runs, for tests (figures meaningless, code paths all taken).
    """

    #: the name users type (``nnplug bench engines``).
    name: ClassVar[str] = ""
    #: one line shown in tables and ``--help``.
    description: ClassVar[str] = ""
    #: the metric of the headline figure and of the ratios.
    primary: ClassVar[Metric]
    #: other metrics ``measure`` returns (summarized too, no ratio unless a target names them).
    secondary: ClassVar[tuple[Metric, ...]] = ()
    #: goals on ratios, checked in the report.
    targets: ClassVar[tuple[Target, ...]] = ()
    #: a case parameter to plot the primary metric against (lines per case name), or None for bars.
    plot_x: ClassVar[str | None] = None
    #: the plot's title.
    plot_title: ClassVar[str] = ""

    def __init__(self, quick: bool = False) -> None:
        self.quick = quick

    def missing(self) -> str | None:
        """Why the whole suite cannot run here (a missing dependency or file), or None."""
        return None

    @abstractmethod
    def cases(self) -> list[Case]:
        """The configurations to compare, baselines included."""

    def unavailable(self, case: Case) -> str | None:
        """Why ``case`` cannot run here, or None (checked before :meth:`prepare`)."""
        return None

    def prepare(self) -> None:
        """Build what all cases share (data, models); called once, before any measurement."""

    def prepare_case(self, case: Case) -> None:
        """Build what only ``case`` needs; called once per available case, after :meth:`prepare`.

        The memory probe calls :meth:`prepare` and this for the one case it measures.
        """

    def cleanup(self) -> None:
        """Remove what :meth:`prepare` left behind (temporary files); called once at the end, even after a failure."""

    @abstractmethod
    def measure(self, case: Case) -> dict[str, float]:
        """Run ``case`` once; return the primary metric and any secondary ones by name."""

    def notes(self) -> list[str]:
        """Lines of context for the report (what was measured, on which data)."""
        return []

    def metrics(self) -> tuple[Metric, ...]:
        """The primary metric then the secondary ones."""
        return (self.primary, *self.secondary)

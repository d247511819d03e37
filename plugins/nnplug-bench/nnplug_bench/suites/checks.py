"""``checks``: what gradient checking and instability checks cost, as a share of training time.

The two networks of the engines suite (NLayers 100 and the 784-100-10 sigmoid MLP) on the
in-memory digits, per engine. Cases: checks off (the baseline), instability checks (``warning``,
the default: the cost and one reduction over the gradients per minibatch, a replay only when
something is not finite, so its cost is the epoch-time ratio, goal ≤ 1.05×; its own time, timed
by the trainer's phase clock within each run, is also given as a share of the epoch, a figure
that the machine's load moves far less than a ratio of two runs), and gradient checks
at their default sampling (2 entries per tensor) run on every epoch so each run measures a check's
cost precisely; the share at the default interval (one check every 25 epochs) is then
``check / (25 × epoch without check + check)``, computed within each run.
"""
from __future__ import annotations

from nnplug.timing import EPOCH, INSTABILITY_CHECKS
from nnplug.trainer import RepeatContext, TrainingObserver
from nnplug_bench.suite import Case, Metric, Target
from nnplug_bench.suites.architectures import ARCHITECTURES
from nnplug_bench.suites.nnplug_training import DigitsTrainingSuite

OFF, INSTABILITY, GRADIENT = "checks off", "instability checks", "gradient checks"
#: the trainer's defaults (``--gradient-checks-interval``).
DEFAULT_INTERVAL = 25
ENGINES = ("numpy", "torch")


class ChecksSuite(DigitsTrainingSuite):
    """Epoch time with and without checks, and the gradient checks' share at default settings."""

    name = "checks"
    description = "cost of gradient and instability checks (NLayers 100 and the sigmoid MLP on digits)"
    primary = Metric("epoch_seconds", "s")
    secondary = (
        Metric("check_seconds", "s"),
        Metric("share_at_default", "%"),
        Metric("instability_share", "%"),
    )
    targets = (
        Target(INSTABILITY, 1.05),
        Target(INSTABILITY, 5.0, metric="instability_share", on_value=True),
        Target(GRADIENT, 5.0, metric="share_at_default", on_value=True),
    )
    plot_title = "Epoch time with checks (median, min–max)"

    def __init__(self, quick: bool = False) -> None:
        super().__init__(quick)
        self.epochs = 1 if quick else 3
        self.samples = 300 if quick else 5000

    def cases(self) -> list[Case]:
        """Off (baseline), instability, gradient checks, for each network and engine."""
        return [
            Case(f"{architecture.title}, {engine} engine", name, baseline=name == OFF, params=(("engine", engine), ("architecture", architecture.key)))
            for architecture in ARCHITECTURES
            for engine in ENGINES
            for name in (OFF, INSTABILITY, GRADIENT)
        ]

    def unavailable(self, case: Case) -> str | None:
        """The engine's plugins must load."""
        from nnplug_bench.suites.nnplug_training import engine_unavailable

        engine = case.param("engine")
        try:
            return engine_unavailable(self.registry(engine), engine, case.param("architecture"))
        except ImportError as err:
            return f"the {engine} engine cannot load: {err}"

    def prepare(self) -> None:
        """Load the digits once."""
        from nnplug_bench.suites.digits import digits

        digits()

    def measure(self, case: Case) -> dict[str, float]:
        """One training run of ``epochs`` epochs with the case's checks."""
        from nnplug_bench.suites.nnplug_training import experiment, median_epoch_seconds, train

        engine = case.param("engine")
        run = experiment(
            engine, case.param("architecture"), self.epochs, self.samples,
            gradient_checks="exception" if case.name == GRADIENT else "off",
            instability_checks="warning" if case.name == INSTABILITY else "off",
        )
        run.options.gradient_checks_interval = 1
        run.options.profiling = True  # the phase clock, in every case alike: it times the instability checks
        clock = _Clock()
        result = train(self.registry(engine), run, [clock])
        epoch = median_epoch_seconds(result)
        figures = {"epoch_seconds": epoch}
        if case.name == INSTABILITY:
            figures["instability_share"] = 100.0 * clock.totals.get(INSTABILITY_CHECKS, 0.0) / clock.totals[EPOCH]
        if case.name == GRADIENT:
            check = result.gradient_check_seconds / len(result.epochs)
            figures["check_seconds"] = check
            figures["share_at_default"] = 100.0 * check / (DEFAULT_INTERVAL * (epoch - check) + check)
        return figures

    def notes(self) -> list[str]:
        """What was measured."""
        return [
            f"{self.samples} digits, minibatches of 100, float32, {self.epochs} epochs per run; gradient checks: "
            f"2 entries per tensor, one check per epoch measured, share computed for one check every {DEFAULT_INTERVAL} epochs"
        ]


class _Clock(TrainingObserver):
    """Keeps the phase totals of the run's clock."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = {}

    def repeat_started(self, context: RepeatContext) -> None:
        """Remember the clock (its totals fill as the run goes)."""
        self.totals = context.clock.totals

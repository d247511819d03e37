"""One ``bin/train`` invocation: the trainer plus everything that watches it."""
from __future__ import annotations

from nnplug.cli.arguments import ParsedCommand
from nnplug.progress import EpochPrinter
from nnplug.registry import Registry
from nnplug.results import ExperimentResult
from nnplug.trainer import Trainer, TrainingObserver


class TrainingSession:
    """Trains the experiments of a parsed command with the standard observers.

    Args:
        registry: the installed plugins.
        command: global options and experiments.
    """

    def __init__(self, registry: Registry, command: ParsedCommand) -> None:
        self.registry = registry
        self.command = command
        self.results: list[ExperimentResult] = []

    def observers(self) -> list[TrainingObserver]:
        """The observers of this session, in the order they are notified."""
        return [EpochPrinter()]

    def run(self) -> int:
        """Train every experiment; return the exit status."""
        trainer = Trainer(self.registry, self.observers())
        self.results = trainer.run(self.command.experiments)
        return 0

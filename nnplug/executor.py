"""The executor plugin kind (entry-point group ``nnplug.executors``): where a command's trials run.

Every (experiment, repeat) of a command is a :class:`~nnplug.trials.Trial`. An executor runs the
trials of a :class:`~nnplug.study.Study` and reports what they send back to it; the study hands
the events to the session's observers, so one run directory is written whatever the executor.

Built in: ``sequential`` (the default: one trial after the other in this process, with every
observer), ``processes`` (local worker processes, ``--jobs``) and, in the ``nnplug-ray``
distribution, ``ray`` (a Ray cluster). An executor's constructor options are general options of
``bin/train`` (``--jobs``, ``--ray-address``...), taken only with that executor selected.
"""
from __future__ import annotations

import contextlib
import gc
from abc import abstractmethod
from typing import TYPE_CHECKING, ClassVar, Iterator

from nnplug.plugin import Plugin

if TYPE_CHECKING:
    from nnplug.experiment import Experiment
    from nnplug.study import Study


class Executor(Plugin):
    """Runs the trials of a study: in this process, in worker processes, on a cluster.

    Life cycle: ``prepare(experiments)`` before the run directory is created (check options,
    connect; a user error raises :class:`~nnplug.errors.NnplugError`), ``run(study)``, then
    ``close()`` however the run ended.
    """

    kind: ClassVar[str] = "executor"
    engine: ClassVar[str] = "any"
    #: True when trials run in this process with the live model (profiling, tracked layers,
    #: sample plots and per-minibatch progress bars then work); False when only their events come back.
    in_process: ClassVar[bool] = False

    def prepare(self, experiments: list["Experiment"]) -> None:
        """Check that the trials can run (options, resources, connection) before anything is written."""

    def trial_threads(self) -> int:
        """Math threads of a trial whose experiment leaves ``--threads-per-trial`` at 0: one (trials run side by side).

        The session gives this number to such experiments before :meth:`prepare` (``run.json``
        records it, see :mod:`nnplug.threads`); an executor that runs one trial at a time returns
        the number of cores.
        """
        return 1

    @abstractmethod
    def run(self, study: "Study") -> None:
        """Run every trial of ``study``, reporting each one's events and end to it.

        Implementations call ``study.start()`` first, then for each trial ``study.receive`` with
        its events and ``study.trial_ended`` when it ends (with the one-line error of a trial that
        raised or whose worker died: the other trials go on). On ``KeyboardInterrupt`` they cancel
        the running trials, call ``study.interrupt`` with them and re-raise; no worker is left behind.
        """

    def close(self) -> None:
        """Release what :meth:`prepare` took (connections, local clusters)."""


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Within the block, the objects that exist when it starts are out of the garbage collector's reach.

    What a process imported (numpy, libvips, matplotlib, Ray in a process that uses it: some
    340,000 objects) is then not walked by the collector's full passes during the trials. In a
    ``bin/train`` process it changes nothing measurable (two numbers trials: 2.96 s frozen, 2.98 s
    not); in a process that has imported Ray (notebooks, ``nnplug bench``) 2.78 s against 3.07 s.
    The processes executor's workers inherit the driver's frozen heap. No full collection first:
    it took 40-60 ms of the study's serial start, and the garbage it would free goes back to the
    collector when the block ends. (Freezing a Ray worker's heap made Ray studies slower: 4.9 s
    against 4.1 s, so Ray workers do not.)
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()

"""``--executor=sequential``: one trial after the other in this process (the default)."""
from __future__ import annotations

from typing import ClassVar

from nnplug.executor import Executor, frozen_heap
from nnplug.study import Study
from nnplug.threads import current_threads


class Sequential(Executor):
    """Runs every trial in this process, one after the other, with every observer (the default)."""

    in_process: ClassVar[bool] = True

    def trial_threads(self) -> int:
        """This process's setting: one trial runs at a time, on every core unless ``OMP_NUM_THREADS`` or the like limits it."""
        return current_threads()

    def run(self, study: Study) -> None:
        """Train the experiments in order, each repeat after the other."""
        with frozen_heap():
            study.run_in_process()

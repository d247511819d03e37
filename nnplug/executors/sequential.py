"""``--executor=sequential``: one trial after the other in this process (the default)."""
from __future__ import annotations

from typing import ClassVar

from nnplug.executor import Executor, frozen_heap
from nnplug.study import Study


class Sequential(Executor):
    """Runs every trial in this process, one after the other, with every observer (the default)."""

    in_process: ClassVar[bool] = True

    def run(self, study: Study) -> None:
        """Train the experiments in order, each repeat after the other."""
        with frozen_heap():
            study.run_in_process()

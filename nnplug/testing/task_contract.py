"""Contract checks of task plugins: examples that the task's own target check accepts, near closer than far."""
from __future__ import annotations

from typing import Any

import numpy as np

from nnplug.task import Task
from nnplug.testing.instances import display_name, plugin_factory


def check_task(task: type[Task] | Task, options: dict[str, Any] | None = None, *, nbr_outputs: int = 3, batch_size: int = 6) -> None:
    """Check that a task plugin gives what the other checks use; raise AssertionError if not.

    Checks: ``example`` gives outputs and targets of shape (batch, outputs) that ``target_problem``
    accepts, while it refuses targets of another width; ``near_and_far`` gives two arrays of the
    targets' shape, the near one closer to the targets (mean squared distance).

    Args:
        task: the task class, or an instance.
        options: constructor options when ``task`` is a class.
        nbr_outputs: columns of outputs and targets.
        batch_size: rows.
    """
    instance = plugin_factory(task, options, Task)()
    name = display_name(instance)

    def fail(message: str) -> None:
        raise AssertionError(f"task {name}: {message}")

    try:
        output, target = instance.example(np.random.default_rng(0), batch_size, nbr_outputs)
        problem = instance.target_problem(target, nbr_outputs)
        wrong_width = instance.target_problem(np.zeros((batch_size, nbr_outputs + 1)), nbr_outputs)
        near, far = instance.near_and_far(np.asarray(target))
    except Exception as err:  # noqa: BLE001 - a plugin's defect is a failure, not a crash
        fail(f"raised {type(err).__name__}: {err}")
    for label, array in (("example outputs", output), ("example targets", target), ("near outputs", near), ("far outputs", far)):
        if np.shape(array) != (batch_size, nbr_outputs):
            fail(f"{label} have shape {np.shape(array)}, expected {(batch_size, nbr_outputs)}")
    if problem:
        fail(f"target_problem() refuses the task's own example targets: {problem}")
    if not wrong_width:
        fail(f"target_problem() accepts targets of {nbr_outputs + 1} columns for {nbr_outputs} outputs")
    if not np.mean((np.asarray(near) - target) ** 2) < np.mean((np.asarray(far) - target) ** 2):
        fail("near_and_far(): the near outputs are not closer to the targets than the far ones")

"""``check_optimizer`` catches optimizers whose state does not let a checkpoint continue training."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug.optimizer import Optimizer
from nnplug.testing import check_optimizer

Adam = pytest.importorskip("nnplug_numpy.optimizers.adam").Adam
ExponentialDecay = pytest.importorskip("nnplug_numpy.optimizers.exponential_decay").ExponentialDecay


class StatelessAdam(Adam):
    """Adam that forgets to save its moments."""

    def state(self) -> dict[str, np.ndarray]:
        return Optimizer.state(self)

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        Optimizer.load_state(self, state)


class SharingAdam(Adam):
    """Adam whose state hands out its live moment arrays instead of copies."""

    def state(self) -> dict[str, np.ndarray]:
        return {"steps": np.array(self.steps), **{f"first/{p.name}": m for p, m in zip(self.parameters, self.first)},
                **{f"second/{p.name}": v for p, v in zip(self.parameters, self.second)}}


class IgnoringAdam(Adam):
    """Adam that saves its state but does not restore the step count."""

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        steps = self.steps
        super().load_state(state)
        self.steps = steps


class ForgetfulSchedule(ExponentialDecay):
    """A schedule that restarts from its first epoch when continued."""

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        super().load_state(state)
        self.epochs_before = 0


@pytest.mark.parametrize("optimizer", [Adam, ExponentialDecay])
def test_the_state_of_the_numpy_optimizers_continues_training(optimizer: type[Optimizer]) -> None:
    check_optimizer(optimizer)


@pytest.mark.parametrize(
    ("optimizer", "message"),
    [
        (StatelessAdam, r"did not continue as the original .*state names: none"),
        (SharingAdam, r"state\(\)\['first/L0_Dense_W'\] changed when the optimizer stepped on"),
        (IgnoringAdam, r"did not continue as the original \(parameter 'L0_Dense_W' differs"),
        (ForgetfulSchedule, r"did not continue as the original"),
    ],
)
def test_optimizers_that_cannot_be_continued_are_caught(optimizer: type[Optimizer], message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check_optimizer(optimizer)

"""Early stopping watches the dev cost: it marks the epoch, or stops and restores the best parameters."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug.trainer import EarlyStopping, TrainingObserver


class Spy(TrainingObserver):
    """Records early-stopping events and the final parameters."""

    def __init__(self):
        self.events = []

    def repeat_started(self, context):
        self.initial = context.model.state_dict()

    def early_stopping(self, context, epoch):
        self.events.append(epoch)

    def repeat_finished(self, context):
        self.final = context.model.state_dict()


def test_mark_records_the_epoch_and_trains_on(train):
    spy = Spy()
    # gradient ascent: the dev cost worsens from the first epoch on
    session = train(["--ascent=true", "--learning-rate=0.05", "--nbr-epochs=8", "--early-stopping-patience=3"], [spy])
    (repeat,) = session.results[0].repeats
    assert repeat.early_stopping_epoch == 4 and repeat.best_epoch == 1
    assert len(repeat.epochs) == 8 and not repeat.stopped_early
    assert spy.events == [4]


def test_stop_restores_the_best_on_dev_parameters(train):
    spy = Spy()
    args = ["--ascent=true", "--learning-rate=0.05", "--nbr-epochs=8", "--early-stopping-patience=2", "--early-stopping-action=stop"]
    session = train(args, [spy])
    (repeat,) = session.results[0].repeats
    assert repeat.stopped_early and repeat.early_stopping_epoch == 3 and len(repeat.epochs) == 3
    # dev cost of epoch 1 is measured on the initial parameters: they are the best and are restored
    for name, value in spy.initial.items():
        np.testing.assert_array_equal(spy.final[name], value)
    assert repeat.final_dev_cost == pytest.approx(repeat.epochs[0].dev_cost)


def test_improving_training_never_triggers(train):
    session = train(["--nbr-epochs=6", "--early-stopping-patience=2"])
    assert session.results[0].repeats[0].early_stopping_epoch is None


def test_patience_zero_never_triggers():
    stopper = EarlyStopping(0)
    for epoch, cost in enumerate([1.0, 2.0, 3.0, 4.0], start=1):
        stopper.observe(epoch, cost, model=None)
    assert stopper.triggered_at is None and stopper.best_epoch == 1

"""The trainer on toy plugins: epochs, dev first, repeats and seeds, checks, results as data."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.checks import GradientCheckError
from nnplug.cli.arguments import parse_command
from nnplug.trainer import Trainer, TrainingObserver


def train(registry, args, observers=()):
    command = parse_command(args, registry)
    return Trainer(registry, list(observers)).run(command.experiments)


def test_training_learns_and_reports_every_epoch(toy_registry):
    (result,) = train(toy_registry, ["--nbr-epochs=15"])
    (repeat,) = result.repeats
    assert [m.epoch for m in repeat.epochs] == list(range(1, 16))
    assert repeat.epochs[-1].training_cost < repeat.epochs[0].training_cost
    assert repeat.final_dev_accuracy == 1.0
    assert np.sum(repeat.confusion_matrix) == 18  # 15% of 120 samples on dev
    assert result.config["plugins"]["optimizer"]["options"] == {"learning_rate": 0.5, "weight_decay": 0.0, "ascent": False}


def test_dev_is_evaluated_before_training_in_each_epoch(toy_registry):
    (result,) = train(toy_registry, ["--nbr-epochs=1"])
    (epoch,) = result.repeats[0].epochs
    assert epoch.dev_accuracy is not None and epoch.dev_cost == pytest.approx(np.log(3), rel=0.05)  # untrained model


def test_same_seeds_same_metrics_and_repeats_vary_the_model_seed(toy_registry):
    args = ["--nbr-epochs=3", "--training-times=2", "--model-seed=7"]
    (first,) = train(toy_registry, args)
    (second,) = train(toy_registry, args)
    costs = lambda result: [[m.training_cost for m in r.epochs] for r in result.repeats]  # noqa: E731
    assert costs(first) == costs(second)
    seeds = [(r.model_seed, r.dataset_seed) for r in first.repeats]
    assert seeds[0] == (7, 0) and seeds[1][0] != 7 and seeds[1][1] == 0


def test_dataset_randomness_study_varies_only_the_dataset_seed(toy_registry):
    (result,) = train(toy_registry, ["--nbr-epochs=1", "--training-times=3", "--repeat-seeds=dataset"])
    assert {r.model_seed for r in result.repeats} == {0}
    assert len({r.dataset_seed for r in result.repeats}) == 3


def test_gradient_checks_pass_and_do_not_change_results(toy_registry):
    (checked,) = train(toy_registry, ["--nbr-epochs=3", "--gradient-checks=exception", "--gradient-checks-interval=1"])
    (unchecked,) = train(toy_registry, ["--nbr-epochs=3", "--gradient-checks=off"])
    assert [m.training_cost for m in checked.repeats[0].epochs] == [m.training_cost for m in unchecked.repeats[0].epochs]
    assert checked.repeats[0].gradient_check_seconds > 0


def test_wrong_gradient_is_caught(toy_registry):
    model_cls = toy_registry.plugins["model"]["OneLayer"].cls

    class Wrong(model_cls):
        """A model whose backward forgets the 1/m factor."""

        def backward(self, loss, output, target, cost):
            super().backward(loss, output, target, cost)
            self.w.grad *= 2

    toy_registry.add("model", "Wrong", Wrong)
    with pytest.raises(GradientCheckError, match=r"L0_Dense_W\[4, 3\]"):
        train(toy_registry, ["--model=Wrong", "--nbr-epochs=1"])


def test_plugin_refusing_its_options_is_a_user_error(toy_registry):
    with pytest.raises(NnplugError, match="Adam: --learning-rate must be positive"):
        train(toy_registry, ["--learning-rate=-1", "--nbr-epochs=1"])


def test_observers_see_every_event(toy_registry):
    events = []

    class Recorder(TrainingObserver):
        def __getattribute__(self, name):
            if not name.startswith("_") and name in dir(TrainingObserver):
                return lambda *args: events.append(name)
            return object.__getattribute__(self, name)

    train(toy_registry, ["--nbr-epochs=2"], [Recorder()])
    assert events[:3] == ["experiment_started", "repeat_started", "epoch_started"]
    assert events.count("epoch_finished") == 2 and events[-1] == "experiment_finished"
    assert events.count("minibatch_finished") == 2 * 6  # 84 training samples in minibatches of 16

"""bin/train arguments: experiments, global options, plugin options and their errors."""
from __future__ import annotations

from typing import ClassVar

import pytest

from nnplug import NnplugError, Optimizer
from nnplug.cli.arguments import parse_command


class Decaying(Optimizer):
    """An optimizer with an option the default one lacks.

    Args:
        learning_rate: step size.
        decay: decay per epoch.
    """

    engine: ClassVar[str] = "numpy"

    def __init__(self, learning_rate: float = 0.1, decay: float = 0.9) -> None:
        self.learning_rate = learning_rate
        self.decay = decay

    def build(self, parameters):
        pass

    def step(self, epoch):
        pass


@pytest.fixture
def registry(toy_registry):
    toy_registry.add("optimizer", "Decaying", Decaying)
    return toy_registry


def test_defaults_make_one_experiment(registry):
    command = parse_command([], registry)
    (experiment,) = command.experiments
    assert experiment.exp_id == "exp1"
    assert experiment.options.nbr_epochs == 100
    assert experiment.plugin_name("optimizer") == "Adam"
    assert not command.global_options.debug


def test_experiments_are_separated_and_start_from_defaults(registry):
    command = parse_command(
        ["--nbr-epochs=3", "--learning-rate=0.2", "--experiment", "--exp-id=b", "--optimizer=Decaying", "--decay", "0.5", "--debug"],
        registry,
    )
    first, second = command.experiments
    assert (first.options.nbr_epochs, first.plugin_options["optimizer"]) == (3, {"learning_rate": 0.2})
    assert (second.options.nbr_epochs, second.exp_id) == (100, "b")
    assert second.plugin_options["optimizer"] == {"decay": 0.5}
    assert command.global_options.debug  # global options may stand in any experiment


def test_duplicate_ids_get_suffixes(registry):
    command = parse_command(["--exp-id=a", "--experiment", "--exp-id=a", "--experiment", "--exp-id=a"], registry)
    assert [e.exp_id for e in command.experiments] == ["a", "a_1", "a_2"]


def test_repeatable_option_collects_values(registry):
    (experiment,) = parse_command(["--track-layer=L0_Dense_W,4", "--track-layer", "L0_Dense_b,2"], registry).experiments
    assert experiment.options.track_layer == ["L0_Dense_W,4", "L0_Dense_b,2"]


def test_bare_boolean_flag_means_true(registry):
    (experiment,) = parse_command(["--profiling", "--eval-dev", "false"], registry).experiments
    assert experiment.options.profiling and not experiment.options.eval_dev


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model=Nope"], r"unknown model 'Nope' \(available: OneLayer\)"),
        (["--nbr-epoch=3"], r"unknown option --nbr-epoch \(did you mean --nbr-epochs\?\)"),
        (["--nbr-epochs=three"], r"invalid value for --nbr-epochs: expected an integer"),
        (["--nbr-epochs=0"], r"--nbr-epochs must be a positive integer"),
        (["--nbr-epochs=-2"], r"--nbr-epochs must be a positive integer"),
        (["--training-times=0"], r"--training-times must be a positive integer"),
        (["--decay=0.5"], r"option --decay is not used by the selected plugins \(it is an option of Decaying\)"),
        (["--nbr-epochs"], r"option --nbr-epochs needs a value"),
        (["colors"], r"unexpected argument 'colors'"),
        (["--learning-rate=-1"], None),  # accepted by parsing, refused when the optimizer is built
        (["--track-layer=L0"], r"--track-layer expects NAME,UNITS"),
    ],
)
def test_bad_input_is_one_clear_error(registry, args, message):
    if message is None:
        parse_command(args, registry)
        return
    with pytest.raises(NnplugError, match=message):
        parse_command(args, registry)

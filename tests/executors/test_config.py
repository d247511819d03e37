"""--config: a run's run.json (or a TOML file of the same shape) runs its experiments again."""
from __future__ import annotations

import json

import pytest

from nnplug.cli.arguments import parse_command
from nnplug.errors import NnplugError

TOML = """
[[experiments]]
exp_id = "slow"
[experiments.options]
nbr_epochs = 2
training_times = 2
model_seed = 3
[experiments.plugins.optimizer]
options = { learning_rate = 0.05 }

[[experiments]]
exp_id = "fast"
options = { nbr_epochs = 1 }
plugins.optimizer.options.learning_rate = 0.5
"""


def test_replaying_a_run_gives_the_same_metrics(train, metrics_of):
    _, first = train(["--nbr-epochs=3", "--training-times=2", "--repeat-seeds=both", "--dataset-seed=4",
                      "--experiment", "--exp-id=b", "--learning-rate=0.3", "--nbr-epochs=2"])
    status, again = train([f"--config={first.run_dir / 'run.json'}"])
    assert status == 0
    assert metrics_of(again.run_dir) == metrics_of(first.run_dir)


def test_options_after_the_file_override_it_in_every_experiment(train, registry):
    _, first = train(["--nbr-epochs=3", "--experiment", "--exp-id=b", "--nbr-epochs=2"])
    command = parse_command([f"--config={first.run_dir}", "--nbr-epochs=1", "--executor=processes"], registry)
    assert [(e.exp_id, e.options.nbr_epochs) for e in command.experiments] == [("exp1", 1), ("b", 1)]
    assert command.global_options.executor == "processes"


def test_a_hand_written_toml_file_works(tmp_path, registry):
    path = tmp_path / "study.toml"
    path.write_text(TOML)
    command = parse_command([f"--config={path}"], registry)
    slow, fast = command.experiments
    assert (slow.exp_id, slow.options.nbr_epochs, slow.options.training_times, slow.options.model_seed) == ("slow", 2, 2, 3)
    assert slow.plugin_options["optimizer"]["learning_rate"] == 0.05
    assert (fast.exp_id, fast.options.nbr_epochs, fast.plugin_options["optimizer"]["learning_rate"]) == ("fast", 1, 0.5)


@pytest.mark.parametrize("document, message", [
    ({"experiments": [{"options": {"model": "Nope"}}]}, "unknown model 'Nope'"),
    ({"experiments": [{"options": {"bogus_option": 1}}]}, "unknown option --bogus-option"),
    ({"experiments": [{"plugins": {"optimizer": {"options": {"learning_rate": "fast"}}}}]}, "--learning-rate"),
    ({"experiments": {"a": 1}}, "expected a non-empty list 'experiments'"),
    ({"experiments": [3]}, "experiment 1: expected a table"),
    ([1, 2], "expected a table with an experiments list"),
])
def test_bad_config_files_are_one_line(tmp_path, registry, document, message):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(document))
    with pytest.raises(NnplugError, match=message):
        parse_command([f"--config={path}"], registry)


def test_unreadable_files_and_extra_experiments_are_one_line(tmp_path, registry):
    with pytest.raises(NnplugError, match="cannot read --config"):
        parse_command([f"--config={tmp_path / 'missing.toml'}"], registry)
    broken = tmp_path / "broken.toml"
    broken.write_text("[[experiments]\n")
    with pytest.raises(NnplugError, match="is not valid TOML"):
        parse_command([f"--config={broken}"], registry)
    broken.write_text(TOML)
    with pytest.raises(NnplugError, match="--experiment cannot be added"):
        parse_command([f"--config={broken}", "--experiment"], registry)

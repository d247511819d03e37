"""--sweep: one experiment per point of a grid (or random points), readable ids, checked values."""
from __future__ import annotations

import pytest

from nnplug.cli.arguments import parse_command
from nnplug.errors import NnplugError
from nnplug.sweep import check_sweep, sweep_points


def test_a_grid_makes_one_experiment_per_combination_with_readable_ids(registry):
    command = parse_command(['--sweep={"learning-rate":[0.1,0.3],"scale":[0.01,0.02,0.05]}', "--training-times=2",
                             "--experiment", "--exp-id=plain"], registry)
    ids = [e.exp_id for e in command.experiments]
    assert ids[:2] == ["exp1-learning-rate=0.1-scale=0.01", "exp1-learning-rate=0.1-scale=0.02"]
    assert len(ids) == 7 and ids[-1] == "plain"
    point = command.experiments[4]
    assert point.plugin_options["optimizer"]["learning_rate"] == 0.3 and point.plugin_options["model"]["scale"] == 0.02
    assert all(e.options.training_times == 2 for e in command.experiments[:6])


def test_the_experiment_id_given_is_the_base_of_the_points(registry):
    command = parse_command(["--exp-id=lr", '--sweep={"nbr-epochs":[1,2]}'], registry)
    assert [e.exp_id for e in command.experiments] == ["lr-nbr-epochs=1", "lr-nbr-epochs=2"]
    assert [e.options.nbr_epochs for e in command.experiments] == [1, 2]


def test_random_points_are_seeded_and_drawn_from_the_grid(registry):
    args = ['--sweep={"learning-rate":[0.1,0.2,0.3,0.4],"scale":[0.01,0.02]}', "--sweep-samples=3"]
    first = [e.exp_id for e in parse_command(args, registry).experiments]
    assert first == [e.exp_id for e in parse_command(args, registry).experiments]
    assert len(set(first)) == 3
    other = [e.exp_id for e in parse_command([*args, "--sweep-seed=4"], registry).experiments]
    assert other != first


def test_list_values_are_swept_as_lists():
    points = sweep_points(check_sweep({"layers": [[100], [50, 20], []]}, {"layers"}))
    assert [p.suffix() for p in points] == ["layers=100", "layers=50,20", "layers="]


@pytest.mark.parametrize("args, message", [
    (["--sweep=[1,2]"], "expected a JSON object"),
    (["--sweep={}"], "--sweep is empty"),
    (['--sweep={"nope":[1]}'], "unknown option --nope"),
    (['--sweep={"learning-rate":[]}'], "non-empty JSON list"),
    (['--sweep={"learning-rate":["fast"]}'], "--learning-rate"),
    (["--sweep-samples=2"], "need a --sweep"),
])
def test_bad_sweeps_are_one_line(registry, args, message):
    with pytest.raises(NnplugError, match=message):
        parse_command(args, registry)


def test_report_ranks_the_points_and_plots_the_metric_against_each_swept_option(train):
    from click.testing import CliRunner

    from nnplug.cli.report import report

    _, session = train(['--sweep={"learning-rate":[0.001,0.5],"scale":[0.01,0.02]}', "--nbr-epochs=2", "--training-times=2"])
    result = CliRunner().invoke(report, [str(session.run_dir)])
    assert result.exit_code == 0, result.output
    ranking = result.output.split("ranked by final dev accuracy (options varied: learning-rate, scale)")[1].splitlines()
    assert ranking[2].startswith("1     exp1-learning-rate=0.5-")
    assert ranking[5].startswith("4     exp1-learning-rate=0.001-") and "±" in ranking[5]
    assert (session.run_dir / "sweep.png").stat().st_size > 1000

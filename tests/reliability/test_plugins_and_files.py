"""Hostile plugins (issue 16, defect 4) and damaged files (defect 8): one line, the rest keeps working."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from nnplug.cli.errors import run_click, run_guarded
from nnplug.cli.main import cli
from tests.reliability.conftest import NNPLUG, TRAIN, error_lines, run_command
from tests.reliability.hostile_plugins import HOSTILE, write_hostile_site


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_hostile_site(tmp_path_factory.mktemp("hostile") / "site")


def test_help_and_listing_survive_hostile_plugins(hostile_site: Path, tmp_path: Path) -> None:
    help_text = run_command([*TRAIN, "--help"], tmp_path, PYTHONPATH=str(hostile_site))
    assert help_text.returncode == 0 and help_text.stderr == "", help_text.stderr
    assert "Latin1Model: BROKEN:" in help_text.stdout and "not UTF-8" in help_text.stdout
    listing = run_command([*NNPLUG, "plugins"], tmp_path, PYTHONPATH=str(hostile_site))
    assert listing.returncode == 0, listing.stderr
    for name in HOSTILE:
        assert name in listing.stdout


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_selecting_a_hostile_plugin_is_one_line_naming_it(hostile_site: Path, tmp_path: Path, name: str) -> None:
    kind = HOSTILE[name][0]
    result = run_command([*TRAIN, f"--runs-dir={tmp_path / 'runs'}", "--nbr-epochs=1", f"--{kind}={name}"], tmp_path, PYTHONPATH=str(hostile_site))
    assert result.returncode == 2, result.stderr
    lines = error_lines(result.stderr)
    assert len(lines) == 1 and name in lines[0] and "Traceback" not in result.stderr, result.stderr


def _saved_run(tmp_path: Path, toy_registry) -> Path:
    from nnplug.cli.arguments import parse_command
    from nnplug.session import TrainingSession

    command = parse_command([f"--runs-dir={tmp_path / 'runs'}", "--nbr-epochs=2"], toy_registry)
    session = TrainingSession(toy_registry, command, show_progress=False, draw_plots=False)
    session.run()
    return session.run_dir


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: d["experiments"][0].pop("exp_id"),
        lambda d: d["experiments"][0]["repeats"][0].pop("model_seed"),
        lambda d: d["experiments"][0]["repeats"][0]["epochs"][0].pop("epoch"),
        lambda d: d["experiments"][0].update(config="abc"),
        lambda d: d.update(experiments=None),
    ],
    ids=["no-exp-id", "no-model-seed", "no-epoch", "config-text", "experiments-null"],
)
def test_report_on_a_damaged_run_is_one_line(tmp_path: Path, toy_registry, damage, capsys) -> None:
    run = _saved_run(tmp_path, toy_registry)
    document = json.loads((run / "run.json").read_text())
    damage(document)
    (run / "run.json").write_text(json.dumps(document))
    capsys.readouterr()
    status = run_guarded(lambda: run_click(cli, ["report", "--no-plots", str(run)], "nnplug"), "nnplug", debug=False)
    err = capsys.readouterr().err
    assert status == 2 and len(error_lines(err)) == 1 and "run.json" in err, err
    shutil.rmtree(run)

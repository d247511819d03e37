"""--track-layer and --display-samples: pictures of parameters and inputs in the run directory."""
from __future__ import annotations

import numpy as np
import pytest

from nnplug import NnplugError
from nnplug.cli.arguments import parse_command
from nnplug.cli.errors import run_guarded
from nnplug.session import TrainingSession
from nnplug.tracking import snapshot_epochs, unit_weights


def test_tracked_units_are_saved_over_epochs(train):
    session = train(["--nbr-epochs=4", "--track-layer=L0_Dense_W,2", "--track-layer=L0_Dense_b,3", "--training-times=2"])
    with np.load(session.run_dir / "tracked-exp1-L0_Dense_W.npz") as data:
        assert data["epochs"].tolist() == [0, 1, 2, 3, 4]
        assert data["values"].shape == (5, 2, 12)  # units of a (inputs, classes) matrix are its columns
        assert data["sample_shape"].tolist() == [3, 2, 2]
        assert not np.allclose(data["values"][0], data["values"][-1])
    assert (session.run_dir / "tracked-exp1-L0_Dense_W.png").exists()
    assert (session.run_dir / "tracked-exp1-L0_Dense_b.png").exists()


def test_unknown_parameter_lists_the_names(registry, tmp_path, capsys):
    command = parse_command([f"--runs-dir={tmp_path}", "--nbr-epochs=1", "--track-layer=L9_Conv_W,4"], registry)
    status = run_guarded(TrainingSession(registry, command, show_progress=False, draw_plots=False).run, "train", debug=False)
    assert status == 2
    assert capsys.readouterr().err == (
        "train: error: --track-layer: the model has no parameter 'L9_Conv_W' (parameters: L0_Dense_W, L0_Dense_b)\n"
    )


def test_bad_track_layer_format_is_refused(registry):
    with pytest.raises(NnplugError, match="NAME,UNITS"):
        parse_command(["--track-layer=L0_Dense_W"], registry)


def test_samples_are_drawn_with_their_labels(train):
    session = train(["--nbr-epochs=1", "--display-samples=5"])
    assert (session.run_dir / "samples-exp1.png").read_bytes()[:4] == b"\x89PNG"


def test_units_follow_the_weight_layout():
    inputs_by_units = np.arange(12 * 3).reshape(12, 3)  # x @ W
    assert unit_weights(inputs_by_units, 2, 12).tolist() == inputs_by_units.T[:2].tolist()
    units_by_inputs = np.arange(3 * 12).reshape(3, 12)  # torch Linear
    assert unit_weights(units_by_inputs, 5, 12).shape == (3, 12)
    filters = np.zeros((8, 3, 5, 5))
    assert unit_weights(filters, 4, 12).shape == (4, 75)
    assert unit_weights(np.arange(3.0), 2, 12).tolist() == [[0.0], [1.0]]


def test_snapshots_cover_initialization_and_the_last_epoch():
    assert snapshot_epochs(3) == {0, 1, 2, 3}
    chosen = snapshot_epochs(100)
    assert len(chosen) == 10 and {0, 100} <= chosen

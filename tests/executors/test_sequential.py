"""The sequential executor (the default): today's loop, with a failing trial recorded like other executors'."""
from __future__ import annotations

import pytest

from nnplug.errors import NnplugError


def test_a_failing_trial_is_recorded_and_the_next_ones_run(train, run_document, capsys):
    status, session = train(["--model=Fragile", "--fail-seed=0", "--nbr-epochs=2", "--training-times=2",
                             "--experiment", "--exp-id=b", "--nbr-epochs=1"])
    assert status == 1
    document = run_document(session.run_dir)
    assert document["status"] == "failed"
    first, second = document["experiments"]
    assert [r["error"] for r in first["repeats"]] == ["ValueError: boom at step 3", None]
    assert len(first["repeats"][1]["epochs"]) == 2 and len(second["repeats"][0]["epochs"]) == 1
    assert "trials failed: exp1 repeat 1 (ValueError: boom at step 3)" in capsys.readouterr().err


def test_bad_input_before_any_training_still_stops_with_no_run(train, tmp_path):
    with pytest.raises(NnplugError, match="learning-rate"):
        train(["--learning-rate=-1", "--nbr-epochs=1"])
    assert not any((tmp_path / "runs").iterdir())


def test_trials_run_with_the_heap_before_them_frozen_and_it_is_given_back(train, registry):
    import gc

    from nnplug.testing import toys

    seen = []

    class Watching(toys.SoftmaxRegression):
        """Softmax regression noting how many objects the collector leaves alone at each training step."""

        def forward(self, x, training=False):
            seen.append(gc.get_freeze_count())
            return super().forward(x, training)

    registry.add("model", "Watching", Watching)
    before = gc.get_freeze_count()
    status, _ = train(["--model=Watching", "--nbr-epochs=1"])
    assert status == 0
    assert seen and min(seen) > before  # what existed before the study: out of the collector's reach
    assert gc.get_freeze_count() == before  # and back in it afterwards

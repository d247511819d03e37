"""Terminal output: one line per epoch per experiment, progress bars only on a terminal."""
from __future__ import annotations

import io
import logging

from nnplug.cli.arguments import parse_command
from nnplug.logs import Summary
from nnplug.progress import EpochPrinter, ProgressBars
from nnplug.session import TrainingSession
from nnplug.trainer import Trainer


def test_epoch_lines_and_no_bars_when_not_a_terminal(train, capsys):
    train(["--nbr-epochs=2", "--training-times=2", "--exp-id=b"])
    out = capsys.readouterr()
    epoch_lines = [line for line in out.out.splitlines() if line.startswith("[Epoch")]
    assert len(epoch_lines) == 4
    assert epoch_lines[0].startswith("[Epoch 1] [Exp b] [Repeat 1] cost ")
    assert "training accuracy" in epoch_lines[0] and "dev accuracy" in epoch_lines[0]
    assert "\r" not in out.err and "it/s" not in out.err and "epoch/s" not in out.err


def test_session_shows_no_bars_when_output_is_captured(registry, tmp_path):
    command = parse_command([f"--runs-dir={tmp_path}", "--nbr-epochs=1"], registry)
    assert TrainingSession(registry, command).show_progress is False


def test_progress_bars_count_epochs_and_minibatches(registry, tmp_path):
    command = parse_command(["--nbr-epochs=3", "--training-times=2", "--early-stopping-patience=0"], registry)
    stream = io.StringIO()
    bars = ProgressBars(command.experiments, stream=stream)
    Trainer(registry, [EpochPrinter(io.StringIO()), bars]).run(command.experiments)
    assert bars.overall.total == 6 and bars.overall.n == 6
    bars.close()
    text = stream.getvalue()
    assert "loss" in text and "acc" in text and "batch" in text


def test_debug_logs_are_lazy_and_name_their_component(train, caplog):
    with caplog.at_level(logging.DEBUG, logger="nnplug"):
        train(["--nbr-epochs=1"])
    names = {record.name for record in caplog.records}
    assert {"nnplug.trainer", "nnplug.layers"} <= names
    messages = "\n".join(record.getMessage() for record in caplog.records)
    assert "inputs float64 (16, 12) mean" in messages and "L0_Dense forward output" in messages
    assert "parameter L0_Dense_W: value float64 (12, 3)" in messages


def test_summaries_are_not_computed_when_debug_is_off(train, caplog, monkeypatch):
    calls = []
    monkeypatch.setattr(Summary, "__str__", lambda self: calls.append(1) or "x")
    with caplog.at_level(logging.INFO, logger="nnplug"):
        train(["--nbr-epochs=2"])
    assert calls == []

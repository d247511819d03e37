"""Contract check of executor plugins: the sequential loop's metrics, one run directory, failures kept to their trial.

An executor decides where trials run; whatever it decides, a run must read as if the trials had
run one after the other here. :func:`check_executor` trains a small study of toy plugins (three
classes of 2x2 images, softmax regression) with the executor and with the sequential loop, and
compares what they saved.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from nnplug.arrays import ArrayDataLoader
from nnplug.executor import Executor
from nnplug.testing import toys
from nnplug.testing.instances import display_name, plugin_factory

#: Two experiments, repeats with derived seeds, a second learning rate.
STUDY = ["--nbr-epochs=3", "--training-times=3", "--experiment", "--exp-id=b", "--learning-rate=0.3", "--nbr-epochs=2", "--training-times=2"]
#: A study whose first trial raises at its third training step.
FAILING = ["--model=ContractFragile", "--nbr-epochs=2", "--training-times=3"]


class ContractBlobs(ArrayDataLoader):
    """Three classes of 2x2 RGB images (12 values), each dominated by one channel (30 per class)."""

    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def __init__(self) -> None:
        rng = np.random.default_rng(5)
        x, y = [], []
        for label in range(3):
            image = rng.uniform(0, 0.3, (30, 3, 2, 2))
            image[:, label] += 0.6
            x.append(image.reshape(30, -1))
            y += [label] * 30
        super().__init__(np.concatenate(x), np.array(y), ["red", "green", "blue"], max_minibatch_size=16)


class ContractFragile(toys.SoftmaxRegression):
    """Softmax regression whose third training step raises ``ValueError`` when its model seed is 0."""

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def build(self, sample_shape: tuple[int, ...], nbr_classes: int, seed: int) -> None:
        """Remember the seed."""
        super().build(sample_shape, nbr_classes, seed)
        self.seed, self.steps = seed, 0

    def forward(self, x: Any, training: bool = False) -> np.ndarray:
        """Raise at the third training step of seed 0."""
        if training:
            self.steps += 1
            if self.steps == 3 and self.seed == 0:
                raise ValueError("contract check failure")
        return super().forward(x, training)


def check_executor(executor: type[Executor] | Executor, options: dict[str, Any] | None = None) -> None:
    """Check that an executor's runs read like the sequential loop's; raise AssertionError if not.

    Checks: a study of two experiments with repeats ends with status 0 and the same figures,
    repeat by repeat and epoch by epoch (bit for bit: toy numpy plugins, one thread), as the
    sequential loop, in one run directory marked finished; a study whose first trial raises ends
    with status 1, that trial recorded with its ``ValueError`` and the others trained to the end.

    Args:
        executor: the executor class, or an instance (its class and options are used).
        options: constructor options when ``executor`` is a class.
    """
    from nnplug.cli.arguments import parse_command
    from nnplug.executors.sequential import Sequential
    from nnplug.session import TrainingSession

    instance = plugin_factory(executor, options, Executor)()
    cls, name = type(instance), display_name(instance)
    given = dict(getattr(instance, "options", None) or options or {})
    registry = toys.toy_registry(ContractBlobs)
    registry.add("model", "ContractFragile", ContractFragile)
    registry.add("executor", "sequential", Sequential)
    registry.add("executor", "candidate", cls)

    def fail(message: str) -> None:
        raise AssertionError(f"executor {name}: {message}")

    def run(args: list[str], executor_name: str, runs: Path) -> tuple[int, dict[str, Any]]:
        command = parse_command([f"--runs-dir={runs}", f"--executor={executor_name}", *args], registry)
        if executor_name == "candidate":
            command.executor_options = given
        session = TrainingSession(registry, command, argv=list(args), show_progress=False, draw_plots=False)
        status = session.run()
        return status, json.loads((Path(session.run_dir) / "run.json").read_text())

    with tempfile.TemporaryDirectory(prefix="nnplug-executor-check-") as folder:
        runs = Path(folder)
        _, expected = run(STUDY, "sequential", runs / "sequential")
        try:
            status, got = run(STUDY, "candidate", runs / "candidate")
        except Exception as err:  # noqa: BLE001 - a defect is a failure naming the executor
            fail(f"the study raised {type(err).__name__}: {err}")
        if status != 0 or got["status"] != "finished":
            fail(f"a study without failures ended with status {status}, run {got['status']!r}")
        if _figures(got) != _figures(expected):
            first = next((f"{g[0]} repeat {g[1] + 1}" for g, e in zip(_figures(got), _figures(expected)) if g != e), "the number of repeats")
            fail(f"the run's figures differ from the sequential loop's (same plugins, options and seeds): first at {first}")
        try:
            status, failed = run(FAILING, "candidate", runs / "failing")
        except Exception as err:  # noqa: BLE001
            fail(f"a study with a failing trial raised {type(err).__name__}: {err} (the trial must fail alone)")
        repeats = failed["experiments"][0]["repeats"]
        if status != 1 or failed["status"] != "failed":
            fail(f"a study with a failing trial ended with status {status}, run {failed['status']!r} (expected 1, 'failed')")
        errors = [r.get("error") for r in sorted(repeats, key=lambda r: r["repeat"])]
        if errors != ["ValueError: contract check failure", None, None]:
            fail(f"the failing trial is not the only one recorded failed: errors {errors}")
        if not all(len(r["epochs"]) == 2 for r in repeats if not r.get("error")):
            fail("the trials after a failing one did not train to the end")


def _figures(document: dict[str, Any]) -> list[Any]:
    return [
        (experiment["exp_id"], repeat["repeat"], repeat["model_seed"], repeat["dataset_seed"],
         [(m["epoch"], m["training_cost"], m["training_metric"], m["dev_cost"], m["dev_metric"]) for m in repeat["epochs"]],
         repeat["final_dev_cost"], repeat["final_dev_metric"], repeat["test_metric"], repeat["confusion_matrix"])
        for experiment in document["experiments"]
        for repeat in sorted(experiment["repeats"], key=lambda r: r["repeat"])
    ]

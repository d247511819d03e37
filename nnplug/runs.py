"""Saved runs: every ``bin/train`` invocation writes ``<runs-dir>/<timestamp>-<exp-ids>/``.

A run directory holds:

- ``run.json``: how the run was made (nnplug version, git commit, command line, times, status)
  and every experiment's resolved configuration and results, repeat by repeat, with seeds;
- ``metrics.csv``: one row per epoch per repeat per experiment (readable by pandas); the
  ``metric`` column names the metric (``accuracy``, ``R²``) whose values ``training_metric`` and
  ``dev_metric`` hold;
- ``confusion-<exp>.csv``: the final dev confusion matrix of each experiment (summed over
  repeats), for classification only;
- plots (PNG), profiling reports and checkpoints, written by other observers.

Files are replaced atomically as epochs finish, so a run stopped at any moment keeps what it
measured: Ctrl-C, SIGTERM and errors save every finished epoch; a crash or SIGKILL loses at most
the epochs of the last :data:`WRITE_INTERVAL` seconds (rewrites of ``run.json`` are spaced so
they cost a small share of the run whatever the number of epochs and trials; the end of every
repeat and experiment is always written). :func:`load_run` reads a run directory back into the
result dataclasses that plots and reports use.
"""
from __future__ import annotations

import contextlib
import csv
import datetime
import io
import json
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Iterator

import nnplug
from nnplug.errors import NnplugError
from nnplug.files import SpaceReserve, check_writable, remove_stale_temporaries, safe_name, shown_name, write_atomically, write_text  # noqa: F401  (also used from here by older code)
from nnplug.experiment import Experiment
from nnplug.results import OLD_FIELD_NAMES, EpochMetrics, ExperimentResult, RepeatResult
from nnplug.trainer import RepeatContext, TrainingObserver

RUN_FILE = "run.json"
METRICS_FILE = "metrics.csv"
RUN_FORMAT = "nnplug-run"
METRICS_COLUMNS = ["exp_id", "repeat", "model_seed", "dataset_seed", "metric"] + [f.name for f in fields(EpochMetrics)]
#: Shortest time between two rewrites of ``run.json`` for epochs (seconds); ends of repeats are always written.
WRITE_INTERVAL = 1.0
#: Rewrites are also spaced by this many times the last rewrite's duration (their share of the run stays under 1/x).
WRITE_SPACING = 20.0


def git_commit() -> str | None:
    """The git commit of the nnplug sources (``+dirty`` when modified), or None outside a checkout."""
    source = Path(nnplug.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=source, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=source, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "") if commit else None


def create_run_directory(runs_dir: Path, exp_ids: list[str], now: datetime.datetime | None = None) -> Path:
    """Create and return a new ``runs_dir/<timestamp>-<exp-ids>`` directory.

    Raises:
        NnplugError: ``runs_dir`` cannot be created or written.
    """
    now = now or datetime.datetime.now()
    base = f"{now:%Y%m%d-%H%M%S}-" + "+".join(safe_name(exp_id, 30) for exp_id in exp_ids[:4]) + ("+more" if len(exp_ids) > 4 else "")
    try:
        Path(runs_dir).mkdir(parents=True, exist_ok=True)
        for sibling in Path(runs_dir).iterdir():  # hidden temporary files of runs killed with SIGKILL
            if sibling.is_dir() and not sibling.name.startswith("."):
                remove_stale_temporaries(sibling)
        for attempt in range(1, 1000):
            path = Path(runs_dir) / (base if attempt == 1 else f"{base}-{attempt}")
            try:
                path.mkdir()
            except FileExistsError:
                continue
            try:
                check_writable(path)  # a real probe: a 0-byte one passes on a full disk
            except OSError:
                path.rmdir()
                raise
            return path
    except OSError as err:
        raise NnplugError(f"cannot write the runs directory {runs_dir}: {err.strerror or err}") from None
    raise NnplugError(f"cannot create a new run directory under {runs_dir}: too many runs named {base}")


class RunWriter(TrainingObserver):
    """Keeps a run directory up to date: ``run.json``, ``metrics.csv`` and confusion matrices.

    Args:
        path: the run directory (see :func:`create_run_directory`).
        command: the command-line arguments, recorded as given.
    """

    def __init__(self, path: Path, command: list[str] | None = None) -> None:
        self.path = Path(path)
        self.header: dict[str, Any] = {
            "format": RUN_FORMAT,
            "format_version": 1,
            "nnplug_version": nnplug.__version__,
            "git_commit": git_commit(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "command": list(command or []),
            "started": datetime.datetime.now().isoformat(timespec="seconds"),
        }
        self.status = "running"
        self.experiments: list[ExperimentResult] = []
        self.current: RepeatResult | None = None
        self.reserve = SpaceReserve(self.path)  # room for the final status on a full disk
        self.pending = False
        self._next_write = 0.0
        self.write()

    # events -------------------------------------------------------------------------------
    def experiment_started(self, experiment: Experiment, result: ExperimentResult) -> None:
        """Record the experiment's configuration."""
        self.experiments.append(result)
        self.write()

    def repeat_started(self, context: RepeatContext) -> None:
        """Record the repeat's seeds (written with the next rewrite that is due)."""
        self.current = context.result
        self.write_soon()

    def epoch_finished(self, context: RepeatContext, metrics: EpochMetrics) -> None:
        """Save everything measured so far (now, or as soon as the last rewrite is old enough)."""
        self.write_soon()

    def minibatch_finished(self, context: RepeatContext, epoch: int, minibatch: Any, cost: float, accuracy: float) -> None:
        """Write a postponed rewrite once it is due (long epochs do not keep the last one waiting)."""
        if self.pending and time.monotonic() >= self._next_write:
            self.write()

    def tick(self) -> None:
        """Write a postponed rewrite once it is due (called by executors while they wait for trials)."""
        if self.pending and time.monotonic() >= self._next_write:
            self.write()

    def repeat_finished(self, context: RepeatContext) -> None:
        """Save the repeat's final figures and confusion matrix."""
        self.write()
        # trials of several experiments may run at once (parallel executors): the repeat's own experiment
        mine = [r for r in self.experiments if r.exp_id == context.experiment.exp_id]
        self._write_confusion(mine[0] if mine else self.experiments[-1])

    def experiment_finished(self, result: ExperimentResult) -> None:
        """Save the experiment's results."""
        self.current = None
        self.write()

    # files --------------------------------------------------------------------------------
    def finish(self, status: str, error: str | None = None) -> None:
        """Mark the run ``finished``, ``interrupted`` or ``failed`` (with the ``error`` message) and save it."""
        self.status = status
        if error:
            self.header["error"] = error
        self.reserve.release()  # a full disk still leaves room for the final status
        self.write()

    def results(self) -> list[ExperimentResult]:
        """Every experiment with its repeats so far (the running repeat included)."""
        shown = []
        listed = any(r is self.current for result in self.experiments for r in result.repeats)
        for result in self.experiments:
            repeats = list(result.repeats)
            if result is self.experiments[-1] and self.current is not None and not listed:
                repeats.append(self.current)
            shown.append(ExperimentResult(result.exp_id, result.config, repeats, metric=result.metric, task=result.task))
        return shown

    def write_soon(self) -> None:
        """Rewrite now if the last rewrite is old enough (see :data:`WRITE_INTERVAL`), else mark it pending."""
        if time.monotonic() >= self._next_write:
            self.write()
        else:
            self.pending = True

    def write(self) -> None:
        """Rewrite ``run.json`` and ``metrics.csv`` atomically."""
        start = time.monotonic()
        results = self.results()
        document = {
            **self.header,
            "updated": datetime.datetime.now().isoformat(timespec="seconds"),
            "status": self.status,
            "experiments": [r.to_dict() for r in results],
        }
        run_text = json.dumps(document, indent=1, default=_json_default) + "\n"
        metrics_text = metrics_csv(results)
        write_text(self.path / RUN_FILE, run_text)
        write_text(self.path / METRICS_FILE, metrics_text)
        if self.status == "running":  # the final save rewrites both files, with a little more in them
            self.reserve.ensure(2 * (len(run_text.encode()) + len(metrics_text.encode())))
        self.pending = False
        end = time.monotonic()
        self._next_write = end + max(WRITE_INTERVAL, WRITE_SPACING * (end - start))

    def _write_confusion(self, result: ExperimentResult) -> None:
        shown = [r for r in self.results() if r.exp_id == result.exp_id] or self.results()[-1:]
        repeats = [r for r in shown[0].repeats if r.confusion_matrix is not None]
        if not repeats:
            return
        labels = repeats[0].labels
        total = [[sum(r.confusion_matrix[i][j] for r in repeats) for j in range(len(labels))] for i in range(len(labels))]
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["true \\ predicted", *labels])
        for label, row in zip(labels, total):
            writer.writerow([label, *row])
        write_text(self.path / f"confusion-{safe_name(result.exp_id)}.csv", out.getvalue())

    def last_epoch(self) -> str:
        """Where the run is, for the interruption message (``exp b repeat 2 epoch 7``)."""
        for result in reversed(self.results()):
            for repeat in reversed(result.repeats):
                if repeat.epochs:
                    return f"experiment {result.exp_id}, repeat {repeat.repeat + 1}, epoch {repeat.epochs[-1].epoch}"
        return "no epoch finished"


def metrics_csv(results: list[ExperimentResult]) -> str:
    """The per-epoch metrics of every repeat of every experiment as CSV text (empty cells: not measured)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(METRICS_COLUMNS)
    for result in results:
        for repeat in result.repeats:
            for metrics in repeat.epochs:
                row = [result.exp_id, repeat.repeat, repeat.model_seed, repeat.dataset_seed, result.scale.name]
                row += ["" if getattr(metrics, f.name) is None else getattr(metrics, f.name) for f in fields(EpochMetrics)]
                writer.writerow(row)
    return out.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


@dataclass
class SavedRun:
    """A run directory read back.

    Attributes:
        path: the directory.
        info: ``run.json`` without its experiments (versions, command, status, times).
        experiments: every experiment with its repeats and per-epoch metrics.
    """

    path: Path
    info: dict[str, Any]
    experiments: list[ExperimentResult]

    @property
    def name(self) -> str:
        """The directory's name."""
        return self.path.name


def load_run(path: Path) -> SavedRun:
    """Read a run directory.

    Raises:
        NnplugError: ``path`` is not a run directory or its ``run.json`` is unreadable.
    """
    path = Path(path)
    run_file = path / RUN_FILE
    if not path.is_dir() or not run_file.is_file():
        raise NnplugError(f"{path} is not an nnplug run directory (no {RUN_FILE})")
    try:
        document = json.loads(run_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise NnplugError(f"cannot read {run_file}: {err}") from None
    if not isinstance(document, dict) or document.get("format") != RUN_FORMAT:
        raise NnplugError(f"{path} is not an nnplug run directory ({RUN_FILE} is not an nnplug run)")
    with damaged_run(run_file):
        experiments = [_experiment_from_dict(e) for e in document.pop("experiments", [])]
    return SavedRun(path, document, experiments)


@contextlib.contextmanager
def damaged_run(run_file: Path) -> Iterator[None]:
    """Turn what a hand-edited or truncated ``run.json`` makes code raise into one line naming the file.

    What is read from a file is checked as strictly as what is typed: a missing key or a value
    of the wrong type is a damaged file (exit 2), not a bug in nnplug (a traceback).
    """
    try:
        yield
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as err:
        detail = f"missing {err}" if isinstance(err, KeyError) else " ".join(f"{type(err).__name__}: {err}".split())
        raise NnplugError(f"{shown_name(run_file)} is damaged or not a run this version can read ({detail})") from None


def _experiment_from_dict(data: dict[str, Any]) -> ExperimentResult:
    if not isinstance(data, dict) or not isinstance(data.get("exp_id"), str) or not isinstance(data.get("config", {}), dict):
        raise ValueError("an experiment needs an exp_id text and a config object")
    for key in ("metric", "task"):
        value = data.get(key)
        if value is not None and not isinstance(value, str) and not (isinstance(value, dict) and isinstance(value.get("name", ""), str)):
            raise ValueError(f"an experiment's {key} must be a name or an object with a name")
    for item in data.get("repeats", []):
        if not isinstance(item, dict) or not all(isinstance(e, dict) for e in item.get("epochs", [])):
            raise ValueError("repeats and epochs must be objects")
    return _experiment_from_checked_dict(data)


def _experiment_from_checked_dict(data: dict[str, Any]) -> ExperimentResult:
    repeat_fields = {f.name for f in fields(RepeatResult)}
    epoch_fields = {f.name for f in fields(EpochMetrics)}
    repeats = []
    for item in data.get("repeats", []):
        values = {k: v for k, v in _renamed(item).items() if k in repeat_fields}
        values["epochs"] = [EpochMetrics(**{k: v for k, v in _renamed(e).items() if k in epoch_fields}) for e in item.get("epochs", [])]
        repeats.append(RepeatResult(**values))
    # runs saved before metrics and tasks existed measured the accuracy of a classification
    return ExperimentResult(data["exp_id"], data.get("config", {}), repeats, **{k: data[k] for k in ("metric", "task") if data.get(k)})


def _renamed(values: dict[str, Any]) -> dict[str, Any]:
    """Fields of a saved result with the names of runs saved before metrics (``dev_accuracy``) updated."""
    return {OLD_FIELD_NAMES.get(key, key): value for key, value in values.items()}

"""The task plugin kind (entry-point group ``nnplug.tasks``): what the targets of a dataset mean.

A task is what a data loader, a model, a loss and a metric must agree on before training starts:
classification (one-hot targets, a class per sample) or regression (real-valued targets), or
one a package adds. Models, losses, metrics and data loaders declare the tasks they serve in a
class attribute that listings read without importing them::

    class Tabular(DataLoader):
        engine: ClassVar[str] = "any"
        tasks: ClassVar[tuple[str, ...]] = ("regression",)

A data loader serves exactly one task (its ``tasks`` has one entry): the task of a run is its data
loader's. The built-in tasks ``classification`` and ``regression`` are registered by the core
distribution's own ``setup.cfg``, exactly as a package registers its own.

What the data loader's ``labels`` and ``sample_shape`` mean, per task, is the task's
:attr:`Task.targets` text; the trainer reads ``len(loader.labels)`` after ``load(seed)`` as the
number of model outputs (``nbr_classes`` of :meth:`nnplug.Model.build`), and ``sample_shape`` as
the shape of one input.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from nnplug.errors import NnplugError
from nnplug.plugin import Plugin


class Task(Plugin):
    """What the targets of a dataset are, how outputs are scored against them, what a check accepts.

    Subclasses are small declarations plus two functions the contract checks use: a check of
    target arrays (:meth:`target_problem`) and example targets and outputs (:meth:`example`).
    """

    kind: ClassVar[str] = "task"
    engine: ClassVar[str] = "any"
    #: What a minibatch's ``y`` holds and what ``labels`` means (shown in docs and errors).
    targets: ClassVar[str] = ""
    #: Whether a confusion matrix (true class × predicted class) describes results of this task.
    confusion_matrix: ClassVar[bool] = False
    #: Output activations of a model that can fit these targets (``()``: any).
    outputs: ClassVar[tuple[str, ...]] = ()

    def target_problem(self, target: np.ndarray, nbr_outputs: int) -> str | None:
        """What is wrong with a numpy target array for ``nbr_outputs`` model outputs, or None when it is fine."""
        target = np.asarray(target)
        if target.ndim != 2 or target.shape[1] != nbr_outputs:
            return f"targets must have shape (samples, {nbr_outputs}), got {tuple(target.shape)}"
        if not np.issubdtype(target.dtype, np.number) or not np.isfinite(target).all():
            return "targets must be finite numbers"
        return None

    def example(self, rng: np.random.Generator, batch_size: int, nbr_outputs: int) -> tuple[np.ndarray, np.ndarray]:
        """Plausible ``(outputs, targets)`` numpy arrays for contract checks of losses and metrics."""
        raise NotImplementedError(f"task {type(self).__name__} gives no examples")

    def near_and_far(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Outputs close to ``target`` and outputs far from it (a loss must prefer the first)."""
        raise NotImplementedError(f"task {type(self).__name__} gives no examples")


class Classification(Task):
    """Assign each sample one class among the labels; targets are one-hot rows.

    ``labels`` are the class names, in the order of the one-hot columns; ``len(labels)`` is the
    number of model outputs. Models typically end in a softmax (class probabilities).
    """

    targets: ClassVar[str] = "one-hot rows (samples, classes): a single 1 per row at the class's column"
    confusion_matrix: ClassVar[bool] = True
    outputs: ClassVar[tuple[str, ...]] = ("softmax", "sigmoid", "linear")

    def target_problem(self, target: np.ndarray, nbr_outputs: int) -> str | None:
        """Shape (samples, classes), every row one-hot."""
        problem = super().target_problem(target, nbr_outputs)
        if problem:
            return problem
        target = np.asarray(target)
        if not (np.isin(target, (0, 1)).all() and (target.sum(axis=1) == 1).all()):
            return "classification targets must be one-hot rows (a single 1 per row, 0 elsewhere)"
        return None

    def example(self, rng: np.random.Generator, batch_size: int, nbr_outputs: int) -> tuple[np.ndarray, np.ndarray]:
        """Softmax probabilities of random scores, and one-hot targets."""
        scores = rng.normal(size=(batch_size, nbr_outputs))
        outputs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
        targets = np.eye(nbr_outputs)[rng.integers(0, nbr_outputs, size=batch_size)]
        return outputs, targets

    def near_and_far(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Probability 0.9 on the target class (near), or 0 on it and the rest shared by the others (far: ranked last)."""
        classes = target.shape[1]
        if classes < 2:
            raise ValueError("classification needs at least 2 classes")
        near = 0.1 / (classes - 1) * (1 - target) + 0.9 * target
        far = (1 - target) / (classes - 1)
        return near, far


class Regression(Task):
    """Predict one or more real numbers per sample; targets are real-valued rows.

    ``labels`` are the names of the target columns (e.g. ``["progression"]``); ``len(labels)`` is
    the number of model outputs. Models end in a linear output (or a sigmoid for targets in 0..1).
    """

    targets: ClassVar[str] = "real numbers (samples, target columns)"
    confusion_matrix: ClassVar[bool] = False
    outputs: ClassVar[tuple[str, ...]] = ("linear", "sigmoid")

    def example(self, rng: np.random.Generator, batch_size: int, nbr_outputs: int) -> tuple[np.ndarray, np.ndarray]:
        """Standard normal outputs and targets."""
        return rng.normal(size=(batch_size, nbr_outputs)), rng.normal(size=(batch_size, nbr_outputs))

    def near_and_far(self, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The target shifted by 0.1 (near) and by 3 (far)."""
        return target + 0.1, target + 3.0


#: The task of data loaders that declare none (every loader before tasks existed classified images).
DEFAULT_TASK = "classification"
#: The task wildcard: a model declaring ``tasks = ("any",)`` (a generic function approximator such as
#: NLayers) serves every task, its ``--output`` then checked against the task by :func:`check_pairing`.
#: Losses, metrics and data loaders name their tasks: their contract checks need concrete targets.
ANY_TASK = "any"


def serves(tasks: tuple[str, ...] | list[str], task: str) -> bool:
    """Whether a plugin declaring ``tasks`` serves ``task`` (named, or through the wildcard :data:`ANY_TASK`)."""
    return task in tasks or ANY_TASK in tasks


def task_of(loader: Any) -> str:
    """The task a data loader (class or instance) serves: the single entry of its ``tasks``.

    Raises:
        NnplugError: the loader declares several tasks (a data loader serves exactly one).
    """
    tasks = tuple(getattr(loader, "tasks", ()) or ())
    if len(tasks) > 1:
        raise NnplugError(f"data loader {_name(loader)} declares several tasks ({', '.join(tasks)}): a data loader serves exactly one")
    return tasks[0] if tasks else DEFAULT_TASK


def check_pairing(task: Task, loader: Any, model: Any, loss: Any) -> None:
    """Refuse, in one line naming the two plugins, a model output that the task or the loss cannot use.

    A model says what its last activation is in its ``output`` attribute (``"softmax"``,
    ``"sigmoid"``, ``"linear"``; models without it are not checked); a loss says which outputs it
    needs in its ``outputs`` class attribute (``("softmax",)`` for a cross-entropy on
    probabilities; empty: any); the task says which outputs can fit its targets
    (:attr:`Task.outputs`).

    Raises:
        NnplugError: the pairing cannot work.
    """
    output = getattr(model, "output", None)
    if not isinstance(output, str) or not output:
        return
    task_name = task.plugin_name or type(task).__name__.lower()
    if task.outputs and output not in task.outputs:
        raise NnplugError(
            f"model {_name(model)} ends in {output}, which cannot fit the {task_name} targets of data loader {_name(loader)}: "
            f"use --output={task.outputs[0]} (fits: {', '.join(task.outputs)})"
        )
    needs = tuple(getattr(loss, "outputs", ()) or ())
    if needs and output not in needs:
        raise NnplugError(
            f"loss {_name(loss)} needs a model ending in {' or '.join(needs)}, but model {_name(model)} ends in {output}: "
            f"use --output={needs[0]} or a loss for {output} outputs (e.g. MeanSquaredError)"
        )


def _name(plugin: Any) -> str:
    cls = plugin if isinstance(plugin, type) else type(plugin)
    return getattr(plugin, "plugin_name", "") or cls.__name__

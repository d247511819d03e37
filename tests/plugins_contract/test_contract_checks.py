"""The contract checks themselves: they pass sound toy plugins and name what is wrong in broken ones."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, ClassVar

import numpy as np
import pytest

import nnplug
from nnplug.arrays import ArrayDataLoader
from nnplug.registry import KINDS, Registry
from nnplug.testing import (
    check_accuracy,
    check_data_loader,
    check_inference_engine,
    check_loss,
    check_metric,
    check_model,
    check_optimizer,
    check_plugin,
)


# -- models -----------------------------------------------------------------------------------
class Softmax(nnplug.Model):
    """Softmax regression: a sound model."""

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def build(self, sample_shape, nbr_classes, seed):
        rng = np.random.default_rng(seed)
        inputs = int(np.prod(sample_shape))
        self.w = nnplug.Parameter("L0_Dense_W", rng.normal(0, 0.5, (inputs, nbr_classes)), layer="L0_Dense")
        self.b = nnplug.Parameter("L0_Dense_b", rng.normal(0, 0.5, nbr_classes), decay=False, layer="L0_Dense")

    def forward(self, x, training=False):
        self.x = np.asarray(x).reshape(len(x), -1)
        z = self.x @ self.w.value + self.b.value
        e = np.exp(z - z.max(axis=1, keepdims=True))
        self.out = e / e.sum(axis=1, keepdims=True)
        return self.out

    def backward(self, loss, output, target, cost):
        g = loss.gradient(output, target)
        dz = self.out * (g - np.sum(g * self.out, axis=1, keepdims=True))
        self.w.grad = self.x.T @ dz
        self.b.grad = dz.sum(axis=0)

    def parameters(self):
        return [self.w, self.b]


class WrongBiasGradient(Softmax):
    """Forgets a factor in the bias gradient."""

    def backward(self, loss, output, target, cost):
        super().backward(loss, output, target, cost)
        self.b.grad = self.b.grad * 0.5


class DuplicateNames(Softmax):
    """Names both tensors W."""

    def build(self, sample_shape, nbr_classes, seed):
        super().build(sample_shape, nbr_classes, seed)
        self.b.name = "L0_Dense_W"


class IgnoresSeed(Softmax):
    """Always initializes with seed 0."""

    def build(self, sample_shape, nbr_classes, seed):
        super().build(sample_shape, nbr_classes, 0)


class Unseeded(Softmax):
    """Initializes from fresh entropy."""

    def build(self, sample_shape, nbr_classes, seed):
        super().build(sample_shape, nbr_classes, int(np.random.SeedSequence().entropy % 2**31))


class ExtraOutput(Softmax):
    """Returns one column too many."""

    def forward(self, x, training=False):
        out = super().forward(x, training)
        return np.hstack([out, out[:, :1]])


class ForgetsState(Softmax):
    """load_state_dict does nothing."""

    def load_state_dict(self, state):
        pass


class NoBiasGradient(Softmax):
    """Leaves the bias gradient unset."""

    def backward(self, loss, output, target, cost):
        super().backward(loss, output, target, cost)
        self.b.grad = None


class TorchLinear(nnplug.Model):
    """A torch model (autograd) whose reported weight gradient is doubled."""

    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    engine = "torch"

    def __init__(self, broken: bool = False) -> None:
        super().__init__()
        self.broken = broken

    def build(self, sample_shape, nbr_classes, seed):
        import torch

        generator = torch.Generator().manual_seed(seed)
        self.weight = torch.nn.Parameter(torch.randn(int(np.prod(sample_shape)), nbr_classes, generator=generator, dtype=torch.float64))
        self.param = nnplug.Parameter("linear.weight", self.weight.data, layer="linear")

    def forward(self, x, training=False):
        import torch

        return torch.softmax(x.reshape(len(x), -1) @ self.weight, dim=1)

    def backward(self, loss, output, target, cost):
        self.weight.grad = None
        cost.backward()
        self.param.grad = self.weight.grad * (2.0 if self.broken else 1.0)

    def parameters(self):
        return [self.param]


# -- optimizers -------------------------------------------------------------------------------
class SGD(nnplug.Optimizer):
    """Sound gradient descent with L2 weight decay.

    Args:
        learning_rate: step size.
        weight_decay: L2 factor.
    """

    engine: ClassVar[str] = "numpy"

    def __init__(self, learning_rate: float = 0.1, weight_decay: float = 0.0) -> None:
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay

    def build(self, parameters):
        self.params = parameters

    def decayed(self, param):
        return param.decay

    def step(self, epoch):
        for p in self.params:
            grad = p.grad + self.weight_decay * p.value if self.decayed(p) else p.grad
            p.value -= self.learning_rate * grad


class NoDecay(SGD):
    """Ignores weight decay."""

    def decayed(self, param):
        return False


class DecaysEverything(SGD):
    """Decays biases too."""

    def decayed(self, param):
        return True


class DecayIntoGrad(SGD):
    """Adds the decay term to Parameter.grad itself."""

    def step(self, epoch):
        for p in self.params:
            if p.decay:
                p.grad += self.weight_decay * p.value
            p.value -= self.learning_rate * p.grad


class Ascends(SGD):
    """Goes up the gradient."""

    def step(self, epoch):
        for p in self.params:
            p.value += self.learning_rate * p.grad


# -- losses -----------------------------------------------------------------------------------
class MSE(nnplug.Loss):
    """Sound mean squared error."""

    engine: ClassVar[str] = "numpy"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def cost(self, output, target):
        return float(np.sum((output - target) ** 2) / len(output))

    def gradient(self, output, target):
        return 2 * (output - target) / len(output)


class SumNotMean(MSE):
    """Sums over samples."""

    def cost(self, output, target):
        return float(np.sum((output - target) ** 2))

    def gradient(self, output, target):
        return 2 * (output - target)


class HalfGradient(MSE):
    """Forgets the factor 2."""

    def gradient(self, output, target):
        return (output - target) / len(output)


class NoGradient(MSE):
    """Has no gradient."""

    def gradient(self, output, target):
        raise NotImplementedError


class PerSampleCost(MSE):
    """Returns one cost per sample."""

    def cost(self, output, target):
        return np.sum((output - target) ** 2, axis=1)


class Crashes(MSE):
    """Its cost raises on any input."""

    def cost(self, output, target):
        raise ValueError("bad shapes")


class RegressionMSE(MSE):
    """Squared error for real-valued targets."""

    tasks: ClassVar[tuple[str, ...]] = ("regression",)


# -- metrics ----------------------------------------------------------------------------------
class MeanError(nnplug.Metric):
    """Negative mean absolute error, accumulated exactly."""

    tasks: ClassVar[tuple[str, ...]] = ("regression",)
    display_name: ClassVar[str] = "−MAE"

    def reset(self):
        self.total, self.count = 0.0, 0

    def update(self, output, target):
        self.total += float(np.abs(output - target).sum())
        self.count += output.size

    def compute(self):
        return -self.total / self.count if self.count else float("nan")


class MeanOfBatches(MeanError):
    """Averages per-minibatch scores, weighting every minibatch alike."""

    def reset(self):
        self.scores = []

    def update(self, output, target):
        self.scores.append(-float(np.abs(output - target).mean()))

    def compute(self):
        return float(np.mean(self.scores)) if self.scores else float("nan")


class Forgets(MeanError):
    """reset() keeps the earlier updates."""

    def reset(self):
        if not hasattr(self, "total"):
            super().reset()


class Backwards(MeanError):
    """Says lower is better, but scores closer outputs higher."""

    higher_is_better: ClassVar[bool] = False


class OutOfRange(MeanError):
    """Declares values in 0..1, gives negative ones."""

    low: ClassVar[float | None] = 0.0
    high: ClassVar[float | None] = 1.0


# -- accuracies -------------------------------------------------------------------------------
class Argmax(nnplug.Accuracy):
    """Sound top-1 accuracy."""

    engine: ClassVar[str] = "any"
    tasks: ClassVar[tuple[str, ...]] = ("classification",)

    def predictions(self, output):
        return np.asarray(output).argmax(axis=1)


class Argmin(Argmax):
    """Predicts the lowest score."""

    def predictions(self, output):
        return np.asarray(output).argmin(axis=1)


class Flattering(Argmax):
    """Always reports 100%."""

    def measure(self, output, target):
        return 1.0


# -- data loaders -----------------------------------------------------------------------------
class Blobs(ArrayDataLoader):
    """Three classes of 10 samples in 0..1: a sound loader."""

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        super().__init__(rng.uniform(0, 1, (30, 4)), np.repeat(np.arange(3), 10), ["a", "b", "c"], max_minibatch_size=4)


class Leaky(Blobs):
    """Puts the first training sample in dev too."""

    def load(self, seed):
        super().load(seed)
        self.indices["dev"] = np.append(self.indices["dev"], self.indices["training"][0])


class Bright(Blobs):
    """Gives values up to 2."""

    def __init__(self) -> None:
        super().__init__()
        self.x = self.x * 2


class Moody(Blobs):
    """Partitions with fresh entropy, whatever the seed."""

    def load(self, seed):
        super().load(int(np.random.SeedSequence().entropy % 2**31))


class Lazy(Blobs):
    """Never reshuffles training."""

    def minibatches(self, partition, epoch):
        return super().minibatches(partition, 1)


class Forgetful(Blobs):
    """Drops the test partition's samples from the minibatches but still counts them."""

    def minibatches(self, partition, epoch):
        if partition == "test":
            return iter(())
        return super().minibatches(partition, epoch)


class Fickle(Blobs):
    """Rolls the one-hot columns of training targets at even epochs."""

    def minibatches(self, partition, epoch):
        for minibatch in super().minibatches(partition, epoch):
            if partition == "training" and epoch % 2 == 0:
                minibatch.y = np.roll(minibatch.y, 1, axis=1)
            yield minibatch


# -- inference engines ------------------------------------------------------------------------
class PillowBackend(nnplug.ImageBackend):
    """Reads and writes images with Pillow (the engines below need a backend without libvips)."""

    def read_rgb(self, path):
        from PIL import Image

        try:
            with Image.open(path) as image:
                return np.asarray(image.convert("RGB"))
        except OSError as err:
            raise nnplug.NnplugError(f"cannot read image {path}: {err}") from None

    def resize(self, pixels, width, height):
        from PIL import Image

        return np.asarray(Image.fromarray(pixels).resize((width, height)))

    def write_png(self, path, pixels):
        from PIL import Image

        Image.fromarray(pixels).save(path, format="PNG")


@dataclass
class MeanColours:
    """The result of MeanColour: one line per image."""

    means: dict[str, tuple[float, ...]]

    def describe(self) -> list[str]:
        return [f"{name}: {mean}" for name, mean in self.means.items()]


class MeanColour(nnplug.InferenceEngine):
    """Writes the mean colour of each readable input image to means.csv (a sound engine)."""

    def run(self, request, image_backend, registry=None):
        means = {}
        for argument in request.inputs:
            path = Path(argument)
            for image in sorted(path.rglob("*.png")) if path.is_dir() else [path]:
                try:
                    means[image.name] = tuple(image_backend.read_rgb(image).mean(axis=(0, 1)).round(1))
                except nnplug.NnplugError:
                    continue
        if not means:
            raise nnplug.NnplugError(f"no readable image among {', '.join(request.inputs)}")
        self.write(request.output_folder, means)
        return MeanColours(means)

    @staticmethod
    def write(folder: Path, means: dict[str, tuple[float, ...]]) -> None:
        folder.mkdir(parents=True)
        (folder / "means.csv").write_text("".join(f"{name},{mean}\n" for name, mean in means.items()))


class EagerFolder(MeanColour):
    """Creates its output folder before it knows whether the run succeeds."""

    def run(self, request, image_backend, registry=None):
        request.output_folder.mkdir(parents=True)
        return super().run(request, image_backend, registry)

    @staticmethod
    def write(folder: Path, means: dict[str, tuple[float, ...]]) -> None:
        (folder / "means.csv").write_text(str(means))


class CrashesOnText(MeanColour):
    """Lets the backend's error on a text file escape as a bug, not a user error."""

    def run(self, request, image_backend, registry=None):
        for argument in request.inputs:
            if not Path(argument).is_dir() and Path(argument).read_bytes().startswith(b"not"):
                raise ValueError(f"bad magic in {argument}")
        return super().run(request, image_backend, registry)


class SucceedsOnNothing(MeanColour):
    """Returns an empty result when nothing could be read."""

    def run(self, request, image_backend, registry=None):
        try:
            return super().run(request, image_backend, registry)
        except nnplug.NnplugError:
            return MeanColours({})


class SummaryAsText(MeanColour):
    """Returns its summary as one string."""

    def run(self, request, image_backend, registry=None):
        result = super().run(request, image_backend, registry)
        result.describe = lambda: "\n".join(MeanColours.describe(result))
        return result


ENGINE_CHECK = {"request": nnplug.InferenceRequest(), "image_backend": PillowBackend()}

SOUND: list[tuple[Callable[..., None], Any, dict[str, Any]]] = [
    (check_model, Softmax, {}),
    (check_model, TorchLinear, {}),
    (check_optimizer, SGD, {}),
    (check_loss, MSE, {}),
    (check_loss, RegressionMSE, {"nbr_classes": 1}),
    (check_metric, MeanError, {}),
    (check_metric, MeanError, {"nbr_classes": 1}),
    (check_accuracy, Argmax, {}),
    (check_data_loader, Blobs, {"expected_samples": 30, "expected_labels": ["a", "b", "c"]}),
    (check_inference_engine, MeanColour, ENGINE_CHECK),
]

BROKEN: list[tuple[Callable[..., None], Any, dict[str, Any], str]] = [
    (check_model, WrongBiasGradient, {}, "model WrongBiasGradient: gradient of parameter 'L0_Dense_b' disagrees with finite differences at [0]"),
    (check_model, TorchLinear(broken=True), {}, "gradient of parameter 'linear.weight' disagrees with finite differences"),
    (check_model, DuplicateNames, {}, "parameter names must be unique, repeated: L0_Dense_W"),
    (check_model, IgnoresSeed, {}, "build ignores its seed"),
    (check_model, Unseeded, {}, "two builds with seed 0 initialize parameter 'L0_Dense_W' differently"),
    (check_model, ExtraOutput, {}, "returned shape (5, 4), expected (5, 3)"),
    (check_model, ForgetsState, {}, "after load_state_dict"),
    (check_model, NoBiasGradient, {}, "backward left the gradient of parameter 'L0_Dense_b' empty"),
    (check_optimizer, NoDecay, {}, "did not shrink the decayed parameters"),
    (check_optimizer, DecaysEverything, {}, "parameter 'L0_Dense_b' has decay=False and a zero gradient, yet it moved"),
    (check_optimizer, DecayIntoGrad, {}, "changed Parameter.grad of 'L0_Dense_W'"),
    (check_optimizer, Ascends, {}, "steps on a convex quadratic took it from"),
    (check_loss, SumNotMean, {}, "must be a mean over samples"),
    (check_loss, HalfGradient, {}, "gradient disagrees with finite differences at output[0, 0]"),
    (check_loss, NoGradient, {}, "gradient() is not implemented"),
    (check_loss, PerSampleCost, {}, "cost() must return a scalar"),
    (check_loss, Crashes, {}, "loss Crashes (classification): cost() raised ValueError: bad shapes"),
    (check_loss, MSE, {"nbr_classes": 1}, "loss MSE (classification): classification needs at least 2 classes"),
    (check_metric, MeanOfBatches, {}, "in three minibatches"),
    (check_metric, Forgets, {}, "reset() must forget earlier updates"),
    (check_metric, Backwards, {}, "lower must be better"),
    (check_metric, OutOfRange, {}, "outside the declared range [0.0, 1.0]"),
    (check_accuracy, Argmin, {}, "metric Argmin (classification): outputs close to the targets score 0, far ones 1: higher must be better"),
    (check_accuracy, Flattering, {}, "every target ranked last: measure() gave 1.0, expected 0.0"),
    (check_data_loader, Leaky, {}, "appears in training and in dev"),
    (check_data_loader, Bright, {}, "sample values must be in 0..1"),
    (check_data_loader, Moody, {}, "two loads with seed 0 give different training samples"),
    (check_data_loader, Lazy, {}, "same order at epochs 1 and 2"),
    (check_data_loader, Forgetful, {}, "the test minibatches hold 0 samples, size() says"),
    (check_data_loader, Fickle, {}, "changes label between epochs 1 and 2"),
    (check_inference_engine, EagerFolder, ENGINE_CHECK, "inference engine EagerFolder: a failed run must write nothing"),
    (check_inference_engine, CrashesOnText, ENGINE_CHECK, "must raise NnplugError (one line for the user), not ValueError: bad magic"),
    (check_inference_engine, SucceedsOnNothing, ENGINE_CHECK, "a run whose only input is not an image must fail with NnplugError"),
    (check_inference_engine, SummaryAsText, ENGINE_CHECK, "describe() is a non-empty list of one-line strings"),
]


def _id(plugin: Any) -> str:
    return plugin.__name__ if isinstance(plugin, type) else f"{type(plugin).__name__}-instance"


@pytest.mark.parametrize(("check", "plugin", "options"), SOUND, ids=[_id(p) for _, p, _ in SOUND])
def test_sound_plugins_pass(check: Callable[..., None], plugin: Any, options: dict[str, Any]) -> None:
    check(plugin, **options)


@pytest.mark.parametrize(("check", "plugin", "options", "message"), BROKEN, ids=[_id(p) for _, p, _, _ in BROKEN])
def test_broken_plugins_fail_with_a_message_naming_the_problem(check: Callable[..., None], plugin: Any, options: dict[str, Any], message: str) -> None:
    with pytest.raises(AssertionError) as raised:
        check(plugin, **options)
    assert message in str(raised.value)


def test_a_class_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(AssertionError, match="MSE is not a subclass of nnplug.model.Model"):
        check_model(MSE)


def test_check_plugin_runs_the_kind_check_on_a_registered_plugin() -> None:
    registry = Registry({kind: {} for kind in KINDS})
    registry.add("model", "Sound", Softmax)
    registry.add("model", "Wrong", WrongBiasGradient)
    registry.add("loss", "NotALoss", Argmax)
    check_plugin("model", "Sound", registry=registry)
    with pytest.raises(AssertionError, match="model Wrong: gradient of parameter 'L0_Dense_b'"):
        check_plugin("model", "Wrong", registry=registry)
    with pytest.raises(AssertionError, match="loss 'NotALoss' cannot be loaded: .*not a subclass of nnplug.loss.Loss"):
        check_plugin("loss", "NotALoss", registry=registry)
    with pytest.raises(AssertionError, match="loss 'Missing' cannot be loaded: unknown loss"):
        check_plugin("loss", "Missing", registry=registry)


def test_check_plugin_runs_the_inference_engine_check_on_a_registered_engine() -> None:
    registry = Registry({kind: {} for kind in KINDS})
    registry.add("inference_engine", "MeanColour", MeanColour)
    registry.add("inference_engine", "Eager", EagerFolder)
    registry.add("inference_engine", "NotAnEngine", PillowBackend)
    check_plugin("inference_engine", "MeanColour", registry=registry, **ENGINE_CHECK)
    with pytest.raises(AssertionError, match="inference engine Eager: a failed run must write nothing"):
        check_plugin("inference_engine", "Eager", registry=registry, **ENGINE_CHECK)
    with pytest.raises(AssertionError, match="inference engine 'NotAnEngine' cannot be loaded: .*not a subclass of nnplug.inference_engine.InferenceEngine"):
        check_plugin("inference_engine", "NotAnEngine", registry=registry, **ENGINE_CHECK)

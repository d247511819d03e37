"""Quality and speed of NLayers (numpy) on the 5,000 MNIST digits shipped in ``datasets/numbers``.

Quality: the trainer runs NLayers --layers=100 + Adam, minibatches of 100, 30 epochs, in float64
and float32 (dev accuracy per epoch, seconds per epoch).
Speed: the same architecture as a plain hand-written PyTorch loop, float32 both, same
minibatches, epochs interleaved (numpy, torch, numpy, torch...) so both see the same machine
load; then where the numpy time goes (per layer, loss, optimizer).

Run: .venv/bin/python plugins/nnplug-bench/scripts/numpy_mnist.py [--epochs 30] [--speed-epochs 20]
(prefix with ``OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`` to compare single-threaded engines).
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

from nnplug.arrays import ArrayDataLoader
from nnplug.experiment import Experiment, ExperimentOptions
from nnplug.registry import Registry
from nnplug.trainer import Trainer
from nnplug_bench.suites.digits import digits

PIXELS, LABELS = digits()  # float32 in 0..1; the loader casts to the dtype asked


class MnistDigits(ArrayDataLoader):
    """The 5,000 shipped MNIST digits, scaled to 0..1 (70/15/15 stratified partitions)."""

    def __init__(self, max_minibatch_size: int = 100, dtype: str = "float64") -> None:
        super().__init__(PIXELS, LABELS, max_minibatch_size=max_minibatch_size, dtype=dtype)


def quality(dtype: str, epochs: int, model_options: dict, checks: str) -> None:
    """Train with the trainer and print dev accuracy per epoch."""
    registry = Registry()
    registry.add("data_loader", "MnistDigits", MnistDigits)
    options = ExperimentOptions(
        data_loader="MnistDigits", model="NLayers", optimizer="Adam", nbr_epochs=epochs,
        gradient_checks=checks, instability_checks=checks if checks != "exception" else "warning",
    )
    experiment = Experiment(options, {"data_loader": {"dtype": dtype}, "model": {"dtype": dtype, **model_options}})
    start = time.perf_counter()
    result = Trainer(registry).run([experiment])[0].repeats[0]
    total = time.perf_counter() - start
    dev = [e.dev_accuracy for e in result.epochs]
    reached = next((e.epoch for e in result.epochs if e.dev_accuracy and e.dev_accuracy >= 0.95), None)
    print(
        f"{dtype} {model_options or ''} checks={checks}: dev accuracy at epoch start "
        + " ".join(f"{a:.3f}" for a in dev)
        + f"\n  final dev {result.final_dev_accuracy:.4f}, best dev {max(dev[1:] + [result.final_dev_accuracy]):.4f},"
        f" first epoch starting >= 95%: {reached}, test {result.test_accuracy:.4f};"
        f" median {statistics.median(e.duration for e in result.epochs):.3f} s/epoch, total {total:.1f} s,"
        f" gradient checks {result.gradient_check_seconds:.3f} s"
    )


class LayerClock:
    """A layer observer adding up the time spent in each layer's forward and backward."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.started = 0.0

    def before_forward(self, layer: str) -> None:
        self.started = time.perf_counter()

    def after_forward(self, layer: str, output) -> None:
        self.seconds[f"{layer} forward"] += time.perf_counter() - self.started

    def before_backward(self, layer: str) -> None:
        self.started = time.perf_counter()

    def after_backward(self, layer: str, gradient) -> None:
        self.seconds[f"{layer} backward"] += time.perf_counter() - self.started


def speed(epochs: int) -> None:
    """Numpy NLayers vs a plain torch loop of the same architecture, float32, interleaved epochs."""
    import torch

    loader = MnistDigits(dtype="float32")
    loader.load(0)
    registry = Registry()  # the plugins by name, as bin/train selects them
    model = registry.create("model", "NLayers", {"dtype": "float32"})
    model.build(loader.sample_shape, 10, 0)
    optimizer = registry.create("optimizer", "Adam", {})
    optimizer.build(model.parameters())
    loss, accuracy = registry.create("loss", "CrossEntropy", {}), registry.create("metric", "ClassesNumpy", {})

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(784, 100, bias=False), torch.nn.Dropout(0.0), torch.nn.BatchNorm1d(100), torch.nn.LeakyReLU(0.01),
        torch.nn.Linear(100, 10, bias=False), torch.nn.Dropout(0.0), torch.nn.BatchNorm1d(10),
    )
    torch_optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    torch_loss = torch.nn.CrossEntropyLoss()

    def numpy_epoch(epoch: int, clock: LayerClock | None = None) -> dict[str, float]:
        phases: dict[str, float] = defaultdict(float)
        t = time.perf_counter()
        dev = next(loader.minibatches("dev", epoch))
        accuracy.measure(model.forward(dev.x, training=False), dev.y)
        phases["dev evaluation"] += time.perf_counter() - t
        for minibatch in loader.minibatches("training", epoch):
            t0 = time.perf_counter()
            output = model.forward(minibatch.x, training=True)
            t1 = time.perf_counter()
            cost = loss.cost(output, minibatch.y)
            t2 = time.perf_counter()
            model.backward(loss, output, minibatch.y, cost)
            t3 = time.perf_counter()
            optimizer.step(epoch)
            t4 = time.perf_counter()
            accuracy.measure(output, minibatch.y)
            t5 = time.perf_counter()
            for name, seconds in (("forward", t1 - t0), ("loss", t2 - t1), ("backward", t3 - t2), ("optimizer", t4 - t3), ("accuracy", t5 - t4)):
                phases[name] += seconds
        return phases

    def torch_epoch(epoch: int) -> None:
        dev = next(loader.minibatches("dev", epoch))
        net.eval()
        with torch.no_grad():
            (net(torch.from_numpy(dev.x)).argmax(1) == torch.from_numpy(dev.y).argmax(1)).float().mean().item()
        net.train()
        for minibatch in loader.minibatches("training", epoch):
            x = torch.from_numpy(minibatch.x)
            target = torch.from_numpy(minibatch.y.argmax(1))
            torch_optimizer.zero_grad()
            logits = net(x)
            cost = torch_loss(logits, target)
            cost.backward()
            torch_optimizer.step()
            (logits.argmax(1) == target).float().mean().item()
            cost.item()

    numpy_times, torch_times = [], []
    totals: dict[str, float] = defaultdict(float)
    for epoch in range(1, epochs + 1):
        t = time.perf_counter()
        phases = numpy_epoch(epoch)
        numpy_times.append(time.perf_counter() - t)
        for name, seconds in phases.items():
            totals[name] += seconds
        t = time.perf_counter()
        torch_epoch(epoch)
        torch_times.append(time.perf_counter() - t)
    numpy_median, torch_median = statistics.median(numpy_times), statistics.median(torch_times)
    import os

    print(
        f"threads: torch {torch.get_num_threads()}, OpenBLAS {os.environ.get('OPENBLAS_NUM_THREADS', 'default (all cores)')}\n"
        f"speed, float32, {epochs} interleaved epochs of {loader.size('training')} samples (minibatches of 100) + dev evaluation:\n"
        f"  numpy NLayers {numpy_median * 1000:.1f} ms/epoch (median), torch loop {torch_median * 1000:.1f} ms/epoch;"
        f" ratio numpy/torch {numpy_median / torch_median:.2f}"
    )
    epoch_total = sum(numpy_times)
    print("  numpy time by phase: " + ", ".join(f"{name} {100 * s / epoch_total:.0f}%" for name, s in sorted(totals.items(), key=lambda kv: -kv[1])))
    clock = LayerClock()
    model.add_layer_observer(clock)
    for epoch in range(epochs + 1, epochs + 4):
        numpy_epoch(epoch)
    model.remove_layer_observer(clock)
    layer_total = sum(clock.seconds.values())
    print("  numpy time by layer pass (3 epochs, observer timing): " + ", ".join(
        f"{name} {100 * s / layer_total:.0f}%" for name, s in sorted(clock.seconds.items(), key=lambda kv: -kv[1])
    ))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--speed-epochs", type=int, default=20)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--dropout-rate", type=float, default=None)
    parser.add_argument("--checks", default="exception")
    args = parser.parse_args()
    model_options = {} if args.dropout_rate is None else {"dropout_rate": args.dropout_rate}
    if not args.skip_quality:
        for dtype in ("float64", "float32"):
            quality(dtype, args.epochs, model_options, args.checks)
    speed(args.speed_epochs)


if __name__ == "__main__":
    main()

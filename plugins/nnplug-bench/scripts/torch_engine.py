"""Benchmark of the torch engine: nnplug's overhead, and OnnxTorch against NLayersTorch.

1. NLayersTorch trained by nnplug's trainer vs the same network trained by a plain hand-written
   torch loop: same data (numbers-shaped: 784 features, 10 classes), same minibatches (the
   permutations of nnplug's ArrayDataLoader), same dtype, Adam. Checks off and dev evaluation
   off in nnplug (the plain loop has neither); a row with nnplug's default checks is added.
2. OnnxTorch on a one_layer graph (784 → 10 dense + softmax) vs NLayersTorch with no hidden
   layer (``--layers= --bias=true --batch-norm=false``): the same computation, both through nnplug.

The machine is noisy: configurations run in alternation, ``--rounds`` times, and each round's
ratio is computed pair by pair; the median ratio is reported, and so is the ratio of the fastest
epochs (the least disturbed by other processes). Epoch 1 is a warm-up and left out. Standalone: ``.venv/bin/python plugins/nnplug-bench/scripts/torch_engine.py [--epochs 6] [--rounds 3]``.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import torch
from torch import nn

from nnplug.arrays import ArrayDataLoader
from nnplug.cli.arguments import parse_command
from nnplug.registry import Registry
from nnplug.trainer import Trainer


def make_data(samples: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Numbers-shaped synthetic samples: 784 values in 0..1 per sample, 10 separable-ish classes."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, samples)
    centers = rng.uniform(0, 1, (10, 784))
    x = np.clip(centers[labels] + rng.normal(0, 0.3, (samples, 784)), 0, 1)
    return x, labels


def loader_class(x: np.ndarray, labels: np.ndarray, dtype: str, minibatch: int) -> type:
    """An ArrayDataLoader plugin over the benchmark data (no dev/test split: all training)."""

    class BenchData(ArrayDataLoader):
        """Benchmark samples."""

        def __init__(self) -> None:
            super().__init__(x, labels, partitions={"training": 1.0}, max_minibatch_size=minibatch, dtype=dtype)

    return BenchData


def nnplug_epochs(registry: Registry, args: list[str], epochs: int) -> list[float]:
    """Per-epoch durations of an nnplug run (the trainer's own epoch clock)."""
    command = parse_command(["--data-loader=BenchData", f"--nbr-epochs={epochs}", *args], registry)
    (result,) = Trainer(registry, []).run(command.experiments)
    return [epoch.duration for epoch in result.repeats[0].epochs]


def plain_epochs(loader: ArrayDataLoader, dtype: torch.dtype, epochs: int, hidden: int = 100) -> list[float]:
    """Per-epoch durations of a hand-written torch loop over the same minibatches."""
    torch.manual_seed(0)
    network = nn.Sequential(OrderedDict(
        l0=nn.Linear(784, hidden, bias=False), bn0=nn.BatchNorm1d(hidden), act=nn.LeakyReLU(0.01),
        l1=nn.Linear(hidden, 10, bias=False), bn1=nn.BatchNorm1d(10),
    )).to(dtype)
    optimizer = torch.optim.Adam(network.parameters(), lr=0.001)
    network.train()
    x_all = torch.from_numpy(loader.x).to(dtype)
    y_all = torch.from_numpy(loader.y_index)
    ids = loader.indices["training"]
    durations = []
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        order = torch.from_numpy(np.random.default_rng([loader.seed, epoch]).permutation(ids))
        for first in range(0, len(order), loader.max_minibatch_size):
            chunk = order[first : first + loader.max_minibatch_size]
            logits = network(x_all[chunk])
            cost = nn.functional.cross_entropy(logits, y_all[chunk])
            optimizer.zero_grad(set_to_none=True)
            cost.backward()
            optimizer.step()
            float(cost)  # a loop reports its cost too (the trainer does)
        durations.append(time.perf_counter() - start)
    return durations


def median_after_warmup(durations: list[float]) -> float:
    """Median epoch time, epoch 1 left out."""
    return statistics.median(durations[1:] if len(durations) > 1 else durations)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6, help="epochs per run (the first is a warm-up)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds of every configuration")
    parser.add_argument("--samples", type=int, default=3500, help="training samples (numbers: 3,500)")
    parser.add_argument("--minibatch", type=int, default=100, help="minibatch size")
    parser.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--json", type=Path, help="also write the figures there")
    options = parser.parse_args(argv)
    torch.set_num_threads(options.threads)

    x, labels = make_data(options.samples)
    data = loader_class(x, labels, options.dtype, options.minibatch)
    registry = Registry()
    registry.add("data_loader", "BenchData", data)
    reference = data()
    reference.load(0)
    models = Path(tempfile.mkdtemp(prefix="nnplug-bench-"))
    from nnplug_onnx.one_layer import one_layer, save

    save(one_layer(28, 28, 1, 10), models / "one_layer.onnx")

    torch_parts = ["--loss=CrossEntropyTorch", "--accuracy=ClassesTorch", "--optimizer=AdamTorch", f"--dtype={options.dtype}"]
    quiet = ["--gradient-checks=off", "--instability-checks=off", "--eval-dev=false"]
    configurations = {
        "plain torch loop": lambda: plain_epochs(reference, getattr(torch, options.dtype), options.epochs),
        "nnplug NLayersTorch": lambda: nnplug_epochs(registry, ["--model=NLayersTorch", "--layers=100", *torch_parts, *quiet], options.epochs),
        "nnplug NLayersTorch, default checks": lambda: nnplug_epochs(
            registry, ["--model=NLayersTorch", "--layers=100", *torch_parts, "--eval-dev=false"], options.epochs),
        "nnplug NLayersTorch --layers= (dense+softmax)": lambda: nnplug_epochs(
            registry, ["--model=NLayersTorch", "--layers=", "--bias=true", "--batch-norm=false", *torch_parts, *quiet], options.epochs),
        "nnplug OnnxTorch one_layer": lambda: nnplug_epochs(
            registry, ["--model=OnnxTorch", f"--models-path={models}", *torch_parts, *quiet], options.epochs),
    }
    times: dict[str, list[float]] = {name: [] for name in configurations}
    fastest: dict[str, float] = {name: float("inf") for name in configurations}
    for round_index in range(options.rounds):
        for name, run in configurations.items():
            durations = run()
            times[name].append(median_after_warmup(durations))
            fastest[name] = min(fastest[name], *durations[1:])
        print(f"round {round_index + 1}: " + ", ".join(f"{n} {times[n][-1] * 1000:.1f} ms" for n in times), file=sys.stderr)

    def ratio(numerator: str, denominator: str) -> float:
        return statistics.median(a / b for a, b in zip(times[numerator], times[denominator]))

    def fastest_ratio(numerator: str, denominator: str) -> float:
        return round(fastest[numerator] / fastest[denominator], 4)

    figures = {
        "settings": vars(options) | {"json": str(options.json) if options.json else None, "torch": torch.__version__},
        "epoch_ms": {name: round(statistics.median(values) * 1000, 2) for name, values in times.items()},
        "nnplug_over_plain": round(ratio("nnplug NLayersTorch", "plain torch loop"), 4),
        "nnplug_default_checks_over_plain": round(ratio("nnplug NLayersTorch, default checks", "plain torch loop"), 4),
        "onnx_one_layer_over_nlayers_torch_no_hidden": round(ratio("nnplug OnnxTorch one_layer", "nnplug NLayersTorch --layers= (dense+softmax)"), 4),
        "fastest_epoch_ms": {name: round(value * 1000, 2) for name, value in fastest.items()},
        "fastest_nnplug_over_plain": fastest_ratio("nnplug NLayersTorch", "plain torch loop"),
        "fastest_onnx_over_nlayers_torch_no_hidden": fastest_ratio("nnplug OnnxTorch one_layer", "nnplug NLayersTorch --layers= (dense+softmax)"),
    }
    print(json.dumps(figures, indent=2))
    if options.json:
        options.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

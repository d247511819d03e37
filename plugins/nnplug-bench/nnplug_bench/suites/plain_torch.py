"""The baseline: each network trained by a plain hand-written PyTorch loop.

What a person writes without a framework: ``nn.Sequential``, ``torch.optim.Adam``,
``F.cross_entropy`` on the logits, and per epoch the dev evaluation then the training
minibatches with their loss and accuracy summed up, as nnplug's trainer does. Same minibatches
as the engines (the same :class:`~nnplug_bench.suites.digits.BenchDigits` loader and seed),
float32.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from nnplug_bench.suites.architectures import LEARNING_RATE, Architecture
from nnplug_bench.suites.digits import BenchDigits


@dataclass
class LoopResult:
    """What one training run measured."""

    epoch_seconds: list[float] = field(default_factory=list)
    final_dev_accuracy: float = float("nan")


def network(architecture: Architecture, inputs: int, classes: int, seed: int):
    """The ``nn.Sequential`` of ``architecture`` (logits out), Glorot-uniform weights as nnplug's engines."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    if architecture.key == "sigmoid":
        layers = [nn.Linear(inputs, architecture.hidden), nn.Sigmoid(), nn.Linear(architecture.hidden, classes)]
    else:
        layers = [
            nn.Linear(inputs, architecture.hidden, bias=False), nn.BatchNorm1d(architecture.hidden), nn.LeakyReLU(0.01),
            nn.Linear(architecture.hidden, classes, bias=False), nn.BatchNorm1d(classes),
        ]
    model = nn.Sequential(*layers)
    for layer in model:
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)
    return model


def _evaluate(model, loader: BenchDigits, partition: str) -> tuple[float, float]:
    import torch
    import torch.nn.functional as F

    model.eval()
    total_loss = total_correct = 0.0
    count = 0
    with torch.no_grad():
        for batch in loader.minibatches(partition, 0):
            logits = model(torch.from_numpy(batch.x))
            targets = torch.from_numpy(batch.y).argmax(dim=1)
            total_loss += float(F.cross_entropy(logits, targets)) * len(targets)
            total_correct += float((logits.argmax(dim=1) == targets).sum())
            count += len(targets)
    return total_loss / max(count, 1), total_correct / max(count, 1)


def train_plain_torch(architecture: Architecture, loader: BenchDigits, epochs: int, seed: int = 0, fused: bool = False) -> LoopResult:
    """Train ``architecture`` for ``epochs`` on ``loader`` (loaded; numpy minibatches seen as tensors without copy); time every epoch.

    ``fused``: ``torch.optim.Adam(fused=True)``, the update kernels nnplug's torch engine uses by
    default (without it: torch's default on the CPU, one tensor at a time).
    """
    import torch
    import torch.nn.functional as F

    model = network(architecture, loader.sample_shape[0], len(loader.labels), seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE, **({"fused": True} if fused else {}))
    result = LoopResult()
    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        _evaluate(model, loader, "dev")
        model.train()
        total_loss = total_correct = 0.0
        count = 0
        for batch in loader.minibatches("training", epoch):
            targets = torch.from_numpy(batch.y).argmax(dim=1)  # zero-copy views of the numpy minibatch
            logits = model(torch.from_numpy(batch.x))
            loss = F.cross_entropy(logits, targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(targets)
            total_correct += float((logits.argmax(dim=1) == targets).sum())
            count += len(targets)
        result.epoch_seconds.append(time.perf_counter() - start)
    result.final_dev_accuracy = _evaluate(model, loader, "dev")[1]
    return result

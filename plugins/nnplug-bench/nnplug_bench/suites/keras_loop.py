"""Keras 3, when installed (optional): the same networks on the same minibatches.

Trained minibatch by minibatch with ``train_on_batch`` so that Keras sees exactly the
minibatches the other engines see; the dev evaluation opens every epoch as in nnplug's trainer.
"""
from __future__ import annotations

import time

from nnplug_bench.suites.architectures import LEARNING_RATE, Architecture
from nnplug_bench.suites.digits import BenchDigits
from nnplug_bench.suites.plain_torch import LoopResult


def keras_missing() -> str | None:
    """Why Keras cannot run here, or None."""
    try:
        import keras  # noqa: F401
    except ImportError:
        return "Keras 3 is not installed (optional: pip install keras and a backend)"
    return None


def _model(architecture: Architecture, inputs: int, classes: int):
    import keras
    from keras import layers

    if architecture.key == "sigmoid":
        stack = [layers.Dense(architecture.hidden, activation="sigmoid"), layers.Dense(classes, activation="softmax")]
    else:
        stack = [
            layers.Dense(architecture.hidden, use_bias=False), layers.BatchNormalization(), layers.LeakyReLU(negative_slope=0.01),
            layers.Dense(classes, use_bias=False), layers.BatchNormalization(), layers.Activation("softmax"),
        ]
    model = keras.Sequential([keras.Input((inputs,)), *stack])
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="categorical_crossentropy", metrics=["categorical_accuracy"])
    return model


def train_keras(architecture: Architecture, loader: BenchDigits, epochs: int) -> LoopResult:
    """Train ``architecture`` with Keras on ``loader``'s numpy minibatches; time every epoch."""
    model = _model(architecture, loader.sample_shape[0], len(loader.labels))
    result = LoopResult()

    def dev_accuracy() -> float:
        batch = next(loader.minibatches("dev", 0))
        return float(model.evaluate(batch.x, batch.y, batch_size=len(batch.x), verbose=0)[1])

    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        dev_accuracy()
        for batch in loader.minibatches("training", epoch):
            model.train_on_batch(batch.x, batch.y)
        result.epoch_seconds.append(time.perf_counter() - start)
    result.final_dev_accuracy = dev_accuracy()
    return result

"""Numpy layers: each a small class with its forward and backward side by side."""
from __future__ import annotations

from nnplug_numpy.layers.batch_normalization import BatchNormalization
from nnplug_numpy.layers.dense import Dense
from nnplug_numpy.layers.dropout import Dropout
from nnplug_numpy.layers.layer import Layer
from nnplug_numpy.layers.leaky_relu import LeakyReLU
from nnplug_numpy.layers.relu import ReLU
from nnplug_numpy.layers.sigmoid import Sigmoid
from nnplug_numpy.layers.softmax import Softmax
from nnplug_numpy.layers.tanh import Tanh

__all__ = ["BatchNormalization", "Dense", "Dropout", "Layer", "LeakyReLU", "ReLU", "Sigmoid", "Softmax", "Tanh"]

"""Numpy optimizers: Constant, ExponentialDecay and Adam, with L2 weight decay."""

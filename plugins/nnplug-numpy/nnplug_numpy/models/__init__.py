"""Numpy models: OneLayer and NLayers, stacks of hand-written layers."""

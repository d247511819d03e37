"""Segmentation networks with U2-Net's interface, as torch modules, and their ONNX exporter.

``blobnet`` is the architecture of the shipped ``models/blobnet.onnx`` (trained by
``scripts/segmentation/train.py``), ``u2net_like`` a U2-Net-shaped network of any width, and
``export`` writes either as an ONNX file ``bin/infer`` runs. The inference benchmark suite
(``nnplug bench inference``) compares ONNX Runtime with torch eager mode on them.
"""

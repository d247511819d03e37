"""Command-line entry points: ``nnplug``, ``bin/train`` (``nnplug-train``), ``bin/infer`` (``nnplug-infer``)."""

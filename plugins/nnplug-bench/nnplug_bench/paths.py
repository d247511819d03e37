"""Where the suites find the repository's shipped files (``datasets/``, ``models/``, ``bin/``)."""
from __future__ import annotations

from pathlib import Path


def repository() -> Path:
    """The folder holding the ``nnplug`` package (an editable install from the repository)."""
    import nnplug

    return Path(nnplug.__file__).resolve().parent.parent

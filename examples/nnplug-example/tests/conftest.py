"""Run the example's tests from a checkout too: make ``nnplug_example`` importable if it is not installed."""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

if importlib.util.find_spec("nnplug_example") is None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

"""What the benchmark ran on, recorded beside the figures."""
from __future__ import annotations

import importlib.metadata
import os
import platform
from typing import Any

#: distributions whose versions matter to the figures.
VERSIONED = ("nnplug", "numpy", "torch", "onnxruntime", "pyvips", "Wand", "pillow", "keras")


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` ('' elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.partition(":")[2].strip()
    except OSError:
        pass
    return ""


def machine_info() -> dict[str, Any]:
    """CPU count, platform, Python and the versions of the libraries being compared."""
    versions = {}
    for name in VERSIONED:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "processor": cpu_model() or platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "versions": versions,
    }

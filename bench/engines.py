#!/usr/bin/env python3
"""The ``engines`` benchmark suite, standalone: the same as ``nnplug bench engines [OPTIONS]``.

See ``bench/README.md`` for what it measures and ``nnplug bench --help`` for the options.
"""
from __future__ import annotations

import sys

from nnplug.bench.cli import bench

if __name__ == "__main__":
    bench.main(["engines", *sys.argv[1:]], prog_name="bench/engines.py")

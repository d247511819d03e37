#!/usr/bin/env python3
"""The ``checks`` benchmark suite, standalone: the same as ``nnplug bench checks [OPTIONS]``.

See ``bench/README.md`` for what it measures and ``nnplug bench --help`` for the options.
"""
from __future__ import annotations

import sys

from nnplug.bench.cli import bench

if __name__ == "__main__":
    bench.main(["checks", *sys.argv[1:]], prog_name="bench/checks.py")

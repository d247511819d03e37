"""The benchmark suites users can name: entry points of the group ``nnplug.bench_suites``.

A package adds a suite with one module (a :class:`nnplug_bench.suite.Suite` subclass) and one
entry point ``name = package.module:SuiteClass`` in that group; suites are imported only when run
(their dependencies are heavy).
"""
from __future__ import annotations

import importlib
import importlib.metadata

from nnplug_bench.suite import Suite
from nnplug.errors import NnplugError

#: the entry-point group suites are registered in.
GROUP = "nnplug.bench_suites"

#: the built-in suites, in the order ``nnplug bench`` runs them; other suites follow by name.
BUILT_IN_ORDER = ("engines", "loaders", "inference", "checks")


def suites() -> dict[str, str]:
    """Suite name → ``"module:Class"`` of every installed suite, in running order."""
    found = {entry.name: entry.value for entry in importlib.metadata.entry_points(group=GROUP)}
    order = [name for name in BUILT_IN_ORDER if name in found] + sorted(set(found) - set(BUILT_IN_ORDER))
    return {name: found[name] for name in order}


def suite_names(requested: list[str] | tuple[str, ...]) -> list[str]:
    """The suites to run: all when none is requested; an unknown name is a one-line error."""
    available = suites()
    if not requested:
        return list(available)
    unknown = [name for name in requested if name not in available]
    if unknown:
        raise NnplugError(f"unknown benchmark suite {unknown[0]!r} (available: {', '.join(available)})")
    return list(dict.fromkeys(requested))


def load_suite(name: str, quick: bool) -> Suite:
    """Instantiate suite ``name`` (its module's own imports stay light: heavy ones happen in ``prepare``)."""
    module, _, cls = suites()[name].partition(":")
    return getattr(importlib.import_module(module), cls)(quick=quick)

"""The benchmark suites users can name, imported only when run (their dependencies are heavy)."""
from __future__ import annotations

import importlib

from nnplug.bench.suite import Suite
from nnplug.errors import NnplugError

#: suite name → "module:Class"; the order is the order ``nnplug bench`` runs them in.
SUITES: dict[str, str] = {
    "engines": "nnplug.bench.suites.engines:EnginesSuite",
    "loaders": "nnplug.bench.suites.loaders:LoadersSuite",
    "inference": "nnplug.bench.suites.inference:InferenceSuite",
    "checks": "nnplug.bench.suites.checks:ChecksSuite",
}


def suite_names(requested: list[str] | tuple[str, ...]) -> list[str]:
    """The suites to run: all when none is requested; an unknown name is a one-line error."""
    if not requested:
        return list(SUITES)
    unknown = [name for name in requested if name not in SUITES]
    if unknown:
        raise NnplugError(f"unknown benchmark suite {unknown[0]!r} (available: {', '.join(SUITES)})")
    return list(dict.fromkeys(requested))


def load_suite(name: str, quick: bool) -> Suite:
    """Instantiate suite ``name`` (its module's own imports stay light: heavy ones happen in ``prepare``)."""
    module, _, cls = SUITES[name].partition(":")
    return getattr(importlib.import_module(module), cls)(quick=quick)

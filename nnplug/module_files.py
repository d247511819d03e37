"""Find a module's source file without importing it, nor its parent packages.

``importlib.util.find_spec("pkg.sub.mod")`` imports ``pkg`` and ``pkg.sub`` first, running their
``__init__``: a plugin package whose ``__init__`` is slow, raises or calls ``sys.exit`` would
then slow down or break ``--help`` and every listing (the README promises help imports no
plugin). :func:`find_spec_without_import` asks the import system's finders directly, parent by
parent, so nothing is executed; the finders installed by editable installs are asked too.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from typing import Any


def find_spec_without_import(name: str) -> importlib.machinery.ModuleSpec | None:
    """The spec of module ``name`` (``spec.origin`` is its file), found without running any module code.

    A module already imported answers from ``sys.modules``. Returns None when no finder knows
    the module. Finders that fail are skipped (a broken finder must not break the others).
    """
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__spec__", None) is not None:
        return loaded.__spec__
    parent, _, _ = name.rpartition(".")
    path: list[str] | None = None
    if parent:
        parent_spec = find_spec_without_import(parent)
        if parent_spec is None or parent_spec.submodule_search_locations is None:
            return None  # the parent is missing, or a plain module (no submodules)
        path = list(parent_spec.submodule_search_locations)
    for finder in sys.meta_path:
        spec = _ask(finder, name, path)
        if spec is not None:
            return spec
    return None


def _ask(finder: Any, name: str, path: list[str] | None) -> importlib.machinery.ModuleSpec | None:
    find_spec = getattr(finder, "find_spec", None)
    if find_spec is None:
        return None
    try:
        return find_spec(name, path)
    except Exception:  # noqa: BLE001 - a finder failing on a name it does not own answers "not mine"
        return None

"""The core depends on no plugin: no module of ``nnplug/`` imports a plugin distribution's package."""
from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "nnplug"


def imported_modules(path: Path) -> set[str]:
    """Every absolute module name ``path`` imports, at any depth (function-level imports included)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_core_module_imports_a_plugin_package():
    offenders = {
        f"{path.relative_to(CORE.parent)}: {name}"
        for path in CORE.rglob("*.py")
        for name in imported_modules(path)
        if name.split(".")[0].startswith("nnplug_")
    }
    assert not offenders, sorted(offenders)


def test_no_core_module_puts_folders_on_sys_path():
    offenders = [str(path.relative_to(CORE.parent)) for path in CORE.rglob("*.py") if "sys.path.insert" in path.read_text()
                 or "sys.path.append" in path.read_text()]
    assert not offenders


def test_nnplug_onnx_uses_only_the_public_api_of_nnplug_torch():
    package = CORE.parent / "plugins" / "nnplug-onnx" / "nnplug_onnx"
    offenders = {
        f"{path.name}: {name}" for path in package.rglob("*.py") for name in imported_modules(path)
        if name.startswith("nnplug_torch.")
    }
    assert not offenders, sorted(offenders)

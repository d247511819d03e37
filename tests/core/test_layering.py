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


def core_import_graph() -> dict[str, set[str]]:
    """Core module → the core modules it imports (function-level imports too; ``TYPE_CHECKING`` blocks not).

    Importing ``a.b.c`` imports the package ``a.b`` first, so that is an edge too, except from a
    module of that package (a package's ``__init__`` importing its own modules is no cycle).
    """
    modules = {}
    for path in CORE.rglob("*.py"):
        parts = list(path.relative_to(CORE.parent).with_suffix("").parts)
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING"):
                node.body = []  # typing-only imports do not run
        targets: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets.add(node.module)
                targets.update(f"{node.module}.{alias.name}" for alias in node.names)
        found = set()
        for target in targets:
            while target and target != "nnplug":
                if target in modules and target != name and not name.startswith(target + "."):
                    found.add(target)
                target = target.rpartition(".")[0]
        graph[name] = found
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in graph:
        if node not in index:
            visit(node)
    return found


#: modules that imported each other before (checkpoints ↔ trainer ↔ runs, introspection ↔ registry).
UNTANGLED = ("nnplug.checkpoints", "nnplug.trainer", "nnplug.runs", "nnplug.registry", "nnplug.introspection", "nnplug.files", "nnplug.kinds")


def test_checkpoints_trainer_runs_registry_and_introspection_are_in_no_import_cycle():
    tangled = [sorted(c) for c in cycles(core_import_graph()) if any(m.startswith(UNTANGLED) for m in c)]
    assert not tangled


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]

"""Read a plugin's description and options from its source, without importing it.

Help and plugin listings must stay fast and must not import heavy backends (torch, onnxruntime,
pyvips, wand), so a plugin's module is parsed with :mod:`ast` rather than imported. Only the
parent packages of the module are imported to locate it (keep a plugin package's ``__init__``
light). A class without its own ``__init__`` inherits the options of its bases, followed through
the module's imports. Loaded classes are read the same way with :func:`describe_class`.
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import docstring_parser

from nnplug.options import REQUIRED, OptionSpec, parse_annotation


@dataclass
class ClassDescription:
    """What help shows of a plugin class: its one-line description, long help and options."""

    description: str
    long_description: str = ""
    options: list[OptionSpec] = field(default_factory=list)


class IntrospectionError(ValueError):
    """The class or its constructor cannot be described (missing, unsupported hint, default...)."""


def describe_entry_point(value: str) -> ClassDescription:
    """Describe the class an entry point names (``"package.module:Class"``) from its source."""
    module, _, qualname = value.partition(":")
    if not qualname:
        raise IntrospectionError(f"entry point {value!r} does not name a class (module:Class)")
    return _describe_in_module(module, qualname)


def describe_class(cls: type) -> ClassDescription:
    """Describe a class that is already imported (core option classes, test plugins)."""
    try:
        return _describe_in_module(cls.__module__, cls.__qualname__)
    except (IntrospectionError, OSError, TypeError):
        return _describe_with_inspect(cls)


@lru_cache(maxsize=None)
def _module_tree(module: str) -> tuple[ast.Module, str]:
    try:
        spec = importlib.util.find_spec(module)  # imports the parent packages
    except Exception as err:  # noqa: BLE001 - a parent package raising anything breaks only its plugins
        raise IntrospectionError(f"cannot locate module {module}: {type(err).__name__}: {err}") from None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise IntrospectionError(f"cannot locate the source of module {module}")
    source = Path(spec.origin).read_text(encoding="utf-8")
    try:
        return ast.parse(source, filename=spec.origin), spec.parent or ""
    except SyntaxError as err:
        raise IntrospectionError(f"syntax error in {spec.origin}:{err.lineno}: {err.msg}") from None


def _find_class(tree: ast.Module, qualname: str) -> ast.ClassDef | None:
    body: list[ast.stmt] = tree.body
    found: ast.ClassDef | None = None
    for part in qualname.split("."):
        found = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == part), None)
        if found is None:
            return None
        body = found.body
    return found


def _describe_in_module(module: str, qualname: str) -> ClassDescription:
    tree, package = _module_tree(module)
    node = _find_class(tree, qualname)
    if node is None:
        raise IntrospectionError(f"class {qualname} not found in {module}")
    doc = _parse_docstring(ast.get_docstring(node) or "")
    init, init_module, owner = _find_init(node, tree, module, package)
    options: list[OptionSpec] = []
    if init is not None:
        # help from the class defining __init__, then its __init__, then the class itself
        helps: dict[str, str] = {}
        for text in (ast.get_docstring(owner) if owner is not None else None, ast.get_docstring(init), ast.get_docstring(node)):
            helps.update({p.arg_name: " ".join((p.description or "").split()) for p in _parse_docstring(text or "").params})
        options = _options_from_function(init, helps, f"{init_module}:{qualname}")
    return ClassDescription(
        description=(doc.short_description or "").strip(),
        long_description=(doc.long_description or "").strip(),
        options=options,
    )


def _find_init(
    node: ast.ClassDef, tree: ast.Module, module: str, package: str
) -> tuple[ast.FunctionDef | None, str, ast.ClassDef | None]:
    """Return the ``__init__`` the class uses (its own or inherited), its module and its class."""
    own = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if own is not None:
        return own, module, node
    for base in node.bases:
        base_name = ast.unparse(base)
        located = _locate_name(base_name, tree, module, package)
        if located is None:
            continue
        base_module, base_qualname = located
        if _takes_no_options(base_module, base_qualname):
            continue  # the kinds' base classes take no options
        base_tree, base_package = _module_tree(base_module)
        base_node = _find_class(base_tree, base_qualname)
        if base_node is None:
            continue
        found = _find_init(base_node, base_tree, base_module, base_package)
        if found[0] is not None:
            return found
    return None, module, None


def _takes_no_options(module: str, qualname: str) -> bool:
    """Whether the search for a constructor stops at this base: the kinds' base classes and Plugin.

    Other core classes (e.g. the shared image loader of ``nnplug.datasets``) are followed, so
    plugins that subclass them inherit their options.
    """
    from nnplug.registry import KINDS

    stops = {kind.base for kind in KINDS.values()} | {"nnplug.plugin:Plugin"}
    return module == "nnplug" or f"{module}:{qualname}" in stops


def _locate_name(name: str, tree: ast.Module, module: str, package: str) -> tuple[str, str] | None:
    """Find which module defines ``name`` as seen from ``module``: itself or an import."""
    head, _, rest = name.partition(".")
    if _find_class(tree, name) is not None:
        return module, name
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if (alias.asname or alias.name) == head:
                    source = importlib.util.resolve_name("." * stmt.level + (stmt.module or ""), package) if stmt.level else stmt.module or ""
                    target = alias.name + ("." + rest if rest else "")
                    return source, target
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if (alias.asname or alias.name) == head and rest:
                    mod, _, cls = (alias.name + "." + rest).rpartition(".")
                    return mod, cls
    return None


def _options_from_function(func: ast.FunctionDef, helps: dict[str, str], where: str) -> list[OptionSpec]:
    args = func.args
    positional = args.posonlyargs + args.args
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
    pairs = list(zip(positional, defaults))[1:]  # drop self
    pairs += list(zip(args.kwonlyargs, args.kw_defaults))
    options = []
    for arg, default_node in pairs:
        if arg.annotation is None:
            raise IntrospectionError(f"{where}: argument {arg.arg} has no type hint")
        hint = ast.unparse(arg.annotation)
        try:
            option_type = parse_annotation(hint)
        except ValueError as err:
            raise IntrospectionError(f"{where}: argument {arg.arg}: {err}") from None
        default = REQUIRED if default_node is None else _literal_default(default_node, where, arg.arg)
        if default is not REQUIRED:
            try:
                default = option_type.check(default)
            except ValueError as err:
                raise IntrospectionError(f"{where}: default of {arg.arg}: {err}") from None
        options.append(OptionSpec(arg.arg, option_type, default, helps.get(arg.arg, "")))
    return options


def _literal_default(node: ast.expr, where: str, name: str) -> Any:
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    # Path("models"), float("inf"): a call on one literal
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        func = ast.unparse(node.func)
        value = ast.literal_eval(node.args[0])
        if func in ("Path", "pathlib.Path"):
            return Path(value)
        if func in ("float", "int", "str", "tuple", "list"):
            return {"float": float, "int": int, "str": str, "tuple": tuple, "list": list}[func](value)
    raise IntrospectionError(f"{where}: the default of {name} must be a literal value, not {ast.unparse(node)}")


def _parse_docstring(text: str) -> docstring_parser.Docstring:
    """Parse a Google/NumPy/reST docstring; one that opens on its ``Args:`` section works too."""
    if text.lstrip().startswith(("Args:", "Arguments:", "Parameters", "Keyword")):
        parsed = docstring_parser.parse("-\n\n" + text.lstrip())
        parsed.short_description = None
        return parsed
    return docstring_parser.parse(text)


def _describe_with_inspect(cls: type) -> ClassDescription:
    doc = _parse_docstring(inspect.getdoc(cls) or "")
    init_doc = _parse_docstring(inspect.getdoc(cls.__init__) or "")
    helps = {p.arg_name: " ".join((p.description or "").split()) for p in doc.params}
    helps.update({p.arg_name: " ".join((p.description or "").split()) for p in init_doc.params})
    options = []
    if cls.__init__ is not object.__init__:
        for name, param in list(inspect.signature(cls.__init__).parameters.items())[1:]:
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            hint = param.annotation
            if hint is inspect.Parameter.empty:
                raise IntrospectionError(f"{cls.__qualname__}: argument {name} has no type hint")
            text = hint if isinstance(hint, str) else getattr(hint, "__name__", None) or repr(hint)
            option_type = parse_annotation(text)
            default = REQUIRED if param.default is param.empty else option_type.check(param.default)
            options.append(OptionSpec(name, option_type, default, helps.get(name, "")))
    return ClassDescription((doc.short_description or "").strip(), (doc.long_description or "").strip(), options)


#: Class attributes a plugin declares for listings and compatibility checks (read from the source).
DECLARED_ATTRIBUTES = ("engine", "tasks", "aliases", "defaults")


def declarations_of_entry_point(value: str) -> dict[str, Any]:
    """The declared ``engine``, ``tasks``, ``aliases`` (and engines' ``defaults``) of the class an entry point names.

    Read from the source like options (nothing is imported but parent packages): the class's own
    assignments first, then its bases' (followed through the module's imports, up to the kinds'
    base classes). Only literal values count; an attribute the class and its bases do not set is
    absent from the result.
    """
    module, _, qualname = value.partition(":")
    if not qualname:
        raise IntrospectionError(f"entry point {value!r} does not name a class (module:Class)")
    return _declarations_in_module(module, qualname)


def declarations_of_class(cls: type) -> dict[str, Any]:
    """The declared ``engine``, ``tasks`` and ``aliases`` of an imported class (its attributes)."""
    try:
        return _declarations_in_module(cls.__module__, cls.__qualname__)
    except (IntrospectionError, OSError, TypeError):
        found: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            if f"{klass.__module__}:{klass.__qualname__}" in _stop_classes():
                continue
            for name in DECLARED_ATTRIBUTES:
                if name in vars(klass):
                    found[name] = vars(klass)[name]
        return found


def _stop_classes() -> set[str]:
    from nnplug.registry import KINDS

    return {kind.base for kind in KINDS.values()} | {"nnplug.plugin:Plugin", "builtins:object"}


def _declarations_in_module(module: str, qualname: str) -> dict[str, Any]:
    tree, package = _module_tree(module)
    node = _find_class(tree, qualname)
    if node is None:
        raise IntrospectionError(f"class {qualname} not found in {module}")
    found: dict[str, Any] = {}
    for base in reversed(node.bases):  # the first base wins, as in the method resolution order
        located = _locate_name(ast.unparse(base), tree, module, package)
        if located is None or f"{located[0]}:{located[1]}" in _stop_classes() or located[0] == "nnplug":
            continue
        try:
            found.update(_declarations_in_module(*located))
        except (IntrospectionError, OSError):
            continue
    found.update(_own_declarations(node, f"{module}:{qualname}"))
    return found


def _own_declarations(node: ast.ClassDef, where: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
            name, value = stmt.target.id, stmt.value
        elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            name, value = stmt.targets[0].id, stmt.value
        else:
            continue
        if name not in DECLARED_ATTRIBUTES:
            continue
        try:
            found[name] = ast.literal_eval(value)
        except ValueError:
            raise IntrospectionError(f"{where}: {name} must be a literal value, not {ast.unparse(value)}") from None
    return found

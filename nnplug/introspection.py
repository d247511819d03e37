"""Read a plugin's description and options from its source, without importing it.

Help and plugin listings must stay fast and must not import heavy backends (torch, onnxruntime,
pyvips, wand), so a plugin's module is parsed with :mod:`ast` rather than imported; it is
located without importing its parent packages either (:mod:`nnplug.module_files`). A class without its own ``__init__`` inherits the options of its bases, followed through
the module's imports. Loaded classes are read the same way with :func:`describe_class`.
"""
from __future__ import annotations

import ast
import importlib.util
import inspect
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import docstring_parser

from nnplug.module_files import find_spec_without_import
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
    spec = find_spec_without_import(module)  # no plugin code runs: help and listings import no plugin
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise IntrospectionError(f"cannot locate the source of module {module}")
    try:
        source = Path(spec.origin).read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise IntrospectionError(f"{spec.origin} is not UTF-8 text (byte {err.start}: {err.reason})") from None
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


@dataclass(frozen=True)
class _Scope:
    """A parsed module: its tree, its name and its package (to resolve relative imports)."""

    tree: ast.Module
    module: str
    package: str


def _scope(module: str) -> _Scope:
    tree, package = _module_tree(module)
    return _Scope(tree, module, package)


def _describe_in_module(module: str, qualname: str) -> ClassDescription:
    scope = _scope(module)
    node = _find_class(scope.tree, qualname)
    if node is None:
        raise IntrospectionError(f"class {qualname} not found in {module}")
    doc = _parse_docstring(ast.get_docstring(node) or "")
    options = _constructor_options(node, scope, qualname) or []
    # the class itself documents last: its help wins over the one written where the option is defined
    own_helps = {p.arg_name: " ".join((p.description or "").split()) for p in doc.params if p.description}
    options = [replace(o, help=own_helps[o.name]) if o.name in own_helps else o for o in options]
    return ClassDescription(
        description=(doc.short_description or "").strip(),
        long_description=(doc.long_description or "").strip(),
        options=options,
    )


def _constructor_options(node: ast.ClassDef, scope: _Scope, qualname: str, depth: int = 0) -> list[OptionSpec] | None:
    """The options of the constructor ``node`` uses, or None when it and its bases define none.

    The constructor is the class's own ``__init__``, else the one a ``@dataclass`` generates from
    its fields, else its first base's that has one. An ``__init__`` taking ``**kwargs`` that it
    forwards to ``super().__init__`` also offers the base's options (minus those it sets itself).
    """
    if depth > 20:
        raise IntrospectionError(f"{scope.module}:{qualname}: the chain of base classes is too deep to read")
    where = f"{scope.module}:{qualname}"
    init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
    if init is None and _dataclass_settings(node).get("init", True) and _dataclass_settings(node).get("is_dataclass"):
        init = _dataclass_init(node, scope, where, depth)
    if init is None:
        return _bases_options(node, scope, depth)
    helps: dict[str, str] = {}
    for text in (ast.get_docstring(node), ast.get_docstring(init)):
        helps.update({p.arg_name: " ".join((p.description or "").split()) for p in _parse_docstring(text or "").params})
    options = _options_from_function(init, helps, where, scope)
    if init.args.vararg is not None:
        raise IntrospectionError(
            f"{where}: *{init.args.vararg.arg} cannot become command-line options: name each option as an argument with a type hint"
        )
    if init.args.kwarg is not None:
        options += _forwarded_options(node, init, scope, where, {o.name for o in options}, depth)
    return options


def _forwarded_options(
    node: ast.ClassDef, init: ast.FunctionDef, scope: _Scope, where: str, own: set[str], depth: int
) -> list[OptionSpec]:
    """The base's options a constructor passes on through ``**kwargs`` (those it does not set itself)."""
    kwarg = init.args.kwarg.arg if init.args.kwarg is not None else ""
    call = _base_init_call(init, node, kwarg)
    base = _bases_options(node, scope, depth) or []
    if call is None:
        if not base:
            return []  # the base takes no options: nothing is lost
        raise IntrospectionError(
            f"{where}: **{kwarg} is not passed on to the base class (super().__init__(..., **{kwarg})), so its options cannot be known: "
            f"name each option as an argument with a type hint"
        )
    positional = call.args[1:] if _calls_base_by_name(call) else call.args
    if any(isinstance(arg, ast.Starred) for arg in positional):
        raise IntrospectionError(f"{where}: *args passed to the base class hide which options it sets: pass them by name")
    fixed = {keyword.arg for keyword in call.keywords if keyword.arg is not None}
    return [option for index, option in enumerate(base) if index >= len(positional) and option.name not in fixed | own]


def _base_init_call(init: ast.FunctionDef, node: ast.ClassDef, kwarg: str) -> ast.Call | None:
    """The ``super().__init__(...)`` (or ``Base.__init__(self, ...)``) call of ``init`` that forwards ``**kwarg``."""
    for call in ast.walk(init):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "__init__"):
            continue
        target = call.func.value
        is_super = isinstance(target, ast.Call) and isinstance(target.func, ast.Name) and target.func.id == "super"
        if not (is_super or _calls_base_by_name(call)):
            continue
        if any(k.arg is None and isinstance(k.value, ast.Name) and k.value.id == kwarg for k in call.keywords):
            return call
    return None


def _calls_base_by_name(call: ast.Call) -> bool:
    """Whether ``call`` is ``Base.__init__(self, ...)`` (the instance passed explicitly)."""
    target = call.func.value if isinstance(call.func, ast.Attribute) else None
    return isinstance(target, (ast.Name, ast.Attribute)) and bool(call.args) and isinstance(call.args[0], ast.Name) and call.args[0].id == "self"


def _bases_options(node: ast.ClassDef, scope: _Scope, depth: int) -> list[OptionSpec] | None:
    """The options of the first base (in order) whose constructor has some, up to the kinds' base classes."""
    for located in _located_bases(node, scope):
        base_scope, base_node, base_qualname = located
        found = _constructor_options(base_node, base_scope, base_qualname, depth + 1)
        if found is not None:
            return found
    return None


def _located_bases(node: ast.ClassDef, scope: _Scope) -> list[tuple[_Scope, ast.ClassDef, str]]:
    """The class's bases that can be read (the kinds' base classes and unlocatable names left out)."""
    bases = []
    for base in node.bases:
        located = _locate_name(ast.unparse(base), scope.tree, scope.module, scope.package)
        if located is None or _takes_no_options(*located):
            continue
        base_scope = _scope(located[0])
        base_node = _find_class(base_scope.tree, located[1])
        if base_node is not None:
            bases.append((base_scope, base_node, located[1]))
    return bases


def _dataclass_settings(node: ast.ClassDef) -> dict[str, Any]:
    """``{"is_dataclass": True, "init": ..., "kw_only": ...}`` for a ``@dataclass`` class, else ``{}``."""
    for decorator in node.decorator_list:
        call = decorator if isinstance(decorator, ast.Call) else None
        name = ast.unparse(call.func if call is not None else decorator)
        if name in ("dataclass", "dataclasses.dataclass"):
            settings: dict[str, Any] = {"is_dataclass": True}
            for keyword in call.keywords if call is not None else []:
                if keyword.arg in ("init", "kw_only"):
                    try:
                        settings[keyword.arg] = bool(ast.literal_eval(keyword.value))
                    except ValueError:
                        pass
            return settings
    return {}


def _dataclass_fields(node: ast.ClassDef, scope: _Scope, where: str, depth: int) -> dict[str, tuple[ast.arg, ast.expr | None, bool]]:
    """The ``__init__`` arguments of a dataclass: name → (argument, default expression or None, keyword-only).

    Fields of dataclass bases come first, as ``dataclasses`` orders them; ``ClassVar`` annotations
    and ``field(init=False)`` are not arguments.
    """
    fields: dict[str, tuple[ast.arg, ast.expr | None, bool]] = {}
    for base_scope, base_node, base_qualname in reversed(_located_bases(node, scope)):
        if _dataclass_settings(base_node).get("is_dataclass") and depth < 20:
            fields.update(_dataclass_fields(base_node, base_scope, f"{base_scope.module}:{base_qualname}", depth + 1))
    kw_only = bool(_dataclass_settings(node).get("kw_only", False))
    for stmt in node.body:
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        annotation = ast.unparse(stmt.annotation).strip("'\"")
        if annotation.split("[")[0].rpartition(".")[2] == "ClassVar":
            continue
        if annotation.rpartition(".")[2] == "KW_ONLY":
            kw_only = True
            continue
        hint = stmt.annotation
        if annotation.split("[")[0].rpartition(".")[2] == "InitVar" and isinstance(hint, ast.Subscript):
            hint = hint.slice
        default, field_kw_only, in_init = _field_default(stmt.value, where, stmt.target.id)
        if not in_init:
            fields.pop(stmt.target.id, None)
            continue
        fields[stmt.target.id] = (ast.arg(arg=stmt.target.id, annotation=hint), default, kw_only if field_kw_only is None else field_kw_only)
    return fields


def _field_default(value: ast.expr | None, where: str, name: str) -> tuple[ast.expr | None, bool | None, bool]:
    """(default expression or None, field-level kw_only or None, whether the field is an ``__init__`` argument)."""
    if not (isinstance(value, ast.Call) and ast.unparse(value.func) in ("field", "dataclasses.field")):
        return value, None, True
    options = {keyword.arg: keyword.value for keyword in value.keywords if keyword.arg is not None}
    in_init = _literal_or(options.get("init"), True)
    kw_only = _literal_or(options.get("kw_only"), None)
    if "default" in options:
        return options["default"], kw_only, in_init
    factory = options.get("default_factory")
    if factory is None:
        return None, kw_only, in_init
    if isinstance(factory, ast.Lambda):
        return factory.body, kw_only, in_init
    empty = {"list": ast.List(elts=[], ctx=ast.Load()), "dict": ast.Dict(keys=[], values=[]), "tuple": ast.Tuple(elts=[], ctx=ast.Load())}
    if ast.unparse(factory) in empty:
        return empty[ast.unparse(factory)], kw_only, in_init
    raise IntrospectionError(
        f"{where}: the default_factory of field {name} must be list, dict, tuple or a lambda returning a literal, not {ast.unparse(factory)}"
    )


def _literal_or(node: ast.expr | None, otherwise: Any) -> Any:
    if node is None:
        return otherwise
    try:
        return ast.literal_eval(node)
    except ValueError:
        return otherwise


def _dataclass_init(node: ast.ClassDef, scope: _Scope, where: str, depth: int) -> ast.FunctionDef:
    """The ``__init__`` ``@dataclass`` generates for ``node``, as a syntax tree the option reader reads."""
    fields = _dataclass_fields(node, scope, where, depth)
    positional = [(arg, default) for arg, default, kw_only in fields.values() if not kw_only]
    keyword_only = [(arg, default) for arg, default, kw_only in fields.values() if kw_only]
    seen_default = False
    for arg, default in positional:
        if default is None and seen_default:
            raise IntrospectionError(f"{where}: field {arg.arg} without a default follows a field with one (dataclasses refuse it too)")
        seen_default = seen_default or default is not None
    defaults = [default for _, default in positional if default is not None]
    arguments = ast.arguments(
        posonlyargs=[], args=[ast.arg(arg="self"), *(arg for arg, _ in positional)], vararg=None,
        kwonlyargs=[arg for arg, _ in keyword_only], kw_defaults=[default for _, default in keyword_only], kwarg=None, defaults=defaults,
    )
    return ast.FunctionDef(name="__init__", args=arguments, body=[ast.Pass()], decorator_list=[], returns=None, type_comment=None)


def _takes_no_options(module: str, qualname: str) -> bool:
    """Whether the search for a constructor stops at this base: the kinds' base classes and Plugin.

    Other core classes (e.g. the shared image loader of ``nnplug.datasets``) are followed, so
    plugins that subclass them inherit their options.
    """
    from nnplug.kinds import KINDS

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
                    if rest and _is_module(f"{source}.{alias.name}"):  # from package import module; module.Class
                        return f"{source}.{alias.name}", rest
                    target = alias.name + ("." + rest if rest else "")
                    return source, target
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if (alias.asname or alias.name) == head and rest:
                    mod, _, cls = (alias.name + "." + rest).rpartition(".")
                    return mod, cls
    return None


def _is_module(name: str) -> bool:
    """Whether ``name`` is a module (found without importing it or its parent packages)."""
    return find_spec_without_import(name) is not None


def _options_from_function(func: ast.FunctionDef, helps: dict[str, str], where: str, scope: _Scope | None = None) -> list[OptionSpec]:
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
        default = REQUIRED if default_node is None else _literal_default(default_node, where, arg.arg, scope)
        if default is not REQUIRED:
            try:
                default = option_type.check(default)
            except ValueError as err:
                raise IntrospectionError(f"{where}: default of {arg.arg}: {err}") from None
        options.append(OptionSpec(arg.arg, option_type, default, helps.get(arg.arg, "")))
    return options


def _literal_default(node: ast.expr, where: str, name: str, scope: _Scope | None = None) -> Any:
    """The value of a default written as a literal, a call on one (``Path("models")``) or a module-level constant."""
    value = _constant_value(node, scope, 0)
    if value is not _UNKNOWN:
        return value
    # Path("models"), float("inf"): a call on one literal (or constant)
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        func = ast.unparse(node.func)
        value = _constant_value(node.args[0], scope, 0)
        if value is not _UNKNOWN:
            if func in ("Path", "pathlib.Path"):
                return Path(value)
            if func in ("float", "int", "str", "tuple", "list"):
                return {"float": float, "int": int, "str": str, "tuple": tuple, "list": list}[func](value)
    raise IntrospectionError(
        f"{where}: the default of {name} must be a literal value or a module-level constant set to one "
        f"(e.g. {name}: float = 0.01, or LEARNING_RATE = 0.01 at the top of the module), not {ast.unparse(node)}"
    )


#: marks a default whose value cannot be known from the source.
_UNKNOWN = object()


def _constant_value(node: ast.expr, scope: _Scope | None, depth: int) -> Any:
    """A literal's value, or a module-level constant's (``LEARNING_RATE``, ``defaults.LEARNING_RATE``,
    followed through ``from ... import``) when it is assigned once, at the top of its module, a literal;
    else :data:`_UNKNOWN`."""
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if scope is None or depth > 5:
        return _UNKNOWN
    if isinstance(node, ast.Name):
        return _module_constant(scope, node.id, depth)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):  # module.CONSTANT
        module = _imported_module(scope, node.value.id)
        if module is not None:
            try:
                return _module_constant(_scope(module), node.attr, depth + 1)
            except IntrospectionError:
                return _UNKNOWN
    return _UNKNOWN


def _module_constant(scope: _Scope, name: str, depth: int) -> Any:
    values = []
    for stmt in scope.tree.body:
        if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets):
            values.append(stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.target.id == name and stmt.value is not None:
            values.append(stmt.value)
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if (alias.asname or alias.name) == name:
                    source = importlib.util.resolve_name("." * stmt.level + (stmt.module or ""), scope.package) if stmt.level else stmt.module or ""
                    try:
                        return _module_constant(_scope(source), alias.name, depth + 1)
                    except IntrospectionError:
                        return _UNKNOWN
    if len(values) != 1:
        return _UNKNOWN  # not defined here, or reassigned: its value at call time is not certain
    return _constant_value(values[0], scope, depth + 1)


def _imported_module(scope: _Scope, alias_name: str) -> str | None:
    """The module ``alias_name`` refers to in ``scope`` (``import a.b as alias_name``, ``from a import b``)."""
    for stmt in scope.tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if (alias.asname or alias.name) == alias_name:
                    return alias.name
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if (alias.asname or alias.name) == alias_name:
                    source = importlib.util.resolve_name("." * stmt.level + (stmt.module or ""), scope.package) if stmt.level else stmt.module or ""
                    return f"{source}.{alias.name}" if source else alias.name
    return None


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
        parameters = list(inspect.signature(cls.__init__).parameters.items())[1:]
        if any(param.kind == param.VAR_KEYWORD for _, param in parameters):
            # **kwargs: the next constructor up the class hierarchy takes them
            base = next((b for b in cls.__mro__[1:] if "__init__" in vars(b) and b.__init__ is not cls.__init__), object)
            inherited = _describe_with_inspect(base).options if base is not object else []
        else:
            inherited = []
        for name, param in parameters:
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            hint = param.annotation
            if hint is inspect.Parameter.empty:
                raise IntrospectionError(f"{cls.__qualname__}: argument {name} has no type hint")
            text = hint if isinstance(hint, str) else getattr(hint, "__name__", None) or repr(hint)
            option_type = parse_annotation(text)
            default = REQUIRED if param.default is param.empty else option_type.check(param.default)
            options.append(OptionSpec(name, option_type, default, helps.get(name, "")))
        options += [option for option in inherited if option.name not in {o.name for o in options}]
    return ClassDescription((doc.short_description or "").strip(), (doc.long_description or "").strip(), options)


class DeclarationError(IntrospectionError):
    """A declaration (``engine``, ``tasks``...) is not a literal value, so listings cannot read it."""


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
    except DeclarationError:
        raise
    except (IntrospectionError, OSError, TypeError):  # no source to read (a class made in a function...)
        found: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            if f"{klass.__module__}:{klass.__qualname__}" in _stop_classes():
                continue
            for name in DECLARED_ATTRIBUTES:
                if name in vars(klass):
                    found[name] = vars(klass)[name]
        return found


def _stop_classes() -> set[str]:
    from nnplug.kinds import KINDS

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
        except DeclarationError:
            raise
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
            raise DeclarationError(f"{where}: {name} must be a literal value, not {ast.unparse(value)}") from None
    return found

"""Command-line options described by constructor signatures: types, parsing, help text.

A plugin's options are its constructor's keyword arguments. Their type hints are read as text
(``from __future__ import annotations`` or the source itself), so help and parsing never import
the plugin's heavy dependencies. Supported hints: ``int``, ``float``, ``bool``, ``str``,
``Path``, ``list[T]``, ``tuple[T, ...]``, ``tuple[T, T]`` (fixed length), ``Literal[...]`` (a
choice), ``dict`` / ``dict[str, T]`` (JSON object) and ``T | None`` / ``Optional[T]``.
"""
from __future__ import annotations

import ast
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnplug.errors import NnplugError


class OptionTypeError(ValueError):
    """A value does not fit an option's type; the message says what was expected."""


@dataclass(frozen=True)
class OptionType:
    """A parsed type hint that converts command-line text to a value and back.

    Attributes:
        base: one of int, float, bool, str, path, list, tuple, choice, json.
        item: for list and tuple, the type of their items.
        length: for fixed-length tuples, the number of items.
        choices: for choices (``Literal``), the allowed values.
        optional: whether ``none`` is accepted (``T | None``).
    """

    base: str
    item: "OptionType | None" = None
    length: int | None = None
    choices: tuple[Any, ...] = ()
    optional: bool = False

    @property
    def metavar(self) -> str:
        """Short description of the expected text, for help."""
        if self.base == "choice":
            text = "|".join(_format_scalar(c) for c in self.choices)
        elif self.base == "list":
            text = f"{self.item.metavar},..." if self.item else "LIST"
        elif self.base == "tuple":
            assert self.item is not None
            text = ",".join([self.item.metavar] * self.length) if self.length else f"{self.item.metavar},..."
        elif self.base == "bool":
            text = "true|false"
        elif self.base == "json":
            text = "JSON"
        else:
            text = {"int": "INT", "float": "FLOAT", "str": "TEXT", "path": "PATH"}[self.base]
        return text + ("|none" if self.optional else "")

    def parse(self, text: str) -> Any:
        """Convert command-line ``text`` to a value, or raise :class:`OptionTypeError`."""
        if self.optional and text.strip().lower() in ("none", "null"):
            return None
        if self.base in ("list", "tuple"):
            assert self.item is not None
            parts = [] if text.strip() == "" else [part.strip() for part in text.split(",")]
            values = [self.item.parse(part) for part in parts]
            if self.base == "tuple":
                if self.length is not None and len(values) != self.length:
                    raise OptionTypeError(f"expected {self.length} comma-separated values ({self.metavar}), got {text!r}")
                return tuple(values)
            return values
        if self.base == "json":
            try:
                value = json.loads(text)
            except json.JSONDecodeError as err:
                raise OptionTypeError(f"expected a JSON object, got {text!r} ({err.msg})") from None
            if not isinstance(value, dict):
                raise OptionTypeError(f"expected a JSON object, got {text!r}")
            return value
        if self.base == "choice":
            for choice in self.choices:
                if _format_scalar(choice) == text.strip():
                    return choice
            raise OptionTypeError(f"expected one of {', '.join(_format_scalar(c) for c in self.choices)}, got {text!r}")
        return _parse_scalar(self.base, text)

    def check(self, value: Any) -> Any:
        """Validate a Python value (a default, or a value given in code) and return it normalized."""
        if value is None and self.optional:
            return None
        if isinstance(value, str) and self.base not in ("str", "path", "choice"):
            return self.parse(value)
        if self.base in ("list", "tuple"):
            assert self.item is not None
            values = [self.item.check(v) for v in value]
            if self.base == "tuple":
                if self.length is not None and len(values) != self.length:
                    raise OptionTypeError(f"expected {self.length} values, got {len(values)}")
                return tuple(values)
            return values
        if self.base == "choice":
            if value not in self.choices:
                raise OptionTypeError(f"expected one of {', '.join(_format_scalar(c) for c in self.choices)}, got {value!r}")
            return value
        if self.base == "int" and not isinstance(value, bool) and isinstance(value, int):
            return value
        if self.base == "float" and not isinstance(value, bool) and isinstance(value, (int, float)):
            return float(value)
        if self.base == "bool" and isinstance(value, bool):
            return value
        if self.base == "str" and isinstance(value, str):
            return value
        if self.base == "path" and isinstance(value, (str, Path)):
            return Path(value)
        if self.base == "json" and isinstance(value, dict):
            return value
        raise OptionTypeError(f"expected {self.metavar}, got {value!r}")

    def format(self, value: Any) -> str:
        """Return the command-line text that :meth:`parse` turns back into ``value``."""
        if value is None:
            return "none"
        if self.base in ("list", "tuple"):
            assert self.item is not None
            return ",".join(self.item.format(v) for v in value)
        if self.base == "json":
            return json.dumps(value, separators=(",", ":"))
        return _format_scalar(value)


def _format_scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_scalar(base: str, text: str) -> Any:
    text = text.strip()
    if base == "int":
        try:
            return int(text)
        except ValueError:
            raise OptionTypeError(f"expected an integer, got {text!r}") from None
    if base == "float":
        try:
            return float(text)
        except ValueError:
            raise OptionTypeError(f"expected a number, got {text!r}") from None
    if base == "bool":
        lowered = text.lower()
        if lowered in ("true", "yes", "1", "on"):
            return True
        if lowered in ("false", "no", "0", "off"):
            return False
        raise OptionTypeError(f"expected true or false, got {text!r}")
    if base == "path":
        if not text:  # Path("") is the current folder: never what an empty value meant
            raise OptionTypeError("expected a path, got an empty value")
        return Path(text)
    return text


_SCALARS = {"int": "int", "float": "float", "bool": "bool", "str": "str", "Path": "path", "pathlib.Path": "path"}


def parse_annotation(annotation: str) -> OptionType:
    """Turn the text of a type hint (``"list[int]"``, ``"Literal['a', 'b']"``...) into an :class:`OptionType`.

    Raises:
        ValueError: the hint is not one options support.
    """
    try:
        node = ast.parse(annotation.strip(), mode="eval").body
    except SyntaxError:
        raise ValueError(f"unreadable type hint {annotation!r}") from None
    return _from_node(node, annotation)


def _from_node(node: ast.expr, text: str) -> OptionType:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # quoted hint
        return parse_annotation(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        sides = [node.left, node.right]
        non_none = [s for s in sides if not (isinstance(s, ast.Constant) and s.value is None)]
        if len(non_none) == 1:
            inner = _from_node(non_none[0], text)
            return OptionType(inner.base, inner.item, inner.length, inner.choices, optional=True)
        raise ValueError(f"unsupported union in type hint {text!r}")
    name = ast.unparse(node.value if isinstance(node, ast.Subscript) else node)
    name = name.removeprefix("typing.")
    if not isinstance(node, ast.Subscript):
        if name in _SCALARS:
            return OptionType(_SCALARS[name])
        if name in ("list", "List"):
            return OptionType("list", item=OptionType("str"))
        if name in ("dict", "Dict"):
            return OptionType("json")
        raise ValueError(f"unsupported type hint {text!r}")
    args = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    if name == "Optional":
        inner = _from_node(args[0], text)
        return OptionType(inner.base, inner.item, inner.length, inner.choices, optional=True)
    if name == "Literal":
        return OptionType("choice", choices=tuple(ast.literal_eval(arg) for arg in args))
    if name in ("list", "List", "Sequence"):
        return OptionType("list", item=_from_node(args[0], text))
    if name in ("tuple", "Tuple"):
        if len(args) == 2 and isinstance(args[1], ast.Constant) and args[1].value is Ellipsis:
            return OptionType("tuple", item=_from_node(args[0], text))
        items = [_from_node(arg, text) for arg in args]
        if len(set(items)) != 1:
            raise ValueError(f"tuples of mixed types are not supported: {text!r}")
        return OptionType("tuple", item=items[0], length=len(items))
    if name in ("dict", "Dict", "Mapping"):
        return OptionType("json")
    raise ValueError(f"unsupported type hint {text!r}")


@dataclass
class OptionSpec:
    """One constructor argument seen as a command-line option.

    Attributes:
        name: the Python argument name (``learning_rate``).
        type: its :class:`OptionType`.
        default: the default value (already of the option's type), or ``REQUIRED``.
        help: the description from the docstring.
        repeatable: whether the option may be given several times (its values are collected).
    """

    name: str
    type: OptionType
    default: Any
    help: str = ""
    repeatable: bool = False

    @property
    def flag(self) -> str:
        """The command-line spelling: ``--learning-rate``."""
        return "--" + self.name.replace("_", "-")

    @property
    def required(self) -> bool:
        """Whether the option has no default."""
        return self.default is REQUIRED

    @property
    def allows_nonfinite(self) -> bool:
        """Whether NaN and infinities are meaningful values of this option.

        Float options refuse them (a check written ``x < 0`` lets NaN through, and ``inf`` trains
        to NaN), except when the plugin declares that they mean something by making one its
        default: ``max_norm: float = float("inf")`` (no limit) accepts ``inf``, ``-inf`` and ``nan``.
        """
        return any(isinstance(v, float) and not math.isfinite(v) for v in _flatten(self.default))


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


#: Default of an option that must be given.
REQUIRED: Any = _Required()


def flag_to_name(flag: str) -> str:
    """``--learning-rate`` → ``learning_rate``."""
    return flag.lstrip("-").replace("-", "_")


def parse_value(spec: OptionSpec, text: str, owner: str = "") -> Any:
    """Parse ``text`` for ``spec``, raising a one-line :class:`NnplugError` on bad input.

    NaN and infinities are refused unless the option allows them (:attr:`OptionSpec.allows_nonfinite`).
    """
    try:
        value = spec.type.parse(text)
    except OptionTypeError as err:
        raise NnplugError(f"invalid value for {spec.flag}: {err}") from None
    if not spec.allows_nonfinite:
        for item in _flatten(value):
            if isinstance(item, float) and not math.isfinite(item):
                raise NnplugError(f"invalid value for {spec.flag}: expected a finite number, got {text.strip()!r}")
    return value


def _flatten(value: Any) -> list[Any]:
    """The scalars of a value (the items of a list or tuple, the value itself otherwise)."""
    if isinstance(value, (list, tuple)):
        return [item for part in value for item in _flatten(part)]
    return [value]

"""Option types parsed from type hints: every shape the command line accepts."""
from __future__ import annotations

from pathlib import Path

import pytest

from nnplug.options import OptionTypeError, parse_annotation


@pytest.mark.parametrize(
    "hint, text, value",
    [
        ("int", "42", 42),
        ("float", "1e-3", 0.001),
        ("bool", "true", True),
        ("bool", "False", False),
        ("str", "colors", "colors"),
        ("Path", "models", Path("models")),
        ("list[int]", "100,50", [100, 50]),
        ("list[int]", "", []),
        ("tuple[int, int]", "110,110", (110, 110)),
        ("tuple[float, ...]", "0.5,0.25,1", (0.5, 0.25, 1.0)),
        ("Literal['off', 'warning']", "warning", "warning"),
        ("dict[str, float]", '{"training":0.7,"dev":0.3}', {"training": 0.7, "dev": 0.3}),
        ("Path | None", "none", None),
        ("Optional[int]", "3", 3),
    ],
)
def test_parse_values(hint, text, value):
    assert parse_annotation(hint).parse(text) == value


@pytest.mark.parametrize(
    "hint, text, message",
    [
        ("int", "ten", "expected an integer"),
        ("float", "fast", "expected a number"),
        ("bool", "maybe", "expected true or false"),
        ("tuple[int, int]", "110", "expected 2 comma-separated values"),
        ("list[int]", "1,x", "expected an integer"),
        ("Literal['off', 'warning']", "loud", "expected one of off, warning"),
        ("dict", "[1]", "expected a JSON object"),
        ("dict", "{bad", "expected a JSON object"),
    ],
)
def test_bad_values_say_what_was_expected(hint, text, message):
    with pytest.raises(OptionTypeError, match=message):
        parse_annotation(hint).parse(text)


@pytest.mark.parametrize("hint", ["set[int]", "int | str", "tuple[int, str]", "Callable"])
def test_unsupported_hints_are_refused(hint):
    with pytest.raises(ValueError):
        parse_annotation(hint)


@pytest.mark.parametrize("hint, value", [("list[int]", [1, 2]), ("tuple[int, int]", (3, 4)), ("dict", {"a": 1}), ("bool", True)])
def test_format_round_trips(hint, value):
    option_type = parse_annotation(hint)
    assert option_type.parse(option_type.format(value)) == value

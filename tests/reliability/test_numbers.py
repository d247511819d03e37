"""Numbers that used to slip through checks (issue 16, defect 5): one line, exit 2."""
from __future__ import annotations

from pathlib import Path

import pytest

from nnplug.cli.arguments import parse_command
from nnplug.cli.errors import run_guarded
from nnplug.options import OptionSpec, OptionType, parse_value
from nnplug.registry import Registry
from tests.reliability.conftest import error_lines


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry()


@pytest.mark.parametrize(
    "args",
    [
        ["--model-seed=-1"],
        ["--dataset-seed=4294967296"],
        ["--learning-rate=inf"],
        ["--learning-rate=1e400"],
        ["--model=NLayers", "--leaky-relu-slope=nan"],
        ["--rot-angle=nan"],
        ["--noise-intensity=nan"],
        ["--noise-intensity=-inf"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_number_is_one_line(registry: Registry, args: list[str], tmp_path: Path, capsys) -> None:
    status = run_guarded(lambda: parse_command([f"--runs-dir={tmp_path}", *args], registry), "train", debug=False)
    err = capsys.readouterr().err
    assert status == 2 and len(error_lines(err)) == 1 and "Traceback" not in err, err


def test_an_infinite_default_allows_non_finite_values() -> None:
    bounded = OptionSpec("max_norm", OptionType("float"), float("inf"))
    plain = OptionSpec("rate", OptionType("float"), 0.1)
    assert parse_value(bounded, "inf") == float("inf")
    with pytest.raises(Exception, match="finite"):
        parse_value(plain, "nan")
    with pytest.raises(Exception, match="finite"):
        parse_value(OptionSpec("sizes", OptionType("tuple", item=OptionType("float")), (1.0, 2.0)), "1,nan")

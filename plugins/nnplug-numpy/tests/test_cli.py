"""Bad numpy-engine options on the command line: one line on stderr, exit status 2."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model=NLayers", "--layers=100,-5"], "NLayers: --layers must be positive integers, got 100,-5"),
        (["--model=NLayers", "--dropout-rate=1"], "NLayers: --dropout-rate must be in [0, 1), got 1.0"),
        (["--optimizer=Constant", "--learning-rate=0"], "Constant: --learning-rate must be positive, got 0.0"),
    ],
)
def test_bad_options_give_one_line_and_status_2(args: list[str], message: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(ROOT / "bin" / "train"), "--dataset=colors", "--nbr-epochs=1", "--display-graphs=false", f"--runs-dir={tmp_path}", *args],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert result.returncode == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

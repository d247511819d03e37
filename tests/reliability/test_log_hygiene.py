"""Log hygiene (issue 16, defect 9): one record is one line, whatever a file name or a library says."""
from __future__ import annotations

from pathlib import Path

from tests.reliability.conftest import ROOT, TRAIN, run_command


def test_a_file_name_with_a_newline_cannot_forge_a_log_line(tmp_path: Path) -> None:
    dataset = tmp_path / "data" / "set"
    for label, source in (("a", "red"), ("b", "blue")):
        (dataset / label).mkdir(parents=True)
        for index in range(3):
            name = f"{source}_00{index}.png"
            (dataset / label / name).write_bytes((ROOT / "datasets" / "colors" / source / name).read_bytes())
    (dataset / "a" / "x\nWARNING: forged.png").write_text("not an image")
    args = [*TRAIN[:1], f"--datasets-path={tmp_path / 'data'}", "--dataset=set", "--resize=4,4", "--cache=false", "--nbr-epochs=1", f"--runs-dir={tmp_path / 'runs'}"]
    result = run_command(args, tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("WARNING: skipping") and "x\\nWARNING: forged.png" in lines[0], result.stderr

"""``nnplug bench`` as users call it: bad input, output files."""
from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from nnplug_bench.cli import bench
from nnplug.cli.main import cli


def _nnplug(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "from nnplug.cli.main import main; main()", *args], capture_output=True, text=True)


def test_unknown_suite_is_one_line_and_status_2(tmp_path):
    done = _nnplug("bench", "nosuch", "--output-dir", str(tmp_path))
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("nnplug: error: unknown benchmark suite 'nosuch' (available: engines, loaders, inference, checks")


def test_bad_repeats(tmp_path):
    done = _nnplug("bench", "checks", "--repeats", "0", "--output-dir", str(tmp_path))
    assert done.returncode == 2 and "--repeats must be a positive integer" in done.stderr


def test_help_lists_the_suites():
    result = CliRunner().invoke(cli, ["bench", "--help"])
    assert result.exit_code == 0
    assert "engines" in result.output and "--repeats" in result.output and "--threads" in result.output


def test_quick_run_writes_table_csv_json_and_plot(tmp_path):
    result = CliRunner().invoke(bench, ["checks", "--quick", "--repeats", "1", "--warmup", "0", "--no-memory", "--quiet",
                                        "--output-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "== checks" in result.output
    (directory,) = tmp_path.iterdir()
    assert {p.name for p in directory.iterdir()} >= {"results.json", "summary.csv", "measurements.csv", "table.txt", "checks.png"}
    data = json.loads((directory / "results.json").read_text())
    assert data["options"]["threads"] == 1
    assert data["suites"][0]["name"] == "checks"


def test_bench_and_onnx_are_subcommands_found_through_entry_points():
    from nnplug.cli.main import SUBCOMMANDS, subcommands

    assert "bench" not in SUBCOMMANDS and "onnx" not in SUBCOMMANDS
    found = subcommands()
    assert found["bench"] == "nnplug_bench.cli:bench"
    assert found["onnx"] == "nnplug_onnx.cli:onnx"
    assert {"bench", "onnx", "train"} <= set(cli.list_commands(None))

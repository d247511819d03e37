"""A package outside the repository adds a benchmark suite and an ``nnplug`` subcommand with entry points only."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SUITE = '''
from nnplug_bench.suite import Case, Metric, Suite


class SumSuite(Suite):
    """Sums a short range of numbers two ways."""

    name = "sums"
    description = "builtin sum vs a Python loop"
    primary = Metric("seconds", "s")

    def cases(self):
        return [Case("sum of 1000", "loop", baseline=True), Case("sum of 1000", "builtin")]

    def measure(self, case):
        import time

        start = time.perf_counter()
        if case.name == "loop":
            total = 0
            for n in range(1000):
                total += n
        else:
            sum(range(1000))
        return {"seconds": time.perf_counter() - start}
'''

COMMAND = '''
import click


@click.command()
@click.argument("who")
def hello(who: str) -> None:
    """Say hello (a subcommand added by a package)."""
    click.echo(f"hello {who}")
'''


@pytest.fixture(scope="module")
def third_party(tmp_path_factory) -> Path:
    """A folder holding a package and its dist-info (entry points), to put on PYTHONPATH."""
    root = tmp_path_factory.mktemp("third_party")
    (root / "sum_bench").mkdir()
    (root / "sum_bench" / "__init__.py").write_text("")
    (root / "sum_bench" / "suite.py").write_text(SUITE)
    (root / "sum_bench" / "command.py").write_text(COMMAND)
    info = root / "sum_bench-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: sum-bench\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""
        [nnplug.bench_suites]
        sums = sum_bench.suite:SumSuite

        [nnplug.commands]
        hello = sum_bench.command:hello
        broken = sum_bench.absent:command
    """))
    return root


def nnplug(root: Path, *args: str) -> subprocess.CompletedProcess:
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH", "")])))
    return subprocess.run([sys.executable, "-c", "from nnplug.cli.main import main; main()", *args],
                          capture_output=True, text=True, env=environment, timeout=300)


def test_a_suite_is_one_module_and_one_entry_point(third_party, tmp_path):
    done = nnplug(third_party, "bench", "nosuch")
    assert "available: engines, loaders, inference, checks" in done.stderr and "sums" in done.stderr
    done = nnplug(third_party, "bench", "sums", "--repeats", "1", "--warmup", "0", "--no-memory", "--no-plots", "--quiet",
                  "--output-dir", str(tmp_path))
    assert done.returncode == 0, done.stderr
    (directory,) = tmp_path.iterdir()
    result = json.loads((directory / "results.json").read_text())
    (suite,) = result["suites"]
    assert suite["name"] == "sums" and suite["status"] == "ok"


def test_a_package_adds_an_nnplug_subcommand(third_party):
    done = nnplug(third_party, "hello", "world")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "hello world\n"
    assert "hello" in nnplug(third_party, "--help").stdout


def test_a_subcommand_that_cannot_be_imported_is_one_line_and_does_not_break_help(third_party):
    done = nnplug(third_party, "broken", "--anything")
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "nnplug: error: nnplug broken is broken: cannot load sum_bench.absent:command (ModuleNotFoundError: No module named 'sum_bench.absent')"
    ]
    listing = nnplug(third_party, "--help")
    assert listing.returncode == 0 and "BROKEN" in listing.stdout and "train" in listing.stdout

"""``nnplug bench [SUITE...]``: run benchmark suites, print the table, save CSV, JSON and plots."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from nnplug_bench.catalog import load_suite, suite_names
from nnplug.errors import NnplugError


def run_suite(runner, name: str, quick: bool):
    """Run suite ``name``; a suite whose module cannot be imported is reported as skipped."""
    from nnplug_bench.results import SKIPPED, SuiteResult

    try:
        suite = load_suite(name, quick)
    except ImportError as err:
        return SuiteResult(name, "", status=SKIPPED, reason=f"cannot import the suite: {err}")
    return runner.run(suite)


def run_bench(
    suites: list[str], repeats: int, warmup: int, quick: bool, output_dir: Path, memory: bool, plots: bool,
    trim: float = 0.1, verbose: bool = True, threads: int = 1,
) -> Path:
    """Run ``suites`` (all when empty) and write their results; return the result directory."""
    from nnplug_bench.files import write_results
    from nnplug_bench.machine import machine_info
    from nnplug_bench.plots import plot_suite
    from nnplug_bench.results import BenchResult
    from nnplug_bench.runner import BenchRunner
    from nnplug_bench.table import format_bench

    if repeats <= 0:
        raise NnplugError(f"--repeats must be a positive integer, got {repeats}")
    if warmup < 0:
        raise NnplugError(f"--warmup must be 0 or more, got {warmup}")
    if not 0 <= trim < 0.5:
        raise NnplugError(f"--trim must be in [0, 0.5), got {trim}")
    if threads < 0:
        raise NnplugError(f"--threads must be 0 (library defaults) or more, got {threads}")
    names = suite_names(suites)
    from nnplug_bench.threads import limit_threads

    limit_threads(threads)
    now = dt.datetime.now()
    directory = output_dir / now.strftime("%Y%m%d-%H%M%S")
    suffix = 1
    while directory.exists():
        directory = output_dir / f"{now:%Y%m%d-%H%M%S}_{suffix}"
        suffix += 1
    try:
        directory.mkdir(parents=True)
    except OSError as err:
        raise NnplugError(f"cannot create the result directory {directory}: {err.strerror}") from None
    report = (lambda line: click.echo(f"  {line}", err=True)) if verbose else (lambda line: None)
    runner = BenchRunner(repeats=repeats, warmup=warmup, trim=trim, memory=memory, report=report)
    result = BenchResult(
        started=now.isoformat(timespec="seconds"),
        options={"suites": names, "repeats": repeats, "warmup": warmup, "quick": quick, "memory": memory, "trim": trim,
                 "threads": threads or "library defaults"},
        machine=machine_info(),
    )
    for name in names:
        result.suites.append(run_suite(runner, name, quick))
        # Written after every suite so an interrupted run keeps what it measured.
        write_results(result, directory, format_bench(result))
    table = format_bench(result)
    write_results(result, directory, table)
    if plots:
        for suite in result.suites:
            plot_suite(suite, directory)
    click.echo(table)
    click.echo(f"results in {directory}")
    return directory


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("suites", nargs=-1, metavar="[SUITE]...")
@click.option("--repeats", default=5, show_default=True, help="measured rounds; every case runs once per round, order rotated")
@click.option("--warmup", default=1, show_default=True, help="unmeasured rounds before the measured ones")
@click.option("--quick", is_flag=True, help="tiny data and one-epoch runs: checks every code path, figures meaningless")
@click.option("--output-dir", type=click.Path(path_type=Path), default=Path("bench-results"), show_default=True,
              help="results go to a <timestamp> directory in it")
@click.option("--memory/--no-memory", default=True, show_default=True, help="measure each case's peak RSS in a separate process")
@click.option("--plots/--no-plots", default=True, show_default=True, help="draw the PNG plots")
@click.option("--trim", default=0.1, show_default=True, help="share of values cut at each end for the trimmed mean")
@click.option("--threads", default=1, show_default=True,
              help="threads each library may use (BLAS, torch, ONNX Runtime, libvips, ImageMagick); 0 keeps their defaults")
@click.option("--quiet", is_flag=True, help="no progress lines on stderr")
def bench(suites: tuple[str, ...], repeats: int, warmup: int, quick: bool, output_dir: Path, memory: bool, plots: bool,
          trim: float, threads: int, quiet: bool) -> None:
    """Benchmark engines, loaders, inference runtimes and checks against their peers.

    Suites: engines (numpy engine, torch engine, plain torch loop, Keras), loaders (Vips,
    ImageMagick, Pillow), inference (ONNX Runtime vs torch eager by batch size), checks (cost of
    gradient and instability checks), and any suite a package registers in the entry-point group
    nnplug.bench_suites. Ratios to each group's baseline are computed round by round in the same
    run. Suites whose dependencies are missing are reported as skipped.
    """
    run_bench(list(suites), repeats, warmup, quick, output_dir, memory, plots, trim, verbose=not quiet, threads=threads)

"""``nnplug report RUN_DIR [RUN_DIR...]``: compare saved runs and redraw their plots."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from nnplug.errors import NnplugError


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--plots/--no-plots", default=True, show_default=True, help="Redraw each run's plots in its directory.")
@click.option(
    "--compare-to",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Also draw the curves of all the runs' experiments in one figure, in this directory (comparison-curves.png).",
)
def report(run_dirs: tuple[Path, ...], plots: bool, compare_to: Path | None) -> None:
    """Print a table comparing the experiments of saved runs (runs/<timestamp>-<ids>/) and redraw their plots.

    The table has, per experiment: its metric (accuracy, R²...), repeats, final and best dev
    value of that metric (mean ± standard deviation over repeats), epochs and mean time per epoch.
    """
    from nnplug.report import format_table, summarize
    from nnplug.runs import RUN_FILE, damaged_run, load_run

    runs = [load_run(path) for path in run_dirs]
    rows = []
    for run in runs:
        with damaged_run(run.path / RUN_FILE):  # a value of the wrong type shows only where it is used
            rows += summarize(run)
    click.echo(format_table(rows), nl=False)
    for run in runs:
        _rank_sweep(run, plots)
    if plots:
        from nnplug.plots import save_run_plots

        for run in runs:
            try:
                with damaged_run(run.path / RUN_FILE):
                    written = save_run_plots(run.path, run.experiments, f"Run {run.name}")
            except OSError as err:
                raise NnplugError(f"cannot redraw the plots of {run.path}: {err.strerror or err}") from None
            click.echo(f"{run.path}: {len(written)} plots redrawn")
    if compare_to is not None:
        _compare(runs, compare_to)


def _rank_sweep(run: Any, plots: bool) -> None:
    """For a run whose experiments differ in some options (a sweep): rank them, and plot the metric against each option."""
    from nnplug.report import summarize
    from nnplug.sweep import format_ranking, plot_sweep, swept_options

    configs = [result.config for result in run.experiments]
    swept = swept_options(configs)
    if not swept:
        return
    rows = summarize(run)
    click.echo(f"\n{run.name}: experiments ranked by final dev {rows[0].scale.name} (options varied: {', '.join(swept)})")
    click.echo(format_ranking(rows), nl=False)
    if plots:
        try:
            path = plot_sweep(rows, configs, run.path / "sweep.png", f"final dev {rows[0].scale.name} by option (mean ± std over repeats)")
        except OSError as err:
            raise NnplugError(f"cannot draw the sweep plot of {run.path}: {err.strerror or err}") from None
        click.echo(f"{run.path}: sweep plot {path.name}")


def _compare(runs: list, directory: Path) -> None:
    from matplotlib.figure import Figure

    from nnplug.plots import draw_curves, save_figure
    from nnplug.results import ExperimentResult

    experiments = [
        ExperimentResult(f"{run.name}/{result.exp_id}" if len(runs) > 1 else result.exp_id, result.config, result.repeats, result.metric, result.task)
        for run in runs
        for result in run.experiments
    ]
    try:
        directory.mkdir(parents=True, exist_ok=True)
        figure = Figure(figsize=(13, 5.2))
        draw_curves(figure, experiments, "Comparison of " + ", ".join(run.name for run in runs))
        path = save_figure(figure, directory / "comparison-curves.png")
    except OSError as err:
        raise NnplugError(f"cannot write the comparison in {directory}: {err.strerror or err}") from None
    click.echo(f"comparison: {path}")

"""``--display-graphs``: a live window of the training curves, redrawn after every epoch.

Only when a display exists; otherwise one warning and training goes on (the PNGs in the run
directory are written either way).
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any, Callable

from nnplug.plots import draw_curves
from nnplug.results import EpochMetrics, ExperimentResult
from nnplug.trainer import RepeatContext, TrainingObserver

LOG = logging.getLogger("nnplug.live")


def display_available() -> bool:
    """Whether a graphical display can be opened (X11, Wayland, macOS or Windows)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform in ("darwin", "win32")


class LiveGraphs(TrainingObserver):
    """Opens a matplotlib window and redraws the curves of every experiment after each epoch.

    Args:
        results: returns the results so far.
        title: the window's title.
    """

    def __init__(self, results: Callable[[], list[ExperimentResult]], title: str = "") -> None:
        self.results = results
        self.title = title
        self.figure: Any = None
        self.pyplot: Any = None
        if not display_available():
            LOG.warning("--display-graphs: no display found, plots are only saved in the run directory")
            return
        import matplotlib.pyplot as pyplot

        if "agg" in pyplot.get_backend().lower():
            LOG.warning("--display-graphs: matplotlib has no interactive backend here, plots are only saved")
            return
        self.pyplot = pyplot
        pyplot.ion()
        self.figure = pyplot.figure(figsize=(13, 5.2))
        self.figure.canvas.manager.set_window_title(title or "nnplug training")

    def epoch_finished(self, context: RepeatContext, metrics: EpochMetrics) -> None:
        """Redraw the curves."""
        if self.figure is None:
            return
        draw_curves(self.figure, self.results(), self.title)
        self.pyplot.pause(0.001)

"""A folder of hostile plugin packages, put on ``PYTHONPATH`` by the tests (never installed in the venv).

Each package is a plain folder with a hand-written ``.dist-info`` (its entry points), so no pip
run is needed: ``importlib.metadata`` finds it on ``sys.path`` like an installed distribution.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

#: entry-point name → (kind, what is wrong with it).
HOSTILE = {
    "Latin1Model": ("model", "its source is not UTF-8"),
    "ExitingLoss": ("loss", "its parent package calls sys.exit(7)"),
    "ExplodingOptimizer": ("optimizer", "its constructor raises RuntimeError"),
}


def write_hostile_site(site: Path) -> Path:
    """Write the hostile packages and their distribution metadata under ``site``; return ``site``."""
    (site / "nnplug_hostile_latin1").mkdir(parents=True)
    (site / "nnplug_hostile_latin1" / "__init__.py").write_text("")
    source = textwrap.dedent('''
        # caf\xe9: this comment is Latin-1, not UTF-8
        from nnplug import Model


        class Latin1Model(Model):
            """A model whose file cannot be decoded as UTF-8."""
    ''')
    (site / "nnplug_hostile_latin1" / "models.py").write_bytes(source.encode("latin-1"))

    (site / "nnplug_hostile_exit").mkdir()
    (site / "nnplug_hostile_exit" / "__init__.py").write_text("import sys\n\nsys.exit(7)\n")
    (site / "nnplug_hostile_exit" / "losses.py").write_text(textwrap.dedent('''
        from typing import ClassVar

        from nnplug import Loss


        class ExitingLoss(Loss):
            """A loss in a package whose __init__ exits the process."""

            engine: ClassVar[str] = "numpy"
            tasks: ClassVar[tuple[str, ...]] = ("classification",)
    '''))

    (site / "nnplug_hostile_boom").mkdir()
    (site / "nnplug_hostile_boom" / "__init__.py").write_text("")
    (site / "nnplug_hostile_boom" / "optimizers.py").write_text(textwrap.dedent('''
        from typing import ClassVar

        from nnplug import Optimizer


        class ExplodingOptimizer(Optimizer):
            """An optimizer whose constructor fails.

            Args:
                learning_rate: step size.
            """

            engine: ClassVar[str] = "numpy"

            def __init__(self, learning_rate: float = 0.01) -> None:
                raise RuntimeError("boom\\nsecond line of the message")
    '''))

    info = site / "nnplug_hostile-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: nnplug-hostile\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(textwrap.dedent("""
        [nnplug.models]
        Latin1Model = nnplug_hostile_latin1.models:Latin1Model

        [nnplug.losses]
        ExitingLoss = nnplug_hostile_exit.losses:ExitingLoss

        [nnplug.optimizers]
        ExplodingOptimizer = nnplug_hostile_boom.optimizers:ExplodingOptimizer
    """))
    return site

"""The core names engines and never guesses one: no torch import, no attribute probes, no engine-name branches."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "nnplug"
#: what guessing an engine looks like: probing for torch tensor methods, comparing with an engine's name, importing torch.
GUESSES = re.compile(r"detach|element_size|==\s*[\"']torch[\"']|^\s*(import torch|from torch\b)", re.MULTILINE)


def test_no_module_of_the_core_probes_for_or_imports_an_engine() -> None:
    found = [
        f"{path.relative_to(CORE.parent)}:{source.count(chr(10), 0, match.start()) + 1}: {match.group(0).strip()}"
        for path in sorted(CORE.rglob("*.py"))
        for source in [path.read_text(encoding="utf-8")]
        for match in GUESSES.finditer(source)
    ]
    assert not found, "engine guessed in the core (ask the run's Engine instead):\n" + "\n".join(found)


def test_importing_the_core_and_the_trainer_imports_no_array_or_imaging_backend() -> None:
    code = (
        "import sys\nimport nnplug, nnplug.trainer, nnplug.cli.train\n"
        "loaded = [m for m in ('torch', 'pyvips', 'wand') if m in sys.modules]\nassert not loaded, loaded"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr

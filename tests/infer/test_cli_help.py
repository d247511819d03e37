"""bin/infer --help is fast: it imports no backend; the engine is a plugin found through the registry."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HEAVY = ("onnxruntime", "torch", "matplotlib", "pyvips", "wand", "onnx", "nnplug_onnxruntime")


def test_help_imports_no_heavy_module():
    code = (
        "import sys\n"
        "from nnplug.cli.infer import infer\n"
        "try:\n    infer.main(['--help'], prog_name='infer')\nexcept SystemExit:\n    pass\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "--onnx-model" in done.stdout and "--image-backend" in done.stdout and "skipped with a warning" in done.stdout
    assert "--inference-engine" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_help_through_bin_infer_and_nnplug_infer():
    for command in ([str(REPO / "bin/infer"), "--help"], [str(REPO / ".venv/bin/nnplug"), "infer", "--help"]):
        done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "Segment images (default) or classify them" in done.stdout


def test_unknown_engine_lists_the_installed_ones(run_infer):
    outcome = run_infer("--inference-engine=Nope")
    assert outcome.status == 2
    assert outcome.err.strip() == "infer: error: unknown inference engine 'Nope' (available: OnnxRuntime)"

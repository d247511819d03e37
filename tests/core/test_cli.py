"""bin/train and nnplug as a user runs them: help, plugin listing, one-line errors."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "pyvips", "wand", "onnxruntime", "onnx", "onnx2torch", "matplotlib")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / "bin" / "train"), *args], capture_output=True, text=True, cwd=cwd, timeout=120)



@pytest.mark.parametrize(
    "code",
    [
        "from nnplug.cli.train import run_train; run_train(['--help'])",
        "from nnplug.cli.train import run_train; run_train(['--list-plugins'])",
        "from nnplug.cli.plugins import format_plugins; from nnplug.registry import Registry; format_plugins(Registry())",
    ],
)
def test_help_and_listing_import_no_heavy_backend(code):
    check = f"{code}\nimport sys\nloaded = [m for m in {HEAVY!r} if m in sys.modules]\nassert not loaded, loaded"
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_help_lists_every_installed_plugin_with_its_options():
    from nnplug.registry import Registry

    result = run("--help")
    assert result.returncode == 0, result.stderr
    registry = Registry()
    for kind, plugins in registry.plugins.items():
        if not registry_kind_trained(kind):
            continue
        for name, info in plugins.items():
            # "Vips [engine any, task classification]: ...", aliases as "    NumpyVips: alias of Vips (engine numpy)"
            assert f"{name} [" in result.stdout or f"{name}:" in result.stdout
            for option in info.options:
                assert option.flag in result.stdout


def registry_kind_trained(kind: str) -> bool:
    from nnplug.registry import KINDS

    return KINDS[kind].trained


def test_plugins_command_lists_kind_name_distribution_and_description():
    result = subprocess.run([sys.executable, "-c", "from nnplug.cli.main import main; main()", "plugins"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "Model plugins (--model, entry points nnplug.models)" in result.stdout
    from nnplug.registry import Registry

    for plugins in Registry().plugins.values():
        for name, info in plugins.items():
            if info.alias_of:  # listed under the plugin it aliases
                assert f"    {name}: alias of {info.alias_of}" in result.stdout
                continue
            line = next(l for l in result.stdout.splitlines() if l.strip().startswith(name + " "))
            assert f"[{info.distribution} {info.version}]" in line


def test_inference_engines_are_listed_but_not_trained():
    title = "Inference engine plugins (bin/infer --inference-engine, entry points nnplug.inference_engines):"
    for command in ([sys.executable, "-c", "from nnplug.cli.main import main; main()", "plugins"], [str(ROOT / "bin" / "train"), "--list-plugins"]):
        listing = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert listing.returncode == 0, listing.stderr
        lines = listing.stdout.splitlines()
        assert title in lines
        engine = lines[lines.index(title) + 1]
        assert engine.split()[0] == "OnnxRuntime" and "[nnplug-onnxruntime " in engine and "(default)" in engine
        assert "inference on ONNX Runtime" in engine
    help_text = run("--help").stdout
    assert "OnnxRuntime" not in help_text and "--inference-engine" not in help_text


@pytest.mark.parametrize(
    "args, message",
    [
        (["--model=Nope"], "unknown model 'Nope' (available: "),
        (["--optimiser=Adam"], "unknown option --optimiser (did you mean --optimizer?)"),
        (["--nbr-epochs=ten"], "invalid value for --nbr-epochs: expected an integer, got 'ten'"),
        (["--nbr-epochs=0"], "--nbr-epochs must be a positive integer, got 0"),
        (["--nbr-epochs=-1"], "--nbr-epochs must be a positive integer, got -1"),
        (["--gradient-checks=loud"], "invalid value for --gradient-checks: expected one of off, warning, exception, pdb"),
    ],
)
def test_bad_input_gives_one_line_and_status_2(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert result.stderr.startswith("train: error: ")
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback():
    result = run("--model=Nope", "--debug")
    assert result.returncode == 2
    assert "Traceback" in result.stderr and "unknown model 'Nope'" in result.stderr

"""Discovery edge cases, on real (tiny) distributions made in tmp_path and put on sys.path.

A distribution is a ``<name>-<version>.dist-info/`` folder (METADATA + entry_points.txt) next to
its package: what pip leaves behind, without pip, so the shared venv is never touched.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nnplug.cli.plugins import format_plugins
from nnplug.errors import PluginLoadError
from nnplug.registry import Registry

ROOT = Path(__file__).resolve().parents[2]

GOOD_MODULE = '''
from nnplug import Loss, Optimizer


class Plain(Optimizer):
    """A working optimizer that never moves anything."""

    def build(self, parameters):
        self.parameters = parameters

    def step(self, epoch):
        pass


class Silent(Loss):
    """A working loss that always costs nothing."""

    def cost(self, output, target):
        return 0.0
'''


def write_distribution(site: Path, name: str, entry_points: dict[str, dict[str, str]], files: dict[str, str]) -> None:
    """Write an installed-looking distribution into ``site``: its dist-info and its source files."""
    info = site / f"{name.replace('-', '_')}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = []
    for group, entries in entry_points.items():
        lines.append(f"[{group}]")
        lines.extend(f"{entry} = {target}" for entry, target in entries.items())
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    for relative, source in files.items():
        path = site / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A folder on sys.path for fake distributions; modules imported from it are forgotten after."""
    from stevedore import ExtensionManager

    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    # stevedore memoizes each group's entry points per process; start from what is on sys.path now
    monkeypatch.setattr(ExtensionManager, "ENTRY_POINT_CACHE", {})
    before = set(sys.modules)
    yield folder
    for module in set(sys.modules) - before:
        if module.startswith("edge_"):
            del sys.modules[module]


def test_same_name_in_two_distributions_is_an_error_naming_both(site: Path) -> None:
    for dist, package in (("edge-alpha", "edge_alpha"), ("edge-beta", "edge_beta")):
        write_distribution(
            site,
            dist,
            {"nnplug.optimizers": {"EdgeTwin": f"{package}.plugins:Plain", f"Only{package[5:].title()}": f"{package}.plugins:Plain"}},
            {f"{package}/__init__.py": "", f"{package}/plugins.py": GOOD_MODULE},
        )
    registry = Registry()
    twin = registry.plugins["optimizer"]["EdgeTwin"]
    assert {twin.distribution, *twin.conflicts} == {"edge-alpha", "edge-beta"}
    with pytest.raises(PluginLoadError) as raised:
        registry.load("optimizer", "EdgeTwin")
    message = str(raised.value)
    assert "edge-alpha" in message and "edge-beta" in message and "\n" not in message
    # the other plugins of both distributions stay usable
    assert registry.load("optimizer", "OnlyAlpha").__name__ == "Plain"
    assert registry.load("optimizer", "OnlyBeta").__name__ == "Plain"
    listing = format_plugins(registry)
    assert "EdgeTwin" in listing and "CONFLICT" in listing


def test_same_name_in_two_kinds_is_no_conflict(site: Path) -> None:
    write_distribution(
        site,
        "edge-kinds",
        {"nnplug.optimizers": {"EdgeSame": "edge_kinds.plugins:Plain"}, "nnplug.losses": {"EdgeSame": "edge_kinds.plugins:Silent"}},
        {"edge_kinds/__init__.py": "", "edge_kinds/plugins.py": GOOD_MODULE},
    )
    registry = Registry()
    assert registry.load("optimizer", "EdgeSame").__name__ == "Plain"
    assert registry.load("loss", "EdgeSame").__name__ == "Silent"


def test_plugin_raising_on_import_fails_with_its_reason_and_others_work(site: Path) -> None:
    write_distribution(
        site,
        "edge-raising",
        {"nnplug.optimizers": {"EdgeRaising": "edge_raising.broken:Raising", "EdgeFine": "edge_raising.plugins:Plain"}},
        {
            "edge_raising/__init__.py": "",
            "edge_raising/plugins.py": GOOD_MODULE,
            "edge_raising/broken.py": '''
                from nnplug import Optimizer

                raise RuntimeError("libfoo 3 is not installed")


                class Raising(Optimizer):
                    """Never gets defined."""
            ''',
        },
    )
    registry = Registry()
    # listing reads sources without importing: the plugin shows, with its description
    assert registry.plugins["optimizer"]["EdgeRaising"].description == "Never gets defined."
    with pytest.raises(PluginLoadError) as raised:
        registry.load("optimizer", "EdgeRaising")
    assert "edge-raising" in str(raised.value) and "RuntimeError: libfoo 3 is not installed" in str(raised.value)
    assert registry.load("optimizer", "EdgeFine").__name__ == "Plain"


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({"__init__.py": ""}, "cannot locate"),
        ({"__init__.py": "", "plugins.py": "class Plain(:\n"}, "syntax error"),
        (
            {"__init__.py": "", "plugins.py": "from nnplug import Optimizer\nclass Plain(Optimizer):\n    def __init__(self, rate=0.1):\n        pass\n"},
            "argument rate has no type hint",
        ),
        (
            {"__init__.py": "", "plugins.py": "from nnplug import Optimizer\nclass Plain(Optimizer):\n    def __init__(self, rate: float = 1 / 3):\n        pass\n"},
            "must be a literal value",
        ),
        ({"__init__.py": "", "plugins.py": "def Plain():\n    pass\n"}, "class Plain not found"),
    ],
    ids=["missing-module", "syntax-error", "no-type-hint", "computed-default", "function"],
)
def test_unreadable_plugin_is_listed_broken_with_the_reason(
    site: Path, files: dict[str, str], reason: str, request: pytest.FixtureRequest
) -> None:
    package = "edge_unreadable_" + request.node.callspec.id.replace("-", "_")  # one module name per case
    write_distribution(
        site,
        "edge-unreadable",
        {"nnplug.optimizers": {"EdgeBroken": f"{package}.plugins:Plain"}, "nnplug.losses": {"EdgeWorking": "edge_ok.plugins:Silent"}},
        {**{f"{package}/{name}": source for name, source in files.items()}, "edge_ok/__init__.py": "", "edge_ok/plugins.py": GOOD_MODULE},
    )
    registry = Registry()
    info = registry.plugins["optimizer"]["EdgeBroken"]
    assert info.error is not None and reason in info.error
    assert "BROKEN" in format_plugins(registry)
    with pytest.raises(PluginLoadError, match="is broken"):
        registry.load("optimizer", "EdgeBroken")
    assert registry.load("loss", "EdgeWorking").__name__ == "Silent"


@pytest.mark.parametrize(
    ("init", "reason"),
    [
        ("raise RuntimeError('no licence server')\n", "RuntimeError: no licence server"),
        ("import edge_no_such_dependency\n", "No module named 'edge_no_such_dependency'"),
        ("import sys\nsys.exit(7)\n", "called sys.exit(7)"),
    ],
    ids=["raises", "missing-dependency", "sys-exit"],
)
def test_package_init_failing_breaks_only_its_own_plugins_when_selected(
    site: Path, init: str, reason: str, request: pytest.FixtureRequest
) -> None:
    package = "edge_init_" + request.node.callspec.id.replace("-", "_")
    write_distribution(
        site,
        "edge-initraise",
        {"nnplug.optimizers": {"EdgeInit": f"{package}.plugins:Plain"}, "nnplug.losses": {"EdgeWorking": "edge_ok.plugins:Silent"}},
        {f"{package}/__init__.py": init, f"{package}/plugins.py": GOOD_MODULE, "edge_ok/__init__.py": "", "edge_ok/plugins.py": GOOD_MODULE},
    )
    registry = Registry()
    format_plugins(registry)  # listing (and --help) import nothing of the package: its __init__ never ran
    assert registry.plugins["optimizer"]["EdgeInit"].error is None
    assert package not in sys.modules
    with pytest.raises(PluginLoadError, match=re.escape(reason)):
        registry.load("optimizer", "EdgeInit")
    assert registry.load("loss", "EdgeWorking").__name__ == "Silent"


@pytest.mark.parametrize(
    ("kind", "target", "base"),
    [
        ("optimizer", "edge_wrong.plugins:NotAPlugin", "nnplug.optimizer.Optimizer"),
        ("model", "edge_wrong.plugins:Silent", "nnplug.model.Model"),
        ("inference_engine", "edge_wrong.plugins:Plain", "nnplug.inference_engine.InferenceEngine"),
    ],
    ids=["plain-class", "other-kind", "inference-engine"],
)
def test_class_not_subclassing_its_kind_base_is_refused(site: Path, kind: str, target: str, base: str) -> None:
    group = {"optimizer": "nnplug.optimizers", "model": "nnplug.models", "inference_engine": "nnplug.inference_engines"}[kind]
    source = GOOD_MODULE + '''

class NotAPlugin:
    """Looks like an optimizer, is not one."""

    def __init__(self, learning_rate: float = 0.1) -> None:
        self.learning_rate = learning_rate
'''
    package = f"edge_wrong_{kind}"
    write_distribution(site, "edge-wrong", {group: {"EdgeWrong": target.replace("edge_wrong", package)}}, {f"{package}/__init__.py": "", f"{package}/plugins.py": source})
    with pytest.raises(PluginLoadError) as raised:
        Registry().create(kind, "EdgeWrong", {})
    assert f"is not a subclass of {base}" in str(raised.value) and "EdgeWrong" in str(raised.value)


@pytest.mark.slow
def test_command_line_lists_broken_and_conflicting_plugins_and_refuses_them(tmp_path: Path) -> None:
    site = tmp_path / "site"
    for dist, package in (("edge-cli-a", "edge_cli_a"), ("edge-cli-b", "edge_cli_b")):
        write_distribution(site, dist, {"nnplug.optimizers": {"EdgeCliTwin": f"{package}.plugins:Plain"}}, {f"{package}/__init__.py": "", f"{package}/plugins.py": GOOD_MODULE})
    write_distribution(site, "edge-cli-broken", {"nnplug.losses": {"EdgeCliBroken": "edge_cli_missing.plugins:Silent"}}, {})
    env = {**os.environ, "PYTHONPATH": str(site)}
    listing = subprocess.run([str(ROOT / "bin" / "train"), "--list-plugins"], capture_output=True, text=True, env=env, timeout=120)
    assert listing.returncode == 0, listing.stderr
    twin = next(line for line in listing.stdout.splitlines() if "EdgeCliTwin" in line)
    assert "CONFLICT" in twin
    broken = next(line for line in listing.stdout.splitlines() if "EdgeCliBroken" in line)
    assert "BROKEN" in broken and "edge_cli_missing" in broken
    chosen = subprocess.run([str(ROOT / "bin" / "train"), "--optimizer=EdgeCliTwin"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert chosen.returncode == 2
    assert len(chosen.stderr.strip().splitlines()) == 1
    assert "edge-cli-a" in chosen.stderr and "edge-cli-b" in chosen.stderr


ENGINE_MODULE = '''
from nnplug import InferenceEngine


class Tally:
    """What EdgeTally saw."""

    def __init__(self, lines):
        self.lines = lines

    def describe(self):
        return self.lines


class EdgeTally(InferenceEngine):
    """Counts the inputs bin/infer hands over (a third-party inference engine)."""

    def run(self, request, image_backend, registry=None):
        return Tally([f"EdgeTally saw {len(request.inputs)} input(s) with {type(image_backend).__name__}"])
'''


@pytest.mark.slow
def test_installed_inference_engine_is_listed_and_selected_by_bin_infer(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_distribution(site, "edge-engine", {"nnplug.inference_engines": {"EdgeTally": "edge_engine.tally:EdgeTally"}}, {"edge_engine/__init__.py": "", "edge_engine/tally.py": ENGINE_MODULE})
    for dist, package in (("edge-engine-a", "edge_engine_a"), ("edge-engine-b", "edge_engine_b")):
        write_distribution(site, dist, {"nnplug.inference_engines": {"EdgeTwin": f"{package}.tally:EdgeTally"}}, {f"{package}/__init__.py": "", f"{package}/tally.py": ENGINE_MODULE})
    write_distribution(site, "edge-engine-broken", {"nnplug.inference_engines": {"EdgeGone": "edge_engine_missing.tally:EdgeTally"}}, {})
    env = {**os.environ, "PYTHONPATH": str(site)}

    def infer(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(ROOT / "bin" / "infer"), *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)

    listing = subprocess.run([str(ROOT / ".venv" / "bin" / "nnplug"), "plugins"], capture_output=True, text=True, env=env, timeout=120)
    assert listing.returncode == 0, listing.stderr
    tally = next(line for line in listing.stdout.splitlines() if line.strip().startswith("EdgeTally "))
    assert "[edge-engine 1.0]" in tally and "Counts the inputs bin/infer hands over" in tally
    chosen = infer("--inference-engine=EdgeTally", "--image-backend=Vips", "a.png", "b.png")
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.strip() == "EdgeTally saw 2 input(s) with Vips"
    for name, reason in (("EdgeTwin", "registered by several distributions (edge-engine-"), ("EdgeGone", "is broken: cannot locate")):
        refused = infer(f"--inference-engine={name}")
        assert refused.returncode == 2
        assert len(refused.stderr.strip().splitlines()) == 1
        assert f"infer: error: inference engine '{name}'" in refused.stderr and reason in refused.stderr

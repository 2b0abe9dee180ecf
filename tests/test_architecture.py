"""The layers: imports flow one way, and the analysis core never touches OpenCV, MediaPipe or I/O.

The core is found by walking the packages, not from a hand-kept list, so a new module is checked
the day it is added.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import hipthrust_cam

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "hipthrust_cam"

LAYERS: dict[str, int] = {
    "datatypes": 0,
    "config": 0,
    "atomic": 0,
    "native": 0,
    "analysis": 1,
    "pose": 2,
    "synth": 2,
    "report": 3,
    "store": 3,
    "media": 4,
    "app": 5,
    "web": 6,
    "cli": 7,
    "__main__": 7,
    "__init__": 7,
}
"""Top-level module or subpackage -> layer; a module may import its own layer and those below."""

POSE_WITHOUT_RUNTIME = ("protocol", "replay", "people", "keypoints", "lanes")
"""Modules of `pose` that work without the model runtime (replays, tests, the web app)."""

BLOCKED = ("cv2", "mediapipe", "imageio_ffmpeg", "skimage")
NO_IO_MODULES = {"os", "io", "pathlib", "shutil", "subprocess", "socket", "tempfile", "sqlite3"}
NO_IO_NAMES = {"open", "print", "input"}
NO_IO_METHODS = {"read_text", "read_bytes", "write_text", "write_bytes", "mkdir", "unlink"}


def modules(package: str) -> list[Path]:
    return sorted((PACKAGE / package).rglob("*.py"))


def dotted(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def core_modules() -> list[str]:
    analysis = [dotted(p) for p in modules("analysis")]
    pose = [f"hipthrust_cam.pose.{name}" for name in POSE_WITHOUT_RUNTIME]
    return ["hipthrust_cam.datatypes", "hipthrust_cam.config", *analysis, *pose]


def imported(tree: ast.AST) -> list[tuple[str, int]]:
    """(module name, line) of every import, including those inside functions."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            if node.module == "hipthrust_cam":
                found += [(f"hipthrust_cam.{a.name}", node.lineno) for a in node.names]
    return found


def layer_of(name: str) -> int | None:
    parts = name.split(".")
    if parts[0] != "hipthrust_cam" or len(parts) < 2:
        return None
    return LAYERS.get(parts[1])


def test_every_module_has_a_layer() -> None:
    found = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in PACKAGE.rglob("*.py")}
    assert found <= set(LAYERS), f"modules without a layer: {sorted(found - set(LAYERS))}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: dotted(p))
def test_imports_flow_down_the_layers(path: Path) -> None:
    own = LAYERS[path.relative_to(PACKAGE).parts[0].removesuffix(".py")]
    for name, line in imported(ast.parse(path.read_text())):
        target = layer_of(name)
        assert target is None or target <= own, (
            f"{dotted(path)}:{line} imports {name} from a higher layer"
        )


def test_the_core_imports_without_opencv_or_mediapipe() -> None:
    """Every core module imports with cv2 and mediapipe made impossible to import."""
    code = (
        "import importlib, importlib.abc, sys\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        f"        if name.split('.')[0] in {BLOCKED!r}:\n"
        "            raise ImportError(f'blocked: {name}')\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for name in {core_modules()!r}:\n"
        "    importlib.import_module(name)\n"
        "print(len(sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]


@pytest.mark.parametrize("path", modules("analysis"), ids=lambda p: p.name)
def test_the_analysis_does_no_io(path: Path) -> None:
    """Arrays and small dataclasses in, results out: no files, processes, sockets or prints."""
    tree = ast.parse(path.read_text())
    for name, line in imported(tree):
        assert name.split(".")[0] not in NO_IO_MODULES | set(BLOCKED), f"{path.name}:{line} {name}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in NO_IO_NAMES, f"{path.name}:{node.lineno} {node.func.id}()"
        if isinstance(node, ast.Attribute):
            assert node.attr not in NO_IO_METHODS, f"{path.name}:{node.lineno} .{node.attr}"


def test_the_walk_finds_the_whole_core() -> None:
    """The walk above sees every analysis module the package itself lists (no silent skips)."""
    listed = {
        m.name
        for m in pkgutil.walk_packages(hipthrust_cam.__path__, "hipthrust_cam.")
        if m.name.startswith("hipthrust_cam.analysis.")
    }
    assert listed and listed <= set(core_modules())


WEB_FRAMEWORK = ("starlette", "uvicorn", "jinja2", "multipart", "markupsafe", "wsproto")


@pytest.mark.parametrize("path", modules("store"), ids=lambda p: p.name)
def test_the_store_knows_nothing_of_the_web(path: Path) -> None:
    """The history is a layer of its own: the CLI uses it without a web framework."""
    for name, line in imported(ast.parse(path.read_text())):
        assert name.split(".")[0] not in WEB_FRAMEWORK + BLOCKED, f"{path.name}:{line} {name}"


RAY_IMPORTER = PACKAGE / "app" / "cluster.py"
"""The one module that imports Ray (an optional extra), and only inside its functions."""


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: dotted(p))
def test_only_the_cluster_executor_imports_ray_and_only_when_called(path: Path) -> None:
    tree = ast.parse(path.read_text())
    at_top = [
        name
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for name, _ in imported(node)
    ]
    assert not any(name.split(".")[0] == "ray" for name in at_top), dotted(path)
    if path != RAY_IMPORTER:
        for name, line in imported(tree):
            assert name.split(".")[0] != "ray", f"{dotted(path)}:{line} imports {name}"


def test_the_default_path_loads_no_ray() -> None:
    """The CLI, the local batch, the app and even the cluster modules import without Ray."""
    code = (
        "import sys\n"
        "import hipthrust_cam.cli, hipthrust_cam.app.batch, hipthrust_cam.web.server\n"
        "import hipthrust_cam.app.cluster, hipthrust_cam.app.cluster_queue\n"
        "from hipthrust_cam import cli\nimport hipthrust_cam.cli.parser\n"
        "cli.parser.build_parser().parse_args(['analyze', 'a.mp4', '--ray'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ray'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1:]
    assert done.stdout.strip() == "[]"

"""The core never imports the UI libraries, and every command is documented.

The core (content model, quiz engine, simulators) must stay usable from plain
Python and cheap to import; only ecsprep.ui talks to a person.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import ecsprep

UI_LIBRARIES = ("typer", "rich", "questionary", "prompt_toolkit", "click")


def core_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(ecsprep.__path__, prefix="ecsprep."):
        if not info.name.startswith(("ecsprep.ui", "ecsprep.__main__")):
            names.append(info.name)
    return sorted(names)


@pytest.mark.parametrize("module", core_modules())
def test_core_module_imports_no_ui_library(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"bad = [m for m in {UI_LIBRARIES!r} if m in sys.modules]\n"
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"{module} pulls in {result.stdout.strip()}"


def test_core_has_modules() -> None:
    # Guards the test above against walking an empty package.
    assert "ecsprep.packs.model" in core_modules()


# The simulators split into packages: each module is the model (the input and the decisions),
# reads AWS's shapes into it, or runs it. Reading and running import the model, never each
# other, and the model imports neither.
LAYERS = {
    "ecsprep.sim.front_door": {
        "model": ("decisions", "doors", "arns"),
        "reading": (
            "shapes",
            "load_balancer_shapes",
            "api_shapes",
            "web_acl_shapes",
            "distribution_shapes",
            "reader",
        ),
        "running": ("walk", "load_balancer_hop", "distribution_hop", "api_hop", "simulation"),
    },
    "ecsprep.sim.ecr_replication": {
        "model": ("registries", "steps"),
        "reading": ("shapes", "reader"),
        "running": (
            "state",
            "permissions",
            "creation",
            "replication",
            "pushes",
            "pulls",
            "simulation",
        ),
    },
}
PACKAGES = ("ecsprep.sim.cql", *LAYERS)


def package_imports(package: str) -> dict[str, set[str]]:
    """Each module of `package` (but __init__) -> the modules of the package it imports."""
    folder = Path(importlib.import_module(package).__path__[0])
    found: dict[str, set[str]] = {}
    for path in sorted(folder.glob("*.py")):
        if path.stem == "__init__":
            continue
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                if name.startswith(package + "."):
                    imported.add(name[len(package) + 1 :].split(".")[0])
        found[path.stem] = imported
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_imports_its_own_modules_without_a_cycle(package: str) -> None:
    graph = package_imports(package)
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, f"{package}: import cycle {' -> '.join((*path, module))}"
        if module in done:
            return
        for other in sorted(graph[module]):
            visit(other, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


@pytest.mark.parametrize("package", LAYERS)
def test_reading_and_running_import_the_model_never_each_other(package: str) -> None:
    layers = LAYERS[package]
    layer_of = {module: layer for layer, modules in layers.items() for module in modules}
    graph = package_imports(package)
    assert set(graph) == set(layer_of), "give every module of the package a layer in LAYERS"
    allowed = {"model": {"model"}, "reading": {"model", "reading"}, "running": {"model", "running"}}
    for module, imported in graph.items():
        for other in imported:
            assert layer_of[other] in allowed[layer_of[module]], (
                f"{package}.{module} ({layer_of[module]}) imports {other} ({layer_of[other]})"
            )

"""The house rules: each folder one concern, arrows only downward (README, "How the code is laid out").

Read from the source's imports (module level, inside functions and under TYPE_CHECKING alike), so
a lazy import cannot hide an arrow that runs the wrong way.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "specwire"

#: Modules allowed at the package root (at most 5).
ROOT_LIMIT = 5
LINE_LIMIT = 600

#: Third-party packages that only some rooms may import.
ONLY_IN = {
    "typer": {"cli"},
    "clingo": {"engine"},
    "sagemaker": {"builders", "deploy"},
    "boto3": {"builders", "deploy", "local"},
    "botocore": {"builders", "deploy", "local"},
}

#: specwire rooms a room must never import.
NEVER = {
    "specs": {"engine", "policy", "configs", "builders", "deploy", "local", "pipeline", "cli", "plan"},
    "engine": {"configs", "builders", "deploy", "local", "pipeline", "cli"},
    "configs": {"engine", "policy", "builders", "deploy", "local", "pipeline", "cli"},
    "builders": {"engine", "policy", "pipeline", "deploy", "local", "cli"},
    "plan": {"specs", "engine", "policy", "configs", "builders", "deploy", "local", "pipeline", "cli"},
    "policy": {"builders", "deploy", "local", "pipeline", "cli"},
    "deploy": {"engine", "policy", "pipeline", "cli"},
    "local": {"engine", "policy", "pipeline", "cli"},
    "pipeline": {"cli"},
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports (a module, or a name's module)
    line: int
    #: Under `if TYPE_CHECKING:` — an arrow all the same, but never executed, so it closes no cycle.
    typing_only: bool = False


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _room(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "root"
    return parts[1]


@cache
def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports() -> Iterator[Import]:
    modules = _modules()
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        guards = ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        typing_lines = {line for node in ast.walk(tree)
                        if isinstance(node, ast.If) and ast.unparse(node.test) in guards
                        for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
        for node in ast.walk(tree):
            typing_only = node.lineno in typing_lines if isinstance(node, ast.Import | ast.ImportFrom) else False
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(module, alias.name, node.lineno, typing_only)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = module.split(".") if is_package else module.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    name = f"{base}.{alias.name}"
                    yield Import(module, name if name in modules else base, node.lineno, typing_only)


def test_third_party_packages_stay_in_their_rooms() -> None:
    wrong = []
    for imp in _imports():
        top = imp.target.split(".")[0]
        rooms = ONLY_IN.get(top)
        if rooms is not None and _room(imp.module) not in rooms:
            wrong.append(f"{imp.module}:{imp.line} imports {imp.target} (allowed only in {sorted(rooms)})")
    assert not wrong, "\n".join(wrong)


def test_arrows_only_run_downward() -> None:
    wrong = []
    for imp in _imports():
        if not imp.target.startswith("specwire.") and imp.target != "specwire":
            continue
        source, target = _room(imp.module), _room(imp.target)
        if target in NEVER.get(source, set()):
            wrong.append(f"{imp.module}:{imp.line} imports {imp.target} ({source} must never import {target})")
    assert not wrong, "\n".join(wrong)


def test_container_scripts_are_self_contained() -> None:
    """`specwire/scripts/` runs inside SageMaker containers, where specwire is not installed."""
    wrong = [f"{i.module}:{i.line} imports {i.target}" for i in _imports()
             if _room(i.module) == "scripts" and i.module != "specwire.scripts" and i.target.startswith("specwire")]
    assert not wrong, "\n".join(wrong)


def test_the_root_is_small_and_no_module_is_long() -> None:
    root = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root) <= ROOT_LIMIT, root
    long = {name: n for name, path in _modules().items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > LINE_LIMIT}
    assert not long, long


def test_no_import_cycle() -> None:
    graph: dict[str, set[str]] = {m: set() for m in _modules()}
    for imp in _imports():
        if imp.target in graph and imp.target != imp.module and not imp.typing_only:
            graph[imp.module].add(imp.target)
    # A package's __init__ that re-exports its own submodules is not a cycle of concerns.
    for module in graph:
        graph[module] = {t for t in graph[module] if not t.startswith(module + ".")}
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")

"""The config layer's place in the design: no engine, no SageMaker SDK, no boto3."""

from __future__ import annotations

import ast
from pathlib import Path

import specwire.configs

FORBIDDEN = ("specwire.engine", "specwire.rules", "specwire.builders", "sagemaker", "boto3", "botocore")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_configs_import_nothing_forbidden() -> None:
    root = Path(specwire.configs.__file__).parent
    files = sorted(root.rglob("*.py"))
    assert files
    for path in files:
        bad = sorted(m for m in imported_modules(path) if m.startswith(FORBIDDEN))
        assert not bad, f"{path.relative_to(root)} imports {bad}"

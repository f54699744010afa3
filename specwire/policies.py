"""Where policy rule files come from: `--rules`, folders named in settings, the environment."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from specwire.errors import RuleFileError


def policy_files(paths: Iterable[str | Path]) -> list[Path]:
    """The `.lp` files to load, each checked to exist; a folder stands for its `.lp` files."""
    found: list[Path] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.glob("*.lp") if p.is_file())
            if not files:
                raise RuleFileError(f"{path}: the folder holds no .lp rule file")
            found.extend(files)
        elif path.is_file():
            found.append(path)
        else:
            raise RuleFileError(f"{path}: no such rule file", suggested_fix="check the path given to --rules")
    unique: dict[Path, None] = {}
    for p in found:
        unique.setdefault(p.resolve(), None)
    return list(unique)

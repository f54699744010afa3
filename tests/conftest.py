"""Fixtures shared by the whole suite: the cursus corpus (read in place, never copied) and file writing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

#: The cursus corpus lives beside the checkout (`../shared/corpus/cursus`), in CI as on a workstation.
CURSUS_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "cursus"


@pytest.fixture(scope="session")
def cursus_dir() -> Path:
    if not (CURSUS_DIR / "specs.json").is_file():
        pytest.skip(f"the cursus corpus is not at {CURSUS_DIR} (it sits beside the checkout in CI)")
    return CURSUS_DIR


WriteFile = Callable[[str, "str | bytes"], Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    """Write text (or bytes) to a file under tmp_path, creating folders; returns its path."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write

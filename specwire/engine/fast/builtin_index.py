"""The built-in catalog's stage one, shipped with the package as `builtin_index.json`.

Without it, the first `specwire resolve` on a machine computes stage one for the built-in catalog
(about 80 ms of a 300 ms budget) before the disk cache holds it. The file doubles as a readable
record of what the built-in rules match, one match per line: a change to a rule file or a
built-in spec shows in its diff.

It is used only when its key (catalog_index.catalog_fingerprint: the cache format, the Python that
writes the facts, the catalog's content and the rule files' bytes) is the key of the catalog being
loaded, so a stale file costs speed, never correctness. tests/engine/test_builtin_index.py fails
when it is stale; rewrite it with

    python -m specwire.engine.fast.builtin_index
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from specwire.engine.catalog_index import MATCH_RULES, CatalogIndex, ProfileKey, catalog_fingerprint
from specwire.engine.index_cache import decode, encode
from specwire.specs.models import StepSpecification

PATH = Path(__file__).with_name("builtin_index.json")

__all__ = ["PATH", "current", "decode", "encode", "load"]


def load(key: str, profiles: dict[ProfileKey, StepSpecification], files: list[Path]) -> CatalogIndex | None:
    """The shipped index when `key` is its key, else None (the caller computes stage one)."""
    try:
        text = PATH.read_text(encoding="utf-8")
    except OSError:
        return None
    # The key sits on the file's second line: a catalog that is not the built-in one costs no parse.
    if f'"key": {json.dumps(key)},' not in text[:200]:
        return None
    try:
        return decode(text, profiles, tuple(files), key=key)
    except (ValueError, RecursionError):
        return None  # a damaged file: compute instead


def current() -> tuple[str, CatalogIndex]:
    """The built-in catalog's key and its stage one, computed now (not read from any cache)."""
    from specwire.engine.catalog_index import _compute, profile_keys
    from specwire.engine.solver import builtin_rule_file
    from specwire.specs.registry import load_registry

    registry = load_registry()
    files = [builtin_rule_file(name) for name in MATCH_RULES]
    return catalog_fingerprint(registry, files), _compute(dict(profile_keys(registry)), files)


def main() -> int:
    from specwire.files import atomic_write

    key, index = current()
    atomic_write(PATH, encode(index, key))
    print(f"wrote {PATH} ({len(index.quality)} matches)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Stage one of a catalog, from the fastest place that has it: memory, the disk cache, the shipped
index (built-in catalog only), or computed by clingo (`catalog_index._compute`) and then cached.

It sits above the three so that none of them imports another's caller: `catalog_index` computes,
`index_cache` stores, `fast.builtin_index` ships.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from specwire.engine import catalog_index, index_cache
from specwire.engine.catalog_index import MATCH_RULES, CatalogIndex, catalog_fingerprint, profile_keys
from specwire.engine.fast import builtin_index
from specwire.engine.solver import builtin_rule_file
from specwire.specs.registry import SpecRegistry

_CACHE: dict[str, CatalogIndex] = {}
_LOCK = threading.Lock()


def build_index(registry: SpecRegistry, extra_rules: Iterable[Path] = ()) -> CatalogIndex:
    """Compute (or fetch) the profile-level matches of a catalog."""
    files = [builtin_rule_file(name) for name in MATCH_RULES] + list(extra_rules)
    key = catalog_fingerprint(registry, files)
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    profiles = dict(profile_keys(registry))
    index = index_cache.load(key, profiles, tuple(files))
    # SPECWIRE_CACHE=0 means no cache of any kind: the shipped one is skipped too.
    if index is None and len(files) == len(MATCH_RULES) and index_cache.cache_dir() is not None:
        index = builtin_index.load(key, profiles, files)
    if index is None:
        index = catalog_index._compute(profiles, files)
        index_cache.store(key, index)
    with _LOCK:
        _CACHE[key] = index
    return index

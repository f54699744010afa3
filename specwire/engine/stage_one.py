"""Stage one of a catalog, from the fastest place that has it: memory, the disk cache, the shipped
index (built-in catalog only), or computed by clingo (`catalog_index._compute`) and then cached.

It sits above the three so that none of them imports another's caller: `catalog_index` computes,
`index_cache` stores, `fast.builtin_index` ships.

A large catalog gets a *scoped* index (`index_for`): the matches into the inputs of the profiles a
pipeline has, each against every provider of the catalog, plus the catalog-wide linear parts. All
pairs of a dense catalog grow with the square of its size (1,000 step types whose ports all carry
one data type: a million matches, a 201 MB cache entry, minutes to read) while a pipeline reads
only the providers of its own inputs. The rest is computed when asked for (`CatalogIndex.need`:
inserted steps, `consumers_of`: the bridge hint), and each scope is its own cache entry under the
catalog's key and the scope, with the same trust rules as the whole index (engine/index_cache.py).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path

from specwire.engine import catalog_index, index_cache
from specwire.engine.catalog_index import (
    BASE_SCOPE,
    MATCH_RULES,
    WANTED_SCOPE,
    CatalogIndex,
    ProfileKey,
    catalog_fingerprint,
    profile_keys,
    want_facts,
)
from specwire.engine.fast import builtin_index
from specwire.engine.pipeline_def import PipelineNode
from specwire.engine.solver import builtin_rule_file
from specwire.specs.models import StepSpecification
from specwire.specs.registry import SpecRegistry

#: From this many profiles on, a resolve reads a scoped index instead of the whole catalog's. Below
#: it the whole index is small (at most ~20,000 pairs even when every port fits every input) and
#: one entry serves every pipeline; above it, all pairs grow with the square of the catalog.
SCOPED_FROM_PROFILES = 150

_CACHE: dict[str, CatalogIndex] = {}
_SCOPED: dict[str, CatalogIndex] = {}
_LOCK = threading.RLock()


def build_index(registry: SpecRegistry, extra_rules: Iterable[Path] = ()) -> CatalogIndex:
    """Compute (or fetch) the profile-level matches of a whole catalog."""
    files = [builtin_rule_file(name) for name in MATCH_RULES] + list(extra_rules)
    return _whole(registry, files, catalog_fingerprint(registry, files))


def _whole(registry: SpecRegistry, files: list[Path], key: str,
           profiles: dict[ProfileKey, StepSpecification] | None = None) -> CatalogIndex:
    with _LOCK:
        cached = _CACHE.get(key)
    if cached is not None:
        return cached
    if profiles is None:
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


def node_profiles(registry: SpecRegistry, nodes: Iterable[PipelineNode]) -> frozenset[ProfileKey]:
    """The profile of each node (its step type under its job type's variant)."""
    return frozenset((n.step_type, registry.get(n.step_type).variant_key(n.job_type)) for n in nodes)


def index_for(registry: SpecRegistry, consumers: Iterable[ProfileKey], scoped: bool | None = None) -> CatalogIndex:
    """The index a resolve of a pipeline with the profiles `consumers` reads.

    The whole catalog's when it is in memory already, when `scoped` is False, or (`scoped` None)
    when the catalog has fewer than SCOPED_FROM_PROFILES profiles; otherwise a scoped index in which
    every dependency of `consumers` has all its providers. Both give the same answers
    (tests/engine/test_scoped_index.py).
    """
    files = [builtin_rule_file(name) for name in MATCH_RULES]
    key = catalog_fingerprint(registry, files)
    if scoped is not True:
        with _LOCK:
            whole = _CACHE.get(key)
        if whole is not None or scoped is False:
            return whole or _whole(registry, files, key)
    profiles = dict(profile_keys(registry))
    if scoped is None and len(profiles) < SCOPED_FROM_PROFILES:
        return _whole(registry, files, key, profiles)
    with _LOCK:
        index = _SCOPED.get(key)
        if index is None:
            index = _base(key, profiles, files)
            _SCOPED[key] = index
    index.need(consumers)
    return index


def _derived_key(key: str, *parts: str) -> str:
    """The cache key of a scoped entry: the catalog's key and what the entry covers."""
    return hashlib.sha256("\0".join((key, *parts)).encode()).hexdigest()


def _base(key: str, profiles: dict[ProfileKey, StepSpecification], files: list[Path]) -> CatalogIndex:
    """A scoped index's start: the catalog-wide parts (weak words, word roots, held-out outputs, and
    `qualified`, which needs only the dependencies that name a job-type instance)."""
    base_key = _derived_key(key, "base")
    index = index_cache.load(base_key, profiles, tuple(files), scoped=True)
    if index is None:
        index = catalog_index._compute(profiles, files, BASE_SCOPE)
        index_cache.store(base_key, index)

    def grow(target: CatalogIndex, wanted: frozenset[ProfileKey]) -> None:
        with _LOCK:
            _grow(target, wanted, key, profiles, files)

    def feeds(_target: CatalogIndex, provider: ProfileKey) -> frozenset[ProfileKey]:
        return catalog_index.consumers_fed(profiles, files, provider)

    index.grow, index.feeds = grow, feeds
    return index


def _grow(index: CatalogIndex, wanted: frozenset[ProfileKey], key: str,
          profiles: dict[ProfileKey, StepSpecification], files: list[Path]) -> None:
    """Complete the consumers `wanted`: from their cache entry, or computed and then cached."""
    missing = [p for p in wanted if not index.has_all_providers(p)]
    if not missing:
        return
    scope_key = _derived_key(key, "scope", *sorted(f"{step}\0{variant or ''}" for step, variant in wanted))
    part = index_cache.load(scope_key, profiles, tuple(files), scoped=True)
    if part is not None and all(part.has_all_providers(p) for p in wanted):
        index.merge(part)
        return
    index.merge(catalog_index._compute(profiles, files, WANTED_SCOPE, want_facts(profiles, missing)))
    index_cache.store(scope_key, index.restricted(wanted))

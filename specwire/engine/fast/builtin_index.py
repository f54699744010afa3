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
from typing import Any

from specwire.engine.catalog_index import (
    MATCH_RULES,
    CatalogIndex,
    PortMatch,
    ProfileKey,
    Reason,
    catalog_fingerprint,
    group_providers,
)
from specwire.specs.models import StepSpecification

PATH = Path(__file__).with_name("builtin_index.json")


def _p(key: ProfileKey) -> list[str | None]:
    return [key[0], key[1]]


def _key(value: list[Any]) -> ProfileKey:
    return (str(value[0]), None if value[1] is None else str(value[1]))


def _match(item: list[Any]) -> PortMatch:
    return (_key(item[0]), str(item[1]), _key(item[2]), str(item[3]))


def encode(index: CatalogIndex, key: str) -> str:
    """The index as JSON text: one entry per line, in a stable order."""
    sections: dict[str, list[Any]] = {
        "matches": [[_p(m[0]), m[1], _p(m[2]), m[3], index.quality[m], m in index.loose,
                     [list(s) for s in index.scores.get(m, [])],
                     [[r.rule, r.field, r.value] for r in index.reasons.get(m, [])]]
                    for m in sorted(index.quality, key=_order)],
        "qualified": [[_p(a), _p(b), d, sorted(jobs)] for (a, b, d), jobs in sorted(
            index.qualified.items(), key=lambda kv: (_order_key(kv[0][0]), _order_key(kv[0][1]), kv[0][2]))],
        "dep_roots": [[_p(p), d, sorted(w)] for (p, d), w in sorted(
            index.dep_roots.items(), key=lambda kv: (_order_key(kv[0][0]), kv[0][1]))],
        "near": [[_p(p), d, [[_p(q), o] for q, o in providers]] for (p, d), providers in sorted(
            index.near.items(), key=lambda kv: (_order_key(kv[0][0]), kv[0][1]))],
        "external": [[_p(p), d] for p, d in sorted(index.external, key=lambda pd: (_order_key(pd[0]), pd[1]))],
        "weak_words": sorted(index.weak_words),
    }
    lines = ["{", f' "key": {json.dumps(key)},']
    for number, (name, items) in enumerate(sections.items()):
        body = ",\n  ".join(json.dumps(item, ensure_ascii=False) for item in items)
        end = "," if number < len(sections) - 1 else ""
        lines.append(f' "{name}": [\n  {body}\n ]{end}' if items else f' "{name}": []{end}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def decode(text: str, profiles: dict[ProfileKey, StepSpecification], files: tuple[Path, ...]) -> CatalogIndex:
    data = json.loads(text)
    index = CatalogIndex(profiles=profiles, files=files)
    for a, o, b, d, quality, loose, scores, reasons in data["matches"]:
        match = _match([a, o, b, d])
        index.quality[match] = int(quality)
        if loose:
            index.loose.add(match)
        index.scores[match] = [(str(rule), int(points)) for rule, points in scores]
        index.reasons[match] = [Reason(str(rule), str(fld), str(value)) for rule, fld, value in reasons]
    index.qualified = {(_key(a), _key(b), str(d)): set(jobs) for a, b, d, jobs in data["qualified"]}
    index.dep_roots = {(_key(p), str(d)): set(w) for p, d, w in data["dep_roots"]}
    index.near = {(_key(p), str(d)): [(_key(q), str(o)) for q, o in providers] for p, d, providers in data["near"]}
    index.external = {(_key(p), str(d)) for p, d in data["external"]}
    index.weak_words = set(data["weak_words"])
    index.providers_of = group_providers(index.quality)
    return index


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
        return decode(text, profiles, tuple(files))
    except (ValueError, KeyError, TypeError, IndexError):
        return None  # a damaged file: compute instead


def current() -> tuple[str, CatalogIndex]:
    """The built-in catalog's key and its stage one, computed now (not read from any cache)."""
    from specwire.engine.catalog_index import _compute, profile_keys
    from specwire.engine.solver import builtin_rule_file
    from specwire.specs.registry import load_registry

    registry = load_registry()
    files = [builtin_rule_file(name) for name in MATCH_RULES]
    return catalog_fingerprint(registry, files), _compute(dict(profile_keys(registry)), files)


def _order_key(key: ProfileKey) -> tuple[str, str]:
    return (key[0], key[1] or "")


def _order(match: PortMatch) -> tuple[str, str, str, str, str, str]:
    return (*_order_key(match[2]), match[3], *_order_key(match[0]), match[1])


def main() -> int:
    from specwire.files import atomic_write

    key, index = current()
    atomic_write(PATH, encode(index, key))
    print(f"wrote {PATH} ({len(index.quality)} matches)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

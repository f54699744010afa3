"""Stage one: which output of which step profile can feed which dependency, and why.

A *profile* is a step type under one job-type variant (or the base spec). Matching depends only
on the catalog, so `types.lp`, `words.lp` and `match.lp` run once per catalog over all of its
profiles; the program is stratified, so grounding alone computes it and no search is needed.
The result is kept in plain Python structures (cached per catalog and rule text) and handed to
stage two as facts.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from clingo import Control, Function, Number, String, Symbol, SymbolicAtoms, SymbolType

from specwire.engine.solver import Messages, add_facts, ground, load_rules, new_control
from specwire.engine.terms import atom, norm_name, profile_symbol, text_of, words
from specwire.engine.vocabulary import split_job_facts
from specwire.specs.models import StepSpecification
from specwire.specs.names import step_key
from specwire.specs.registry import SpecRegistry, split_qualified_source, step_names

MATCH_RULES = ("types.lp", "words.lp", "match.lp")

#: The scope of a whole-catalog stage one: every dependency against every provider.
WHOLE_SCOPE = "want(P,D) :- dep(P,D). prov(P) :- profile(P)."
#: The scope of a scoped index's base: the dependencies that name a job-type instance ("T:J"), so
#: that `qualified` is whole (engine/fast/chains.py reads all of it), against every provider.
BASE_SCOPE = "want(P,D) :- source_job(P,D,_,_). prov(P) :- profile(P)."
#: The scope of consumers given as `want/2` facts (scope_facts), against every provider.
WANTED_SCOPE = "prov(P) :- profile(P)."

ProfileKey = tuple[str, str | None]  # (step type, job-type variant or None for the base spec)
PortMatch = tuple[ProfileKey, str, ProfileKey, str]  # provider profile, output, consumer profile, dependency


@dataclass(frozen=True)
class Reason:
    rule: str
    field: str
    value: str


@dataclass
class CatalogIndex:
    """Profile-level matches of one catalog."""

    profiles: dict[ProfileKey, StepSpecification]
    quality: dict[PortMatch, int] = field(default_factory=dict)
    scores: dict[PortMatch, list[tuple[str, int]]] = field(default_factory=dict)
    reasons: dict[PortMatch, list[Reason]] = field(default_factory=dict)
    qualified: dict[tuple[ProfileKey, ProfileKey, str], set[str]] = field(default_factory=dict)
    dep_roots: dict[tuple[ProfileKey, str], set[str]] = field(default_factory=dict)
    providers_of: dict[tuple[ProfileKey, str], list[tuple[ProfileKey, str]]] = field(default_factory=dict)
    weak_words: set[str] = field(default_factory=set)
    #: Dependencies fed from outside the pipeline: every compatible source names a step outside the catalog.
    external: set[tuple[ProfileKey, str]] = field(default_factory=set)
    #: Matches on the source list alone (no name, no shared word): they never fill an optional input.
    loose: set[PortMatch] = field(default_factory=set)
    #: Outputs held out of their own chain (out-of-time, hold-out data): they may cross chains.
    held_out: set[tuple[ProfileKey, str]] = field(default_factory=set)
    files: tuple[Path, ...] = ()
    near: dict[tuple[ProfileKey, str], list[tuple[ProfileKey, str]]] = field(default_factory=dict)
    #: The dependencies whose matches from every provider of the catalog are here; None: all of them
    #: (a whole-catalog index). A scoped index (engine/stage_one.py) holds the consumers a pipeline
    #: has and grows on demand (`need`); each match depends only on its two profiles and on linear
    #: facts of the whole catalog (weak words, known sources), so a scoped index's matches are the
    #: whole index's matches into those dependencies, exactly.
    complete: set[tuple[ProfileKey, str]] | None = None
    #: Completes consumer profiles of a scoped index (set by engine/stage_one.py).
    grow: Callable[[CatalogIndex, frozenset[ProfileKey]], None] | None = field(default=None, repr=False,
                                                                               compare=False)
    #: Answers `consumers_of` for a scoped index without completing every consumer.
    feeds: Callable[[CatalogIndex, ProfileKey], frozenset[ProfileKey]] | None = field(default=None, repr=False,
                                                                                      compare=False)
    #: Stage two's facts per profile, built on first use (in memory only; engine/resolver.py).
    symbols: dict[object, object] = field(default_factory=dict, repr=False, compare=False)

    def profile_for(self, step_type: str, job_type: str | None) -> ProfileKey:
        spec = self.profiles[(step_type, None)]
        return (step_type, spec.variant_key(job_type))

    def has_all_providers(self, consumer: ProfileKey) -> bool:
        """Whether every match into `consumer`'s dependencies is here."""
        return self.complete is None or all((consumer, d.logical_name) in self.complete
                                            for d in self.profiles[consumer].dependencies)

    def need(self, consumers: Iterable[ProfileKey]) -> None:
        """Make every match into the dependencies of `consumers` present (a whole index has them all).

        Whoever reads the providers of a profile's dependencies calls this first for that profile.
        """
        if self.complete is None:
            return
        missing = frozenset(p for p in consumers if not self.has_all_providers(p))
        if missing:
            if self.grow is None:
                raise RuntimeError("a scoped stage-one index without a way to grow")
            self.grow(self, missing)

    def consumers_of(self, provider: ProfileKey) -> frozenset[ProfileKey]:
        """The profiles of the whole catalog that some output of `provider` can feed."""
        key = ("consumers_of", provider)
        found = self.symbols.get(key)
        if found is None:
            if self.complete is None or self.feeds is None:
                found = frozenset(b for a, _o, b, _d in self.quality if a == provider)
            else:
                found = self.feeds(self, provider)
            self.symbols[key] = found
        return found  # type: ignore[return-value]

    def merge(self, part: CatalogIndex) -> None:
        """Add a scoped computation's matches (`part.complete` says which dependencies it covers)."""
        if self.complete is None or part.complete is None:
            raise ValueError("only scoped indexes merge")
        self.quality.update(part.quality)
        self.scores.update(part.scores)
        self.reasons.update(part.reasons)
        for key, jobs in part.qualified.items():
            self.qualified.setdefault(key, set()).update(jobs)
        for port, roots in part.dep_roots.items():
            self.dep_roots.setdefault(port, set()).update(roots)
        self.near.update(part.near)
        self.external |= part.external
        self.loose |= part.loose
        self.held_out |= part.held_out
        self.weak_words |= part.weak_words
        self.providers_of.update(group_providers(part.quality))
        self.complete |= part.complete

    def restricted(self, consumers: Iterable[ProfileKey]) -> CatalogIndex:
        """The part of a scoped index about the dependencies of `consumers` (all of them complete)."""
        deps = {(p, d.logical_name) for p in consumers for d in self.profiles[p].dependencies}
        if self.complete is None or not deps <= self.complete:
            raise ValueError("a restriction to dependencies that are not complete")
        part = CatalogIndex(profiles=self.profiles, files=self.files, complete=deps)
        part.quality = {m: q for m, q in self.quality.items() if (m[2], m[3]) in deps}
        part.scores = {m: self.scores[m] for m in part.quality}
        part.reasons = {m: self.reasons[m] for m in part.quality}
        part.loose = {m for m in self.loose if m in part.quality}
        part.qualified = {k: set(v) for k, v in self.qualified.items() if (k[1], k[2]) in deps}
        part.near = {k: list(v) for k, v in self.near.items() if k in deps}
        part.external = {k for k in self.external if k in deps}
        part.providers_of = group_providers(part.quality)
        return part


def profile_keys(registry: SpecRegistry) -> Iterator[tuple[ProfileKey, StepSpecification]]:
    for spec in registry:
        yield (spec.step_type, None), spec
        for variant in sorted(spec.job_type_variants):
            yield (spec.step_type, variant), spec.for_job(variant)


def profile_facts(profiles: Iterable[tuple[ProfileKey, StepSpecification]],
                  step_names: Mapping[str, str] | None = None) -> Iterator[Symbol]:
    """The spec facts of match.lp, one profile at a time.

    `step_names` (SpecRegistry.step_names) spells each compatible source as the step type it
    names, by the rule the registry's typo check uses, so a source it accepts is one that matches.
    """
    names = step_names or {}
    kinds_seen: set[str] = set()
    for (step_type, variant), spec in profiles:
        p = profile_symbol(step_type, variant)
        t = String(step_type)
        yield Function("profile", [p])
        yield Function("profile_step", [p, t])
        if step_type not in kinds_seen:
            kinds_seen.add(step_type)
            yield Function("step_kind", [t, String(spec.sagemaker_step_kind.value)])
        for dep in spec.dependencies:
            d = String(dep.logical_name)
            yield Function("dep", [p, d])
            if dep.required:
                yield Function("required", [p, d])
            yield Function("dep_kind", [p, d, atom(norm_name(dep.kind))])
            for data_type in dep.data_types:
                yield Function("accepts", [p, d, atom(norm_name(data_type))])
            for source in dep.compatible_sources:
                base, job = split_qualified_source(source)
                base = names.get(step_key(base), base)
                if job is None:
                    yield Function("source", [p, d, String(base)])
                else:
                    yield Function("source_job", [p, d, String(base), atom(job)])
            for name in (dep.logical_name, *dep.aliases):
                if norm_name(name):
                    yield Function("dep_name", [p, d, atom(norm_name(name))])
            for word in _port_words(dep.logical_name, dep.aliases, dep.semantic_keywords):
                yield Function("dep_word", [p, d, atom(word)])
        for out in spec.outputs:
            o = String(out.logical_name)
            yield Function("out", [p, o])
            yield Function("out_kind", [p, o, atom(norm_name(out.kind))])
            yield Function("out_type", [p, o, atom(norm_name(out.data_type))])
            for name in (out.logical_name, *out.aliases):
                if norm_name(name):
                    yield Function("out_name", [p, o, atom(norm_name(name))])
            for word in _port_words(out.logical_name, out.aliases, out.semantic_keywords):
                yield Function("out_word", [p, o, atom(word)])


def _port_words(name: str, aliases: Iterable[str], keywords: Iterable[str]) -> list[str]:
    """Keywords whole and in parts; names and aliases in parts only (whole names are `*_name`)."""
    found: set[str] = set()
    for text in keywords:
        found |= words(text)
    for text in (name, *aliases):
        found |= words(text) - {norm_name(text)} if "_" in norm_name(text) else words(text)
    return sorted(found)




#: Bump when the cached structure changes.
_CACHE_FORMAT = 7
_CACHED_FIELDS = ("complete", "quality", "scores", "reasons", "qualified", "dep_roots", "providers_of", "weak_words",
                  "near", "external", "loose", "held_out")


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """A digest of the Python that turns specs into stage one's facts.

    Editing how specs are read or written as facts changes the index as surely as editing a rule
    file, so it must change the key too (or an old cache entry would be served as current).
    """
    here = Path(__file__).resolve().parent
    sources = [here / "catalog_index.py", here / "index_cache.py", here / "terms.py", here / "solver.py",
               here / "vocabulary.py", here / "fast" / "builtin_rules.py",
               *sorted((here.parent / "specs").glob("*.py"))]
    digest = hashlib.sha256()
    for path in sources:
        digest.update(f"{path.name}\0".encode())
        try:
            digest.update(path.read_bytes())
        except OSError:  # an install without sources: its version stands for its code
            from importlib.metadata import PackageNotFoundError, version

            with contextlib.suppress(PackageNotFoundError):
                digest.update(version("specwire").encode())
    return digest.hexdigest()


def catalog_fingerprint(registry: SpecRegistry, rule_files: Iterable[Path]) -> str:
    """The cache key of a catalog's stage one: cache format, fact-writing code, catalog content, rule text.

    The catalog's part is the registry's digest of the bytes it parsed (specs/registry.py), never
    a second read of its files: a pack replaced while it is read must not file one version's
    matches under the other's key.
    """
    digest = hashlib.sha256(f"{_CACHE_FORMAT}:{_code_digest()}:{registry.fingerprint()}".encode())
    for path in rule_files:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def want_facts(profiles: Mapping[ProfileKey, StepSpecification], consumers: Iterable[ProfileKey]) -> list[Symbol]:
    """`want/2` for every dependency of `consumers` (WANTED_SCOPE's input)."""
    return [Function("want", [profile_symbol(*p), String(d.logical_name)])
            for p in sorted(set(consumers), key=lambda p: (p[0], p[1] or "")) for d in profiles[p].dependencies]


def _compute(profiles: dict[ProfileKey, StepSpecification], files: list[Path], scope: str = WHOLE_SCOPE,
             scope_facts: Iterable[Symbol] = ()) -> CatalogIndex:
    """Stage one by clingo; with a scope other than the whole catalog's, a scoped part (`complete`
    lists the dependencies it covers, each against every provider of the catalog)."""
    ctl = _ground(profiles, files, scope, scope_facts)
    index = CatalogIndex(profiles=profiles, files=tuple(files))
    atoms = ctl.symbolic_atoms
    if scope != WHOLE_SCOPE:
        index.complete = {(_profile(sa.symbol.arguments[0]), _text(sa.symbol.arguments[1]))
                          for sa in atoms.by_signature("want", 2)}
    for sa in atoms.by_signature("port_match", 5):
        p1, o, p2, d, q = sa.symbol.arguments
        index.quality[(_profile(p1), _text(o), _profile(p2), _text(d))] = q.number
    for sa in atoms.by_signature("qualified", 4):
        p1, p2, d, j = sa.symbol.arguments
        index.qualified.setdefault((_profile(p1), _profile(p2), _text(d)), set()).add(_text(j))
    index.weak_words = {_text(sa.symbol.arguments[0]) for sa in atoms.by_signature("weak", 1)}
    index.loose = {(_profile(a), _text(o), _profile(b), _text(d))
                   for a, o, b, d in (sa.symbol.arguments for sa in atoms.by_signature("loose", 4))}
    index.external = {(_profile(sa.symbol.arguments[0]), _text(sa.symbol.arguments[1]))
                      for sa in atoms.by_signature("external", 2)}
    index.held_out = {(_profile(sa.symbol.arguments[0]), _text(sa.symbol.arguments[1]))
                      for sa in atoms.by_signature("held_out", 2)}
    for sa in atoms.by_signature("dword", 3):
        p, d, w = sa.symbol.arguments
        index.dep_roots.setdefault((_profile(p), _text(d)), set()).add(_text(w))
    near: dict[tuple[ProfileKey, str], list[tuple[ProfileKey, str]]] = defaultdict(list)
    for sa in atoms.by_signature("near", 4):
        s1, so, s2, sd = sa.symbol.arguments
        near[(_profile(s2), _text(sd))].append((_profile(s1), _text(so)))
    index.near = {k: sorted(v, key=_sort_key) for k, v in near.items()}
    _read_explanations(atoms, index)
    index.providers_of = group_providers(index.quality)
    return index


def consumers_fed(profiles: dict[ProfileKey, StepSpecification], files: list[Path],
                  provider: ProfileKey) -> frozenset[ProfileKey]:
    """The profiles that an output of `provider` can feed: every dependency against one provider."""
    ctl = _ground(profiles, files, "want(P,D) :- dep(P,D).", [Function("prov", [profile_symbol(*provider)])])
    return frozenset(_profile(sa.symbol.arguments[2]) for sa in ctl.symbolic_atoms.by_signature("port_match", 5))


def group_providers(quality: Iterable[PortMatch]) -> dict[tuple[ProfileKey, str], list[tuple[ProfileKey, str]]]:
    """The matches grouped by the dependency they feed, providers in a stable order."""
    providers: dict[tuple[ProfileKey, str], list[tuple[ProfileKey, str]]] = defaultdict(list)
    for provider, output, consumer, dependency in quality:
        providers[(consumer, dependency)].append((provider, output))
    return {k: sorted(v, key=_sort_key) for k, v in providers.items()}


def _ground(profiles: dict[ProfileKey, StepSpecification], files: list[Path], scope: str,
            scope_facts: Iterable[Symbol] = ()) -> Control:
    messages = Messages()
    ctl = new_control(messages=messages)
    load_rules(ctl, files, messages)
    ordered = sorted(profiles.items(), key=lambda item: (item[0][0], item[0][1] or ""))
    add_facts(ctl, profile_facts(ordered, step_names(step for step, _ in profiles)))
    add_facts(ctl, split_job_facts())
    add_facts(ctl, scope_facts)
    ctl.add("base", [], scope)
    ground(ctl, messages, files)
    return ctl


def _read_explanations(atoms: SymbolicAtoms, index: CatalogIndex) -> None:
    """Every match's points per rule and the spec fields behind them, for --explain and JSON.

    They are read with the matches (and cached with them) rather than on demand: a second clingo
    run over the profiles a result uses costs about as much as stage one when a pipeline is large,
    and a new process would pay it on every run.
    """
    scores: dict[PortMatch, list[tuple[str, int]]] = defaultdict(list)
    reasons: dict[PortMatch, list[Reason]] = defaultdict(list)
    for sa in atoms.by_signature("score", 6):
        p1, o, p2, d, rule, points = sa.symbol.arguments
        k = (_profile(p1), _text(o), _profile(p2), _text(d))
        if k in index.quality:  # compatible pairs that are no match get points too
            scores[k].append((_text(rule), points.number))
    for sa in atoms.by_signature("reason", 7):
        p1, o, p2, d, rule, fld, value = sa.symbol.arguments
        reasons[(_profile(p1), _text(o), _profile(p2), _text(d))].append(Reason(_text(rule), _text(fld), _text(value)))
    index.scores = {k: sorted(scores.get(k, ())) for k in index.quality}
    index.reasons = {k: sorted(reasons.get(k, ()), key=lambda r: (r.rule, r.field, r.value)) for k in index.quality}


def _sort_key(item: tuple[ProfileKey, str]) -> tuple[str, str, str]:
    (step, variant), out = item
    return (step, variant or "", out)


@lru_cache(maxsize=65536)
def _profile(symbol: Symbol) -> ProfileKey:
    step, variant = symbol.arguments
    return (step.string, variant.string if variant.type == SymbolType.String else None)


@lru_cache(maxsize=65536)
def _text(symbol: Symbol) -> str:
    return text_of(symbol)


def port_match_symbol(match: PortMatch, quality: int) -> Symbol:
    (s1, v1), o, (s2, v2), d = match
    return Function("port_match",
                    [profile_symbol(s1, v1), String(o), profile_symbol(s2, v2), String(d), Number(quality)])

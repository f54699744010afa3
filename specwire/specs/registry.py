"""The spec registry: the built-in catalog plus the spec packs a user points at."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from specwire.errors import SpecPackError, UnknownStepError, brief, did_you_mean, suggestion_text
from specwire.specs import cursus
from specwire.specs.files import field_path, read_document_bytes
from specwire.specs.implementation import Implementation
from specwire.specs.models import STANDARD_JOB_TYPES, DependencySpec, JobTypeVariant, OutputSpec, StepSpecification
from specwire.specs.names import collision_key, norm_name, step_key

#: The name that stands for the built-in catalog wherever a catalog path is accepted.
BUILTIN = "builtin"

_PACK_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class SpecWarning:
    source: str
    text: str
    #: (a misspelt name, the names it may have meant): the did-you-mean hint, worked out only when the
    #: message is read. A team catalog can carry a hundred warnings of which the CLI prints three;
    #: the hints of all 118 warnings of the cursus catalog cost about 85 ms of a 100 ms load.
    hint_of: tuple[str, frozenset[str]] | None = field(default=None, compare=False)

    @property
    def message(self) -> str:
        if self.hint_of is None:
            return self.text
        hint = suggestion_text(*self.hint_of)
        return self.text + (f" ({hint})" if hint else "")


@dataclass
class SpecRegistry:
    """Step specifications by step type, each with the file it came from."""

    _specs: dict[str, StepSpecification] = field(default_factory=dict)
    _sources: dict[str, str] = field(default_factory=dict)
    warnings: list[SpecWarning] = field(default_factory=list)
    _file_digests: dict[str, str] = field(default_factory=dict)
    _loose: bool = False
    _keys: dict[str, str] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """A digest of the catalog's content: of its files when it was read from files only.

        Where the files lie does not count: the built-in catalog has one digest wherever specwire
        is installed (engine/builtin_index.py relies on it).
        """
        digest = hashlib.sha256()
        if self._loose:
            for spec in self:
                digest.update(spec.model_dump_json().encode())
        else:
            for file_digest in sorted(self._file_digests.values()):
                digest.update(f"{file_digest}\0".encode())
        return digest.hexdigest()

    def add(self, spec: StepSpecification, source: str) -> None:
        if source not in self._file_digests:
            self._loose = True
        if spec.step_type in self._specs:
            first = self._sources[spec.step_type]
            where = "twice" if first == source else f"in both {first} and {source}"
            raise SpecPackError(
                f"{source}: step type {spec.step_type!r} is declared {where}",
                suggested_fix="keep one declaration, or rename one of the step types",
            )
        twin = self._keys.get(step_key(spec.step_type))
        if twin is not None:
            raise SpecPackError(
                f"{source}: step type {spec.step_type!r} differs from {twin!r} (in {self._sources[twin]}) only "
                "in case or Unicode form, so compatible sources could not tell them apart",
                suggested_fix="rename one of the step types")
        self._keys[step_key(spec.step_type)] = spec.step_type
        self._specs[spec.step_type] = spec
        self._sources[spec.step_type] = source

    def __contains__(self, step_type: object) -> bool:
        return step_type in self._specs

    def __iter__(self) -> Iterator[StepSpecification]:
        return (self._specs[name] for name in sorted(self._specs))

    def __len__(self) -> int:
        return len(self._specs)

    def step_types(self) -> list[str]:
        return sorted(self._specs)

    def source(self, step_type: str) -> str:
        return self._sources[step_type]

    def get(self, step_type: str) -> StepSpecification:
        try:
            return self._specs[step_type]
        except KeyError:
            raise unknown_step(step_type, self._specs) from None

    def check_data_types(self) -> None:
        """Refuse two data types that normalise alike but are written differently in more than case
        and separators (`C++` and `C#` both normalise to `c`): they would match each other silently."""
        seen: dict[str, tuple[str, str]] = {}
        for spec in self:
            for variant in [spec] + [spec.for_job(j) for j in sorted(spec.job_type_variants)]:
                written = [(f"outputs.{o.logical_name}.data_type", o.data_type) for o in variant.outputs]
                written += [(f"dependencies.{d.logical_name}.data_types", t) for d in variant.dependencies
                            for t in d.data_types]
                for where, data_type in written:
                    normal = norm_name(data_type)
                    first = seen.setdefault(normal, (data_type, f"{self._sources[spec.step_type]}: "
                                                                f"{spec.step_type}.{where}"))
                    if collision_key(first[0]) != collision_key(data_type):
                        raise SpecPackError(
                            f"{self._sources[spec.step_type]}: {spec.step_type}.{where}: data type {data_type!r} "
                            f"and {first[0]!r} ({first[1]}) are different names that normalise to the same "
                            f"{normal!r}, so they would match each other",
                            suggested_fix="spell one of them with letters or digits that tell them apart "
                                          "(e.g. cpp and csharp)")

    def check_sources(self) -> list[SpecWarning]:
        """Warn about compatible sources that name no known step type (a typo never matches)."""
        found: list[SpecWarning] = []
        known = frozenset(self._specs)
        names = step_names(known)
        for spec in self:
            variants = [spec] + [spec.for_job(j) for j in sorted(spec.job_type_variants)]
            for variant in variants:
                for dep in variant.dependencies:
                    for src in dep.compatible_sources:
                        base = split_qualified_source(src)[0]
                        if step_key(base) in names:
                            continue
                        msg = (
                            f"{spec.step_type}.dependencies.{dep.logical_name}.compatible_sources: "
                            f"{src!r} names no known step type"
                        )
                        found.append(SpecWarning(self._sources[spec.step_type], msg, (base, known)))
        unique = {(w.source, w.text): w for w in found}
        return [unique[k] for k in sorted(unique)]


def step_names(step_types: Iterable[str]) -> dict[str, str]:
    """Each step type by its `step_key`: how a compatible source finds the step type it names."""
    return {step_key(name): name for name in step_types}


def split_qualified_source(source: str) -> tuple[str, str | None]:
    """`TabularPreprocessing:training` (or `_training`, `-Training`) → (type, job type).

    A compatible source may name a job type to say "the training instance of this step"; the
    suffix is only taken as a job type when it is one of the standard ones, so a step type
    whose name contains an underscore stays whole.
    """
    if ":" in source:
        base, job = source.rsplit(":", 1)
        return base, job.lower() or None
    for sep in ("_", "-"):
        if sep in source:
            base, job = source.rsplit(sep, 1)
            if job.lower() in STANDARD_JOB_TYPES:
                return base, job.lower()
    return source, None


def unknown_step(step_type: str, known: Iterable[str]) -> UnknownStepError:
    close = did_you_mean(step_type, known)
    fix = (
        "did you mean " + " or ".join(repr(c) for c in close) + "?"
        if close
        else "run `specwire steps list` to see the step types of the catalog"
    )
    return UnknownStepError(f"unknown step type {step_type!r}", suggested_fix=fix, compatible_sources=close)


# --------------------------------------------------------------------------- loading


def builtin_catalog_files() -> list[Path]:
    folder = resources.files("specwire.specs") / "catalog"
    return sorted(Path(str(folder)) / name.name for name in folder.iterdir() if name.name.endswith(".yaml"))


#: Spec packs of installed plugins, by plugin name: part of the built-in catalog wherever `builtin`
#: is loaded (added by `specwire.pipeline.plugins.install`).
PLUGIN_PACKS: dict[str, tuple[Path, ...]] = {}


def origin_of(source: str) -> str:
    """Where a step type comes from, for listings: `builtin`, `plugin NAME`, or its pack file."""
    if Path(source).parent == Path(str(resources.files("specwire.specs") / "catalog")):
        return BUILTIN
    for name, packs in PLUGIN_PACKS.items():
        if Path(source) in packs:
            return f"plugin {name}"
    return source


def load_registry(paths: Iterable[str | Path] | None = None) -> SpecRegistry:
    """Load the catalog: the built-in one when `paths` is empty or None, else exactly the given packs.

    `builtin` among the paths stands for the built-in catalog, so a team can extend it.
    """
    registry = SpecRegistry()
    items = list(paths or [BUILTIN])
    for item in items:
        if str(item) == BUILTIN:
            for path in builtin_catalog_files():
                load_pack(path, registry)
            for name in sorted(PLUGIN_PACKS):
                for path in PLUGIN_PACKS[name]:
                    load_pack(path, registry)
            continue
        path = Path(item)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in _PACK_SUFFIXES and p.is_file())
            if not files:
                raise SpecPackError(f"{path}: the folder holds no .yaml, .yml or .json spec pack")
            for file in files:
                load_pack(file, registry)
        else:
            load_pack(path, registry)
    registry.check_data_types()
    registry.warnings.extend(registry.check_sources())
    return registry


def load_pack(path: Path, registry: SpecRegistry) -> None:
    document, raw = read_document_bytes(path, what="spec pack", error=SpecPackError)
    registry._file_digests[str(path)] = hashlib.sha256(raw).hexdigest()  # the bytes parsed, not a second read
    for spec in parse_pack(document, str(path)):
        registry.add(spec, str(path))


def parse_pack(document: Any, source: str) -> list[StepSpecification]:
    """The specs of one parsed document: a spec, a list of specs, `{specs: [...]}`, or a cursus catalog."""
    if isinstance(document, Mapping) and cursus.is_cursus_catalog(document):
        entries = [(f"step_specifications[{i}]", e) for i, e in enumerate(cursus.catalog_entries(document, source))]
        convert = True
    elif isinstance(document, Mapping) and "specs" in document:
        extra = sorted(set(document) - {"specs", "version", "description"}, key=str)  # keys of any YAML type
        if extra:
            raise SpecPackError(f"{source}: unknown top-level field {extra[0]!r} (expected 'specs')")
        if not isinstance(document["specs"], list):
            raise SpecPackError(f"{source}: 'specs' must be a list of step specifications")
        entries = [(f"specs[{i}]", e) for i, e in enumerate(document["specs"])]
        convert = False
    elif isinstance(document, Mapping):
        entries = [("", document)]
        convert = False
    elif isinstance(document, list):
        entries = [(f"[{i}]", e) for i, e in enumerate(document)]
        convert = False
    elif document is None:
        raise SpecPackError(f"{source}: the spec pack is empty")
    else:
        raise SpecPackError(
            f"{source}: expected a step specification, a list of them, or {{specs: [...]}}, "
            f"found {type(document).__name__}"
        )
    specs: list[StepSpecification] = []
    for where, entry in entries:
        if not isinstance(entry, Mapping):
            raise SpecPackError(f"{source}: {where or 'the document'} must be a mapping, found {type(entry).__name__}")
        data = cursus.convert_spec(entry, source, where) if convert else entry
        specs.append(validate_spec(data, source, where))
    return specs


def validate_spec(data: Mapping[str, Any], source: str, where: str = "") -> StepSpecification:
    try:
        return StepSpecification.model_validate(data)
    except ValidationError as exc:
        raise SpecPackError(_describe(exc, data, source, where)) from None


def _describe(exc: ValidationError, data: Mapping[str, Any], source: str, where: str) -> str:
    name = data.get("step_type") if isinstance(data, Mapping) else None
    if name is not None and not (isinstance(name, str) and name.isprintable() and len(name) <= 200):
        name = brief(name)  # a step type that is not one line of text is shown quoted and cut short
    label = f"{where} ({name})" if where and name else (str(name) if name else where)
    problems = []
    for err in exc.errors()[:5]:
        loc = tuple(err["loc"])
        path = field_path(loc)
        full = f"{label}.{path}" if label and path else (label or path)
        if err["type"] == "extra_forbidden":
            field_name = str(loc[-1])
            known = _known_fields(loc[:-1])
            hint = suggestion_text(field_name, known)
            problems.append(f"{full}: unknown field {field_name!r}" + (f" ({hint})" if hint else ""))
        elif err["type"] == "missing":
            problems.append(f"{full}: required field is missing")
        else:
            # "a valid tuple" is Python's word for what a spec file writes as a list.
            text = err["msg"].removeprefix("Value error, ").replace("a valid tuple", "a list")
            problems.append(f"{full}: {text}")
    more = len(exc.errors()) - 5
    tail = f" (and {more} more)" if more > 0 else ""
    return f"{source}: " + "; ".join(problems) + tail


def _known_fields(parent_loc: tuple[Any, ...]) -> list[str]:
    names = [p for p in parent_loc if isinstance(p, str)]
    model: type[BaseModel] = StepSpecification
    if names and names[-1] == "implementation":
        model = Implementation
    elif names and names[0] == "job_type_variants" and len(names) == 2:
        model = JobTypeVariant
    elif names and names[-1] == "dependencies":
        model = DependencySpec
    elif names and names[-1] == "outputs":
        model = OutputSpec
    return list(model.model_fields)

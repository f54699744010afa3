"""Policy rules: where they come from, what they may read, and the facts specwire gives them.

Policy files are `.lp` files that derive `violation(Id, Message, Args)` (a hard rule: the
pipeline fails with a `policy` diagnostic) or `prefer(Id, Weight, Args)` (a soft rule: the wiring
avoids the cost when it can). docs/policies.md is the guide; `VOCABULARY` below is the contract
that `specwire rules check` checks files against.

Where they come from, in this order (each adds to the ones before; nothing is replaced):

1. the folders of the settings file in the current directory: `specwire.toml` (a `[policies]`
   table) or else `pyproject.toml` (`[tool.specwire.policies]`), with `dirs = [...]` (relative to
   the file) and `packs = ["builtin"]`;
2. the folders of the `SPECWIRE_POLICY_PATH` environment variable, separated by `os.pathsep`
   (an organisation's folder, then a team's);
3. the packs asked for with `--policy-pack` (`builtin`: the example pack of `specwire/rules/policies/`);
4. the files and folders given with `--rules`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specwire.errors import BadInputError, RuleFileError, suggestion_text
from specwire.plan import check_environment

if TYPE_CHECKING:
    from clingo import Symbol

    from specwire.configs.base import StepConfig

ENV_VAR = "SPECWIRE_POLICY_PATH"
SETTINGS_FILE = "specwire.toml"
BUILTIN_PACK = "builtin"
PACKS = (BUILTIN_PACK,)
_SETTINGS_KEYS = ("dirs", "packs")


@dataclass(frozen=True)
class Predicate:
    """One predicate of the policy vocabulary."""

    signature: str
    meaning: str
    #: "pipeline", "wiring", "catalog", "context", "derived by specwire"; "output" for what a policy derives.
    group: str


#: What a policy may read, and (group "output") what it may derive. docs/policies.md documents each.
VOCABULARY: tuple[Predicate, ...] = (
    Predicate("node/1", "N is a node the pipeline names (a string)", "pipeline"),
    Predicate("node_step/2", "node N is of step type T (a string, e.g. \"XGBoostTraining\")", "pipeline"),
    Predicate("node_job/2", "node N has job type J (training, calibration, ...; `none` when it has none)",
              "pipeline"),
    Predicate("explicit/2", "the pipeline file has an edge N1 -> N2", "pipeline"),
    Predicate("use/4", "the chosen wiring: output O of N1 feeds dependency D of N2", "wiring"),
    Predicate("wired/2", "the chosen wiring at node level: N1 feeds N2", "wiring"),
    Predicate("provided/2", "dependency D of node N is wired", "wiring"),
    Predicate("insert/1", "step new(T, J) is inserted to fill a gap (with --fill-gaps)", "wiring"),
    Predicate("present/1", "N is a node of the final pipeline, written or inserted", "wiring"),
    Predicate("step_of/2", "node N of the final pipeline, written or inserted, is of step type T", "wiring"),
    Predicate("job_of/2", "node N of the final pipeline has job type J (`none` when it has none)", "wiring"),
    Predicate("edge_type/5", "chosen edge use(N1, O, N2, D) carries data of type DT", "wiring"),
    Predicate("step_kind/2", "step type T is built as a SageMaker step of kind K (\"Training\", "
              "\"Processing\", \"Tuning\", \"Transform\", \"CreateModel\", \"RegisterModel\", \"Condition\", ...)",
              "catalog"),
    Predicate("output_type/3", "output O of step type T holds data of type DT (raw_tabular, model_artifacts, ...)",
              "catalog"),
    Predicate("input_type/3", "dependency D of step type T accepts data of type DT", "catalog"),
    Predicate("environment/1", "the pipeline runs in environment E (dev, prod, ...), when its context names one",
              "context"),
    Predicate("context/2", "field F of the pipeline's context has value V (region, data_size_gb, ...)", "context"),
    Predicate("config/3", "field F of node N's generated config has value V (instance_type, "
              "\"hyperparameters.max_depth\", ...)", "context"),
    Predicate("instance_type/2", "node N runs on instance type T (\"ml.m5.xlarge\"; any config field named "
              "instance_type)", "context"),
    Predicate("instance_family/2", "node N runs on instances of family F (\"m5\", \"g5\", \"p3\", ...)", "context"),
    Predicate("gpu_instance/2", "node N runs on GPU instance type T (families g* and p*)", "context"),
    Predicate("violation/3", "violation(Id, Message, Args): a hard rule is broken; the pipeline fails", "output"),
    Predicate("prefer/3", "prefer(Id, Weight, Args): a soft cost; the wiring with the least total is chosen",
              "output"),
)

#: Signatures a policy derives for specwire to read.
OUTPUTS = frozenset(p.signature for p in VOCABULARY if p.group == "output")
#: Signatures a policy may read.
READABLE = frozenset(p.signature for p in VOCABULARY if p.group != "output")


# --------------------------------------------------------------------------- files


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


def pack_dir(name: str) -> Path:
    """The folder of a built-in policy pack (`builtin`: specwire/rules/policies/)."""
    if name != BUILTIN_PACK:
        hint = suggestion_text(name, PACKS)
        raise BadInputError(f"no policy pack named {name!r}" + (f" ({hint})" if hint else ""),
                            suggested_fix="packs: " + ", ".join(PACKS))
    return Path(str(resources.files("specwire.rules") / "policies"))


@dataclass(frozen=True)
class Settings:
    """The policy part of a settings file."""

    source: Path | None = None
    dirs: tuple[Path, ...] = ()
    packs: tuple[str, ...] = ()


def read_settings(cwd: Path | None = None) -> Settings:
    """`specwire.toml`'s `[policies]`, else `pyproject.toml`'s `[tool.specwire.policies]`, in `cwd`."""
    folder = cwd or Path.cwd()
    own = folder / SETTINGS_FILE
    if own.is_file():
        table = _toml(own).get("policies", {})
        return _settings(own, table, "[policies]")
    project = folder / "pyproject.toml"
    if project.is_file():
        try:
            text = project.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return Settings()
        if "tool.specwire" not in text:  # most projects: no TOML parse at all
            return Settings()
        tool = _toml(project).get("tool", {})
        table = tool.get("specwire", {}).get("policies", {}) if isinstance(tool, dict) else {}
        return _settings(project, table, "[tool.specwire.policies]")
    return Settings()


def _toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise BadInputError(f"{path}: cannot be read as TOML ({exc})") from None


def _settings(path: Path, table: Any, where: str) -> Settings:
    if not isinstance(table, dict):
        raise BadInputError(f"{path}: {where}: expected a table")
    for key in table:
        if key not in _SETTINGS_KEYS:
            hint = suggestion_text(str(key), _SETTINGS_KEYS)
            raise BadInputError(f"{path}: {where}: unknown key {key!r}" + (f" ({hint})" if hint else ""),
                                suggested_fix="keys: " + ", ".join(_SETTINGS_KEYS))
    dirs, packs = table.get("dirs", []), table.get("packs", [])
    for key, value in (("dirs", dirs), ("packs", packs)):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise BadInputError(f"{path}: {where}.{key}: expected a list of strings")
    return Settings(path, tuple(_folder(path.parent / d, f"{path}: {where}.dirs") for d in dirs), tuple(packs))


def _folder(path: Path, where: str) -> Path:
    if not path.is_dir():
        raise RuleFileError(f"{where}: {path}: no such folder",
                            suggested_fix="create the folder or remove it from the policy path")
    return path


def env_dirs(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The folders of SPECWIRE_POLICY_PATH, in order; empty entries are skipped."""
    value = (os.environ if environ is None else environ).get(ENV_VAR, "")
    return [_folder(Path(part), ENV_VAR) for part in value.split(os.pathsep) if part.strip()]


def discover_policies(rules: Sequence[str | Path] = (), packs: Sequence[str] = (), *, cwd: Path | None = None,
                      environ: Mapping[str, str] | None = None, use_settings: bool = True) -> list[Path]:
    """Every policy file to load: settings folders, SPECWIRE_POLICY_PATH, packs, then `rules`."""
    sources: list[str | Path] = []
    all_packs = list(packs)
    if use_settings:
        settings = read_settings(cwd)
        sources.extend(settings.dirs)
        all_packs = [*settings.packs, *all_packs]
        sources.extend(env_dirs(environ))
    for pack in dict.fromkeys(all_packs):
        sources.append(pack_dir(pack))
    sources.extend(rules)
    return policy_files(sources)


# --------------------------------------------------------------------------- facts


def context_facts(context: Mapping[str, Any]) -> tuple[Symbol, ...]:
    """`environment(E)` and `context(Field, Value)` for the scalar fields of a pipeline's context."""
    from clingo import Function

    from specwire.engine.terms import atom

    facts: list[Symbol] = []
    for key in sorted(context):
        value = context[key]
        if key == "environment" and value is not None:
            facts.append(Function("environment", [atom(check_environment(value, "context.environment"))]))
        for field, item in _flatten(str(key), value):
            facts.append(Function("context", [_field(field), _value(item)]))
    return tuple(facts)


def config_facts(configs: Mapping[str, StepConfig]) -> tuple[Symbol, ...]:
    """`config(Node, Field, Value)` for each generated config, with `instance_type/2`, `instance_family/2`
    and `gpu_instance/2`.

    The pipeline-wide fields (region, role, bucket, ...) and the computed S3 paths are left out:
    they are the same for every node (see `context/2`). Nested fields are dotted strings
    (`"hyperparameters.max_depth"`), a list gives one fact per item, a float is a string
    (`"0.7"`: clingo has integers only), a bool is the constant `true` or `false`.
    """
    from clingo import Function, String

    from specwire.configs.base import BasePipelineConfig

    skip = set(BasePipelineConfig.PIPELINE_FIELDS) | {"node_name", "step_type"}
    facts: list[Symbol] = []
    for node, config in configs.items():
        n = String(node)
        data = config.model_dump(mode="json", exclude=skip | set(type(config).model_computed_fields))
        instances: set[str] = set()
        for field, value in _flatten("", data):
            facts.append(Function("config", [n, _field(field), _value(value)]))
            if field.rsplit(".", 1)[-1] == "instance_type" and isinstance(value, str):
                instances.add(value)
        for instance in sorted(instances):
            facts.append(Function("instance_type", [n, String(instance)]))
            family = instance_family(instance)
            if family:
                facts.append(Function("instance_family", [n, String(family)]))
                if is_gpu_family(family):
                    facts.append(Function("gpu_instance", [n, String(instance)]))
    return tuple(facts)


def instance_family(instance_type: str) -> str | None:
    """`ml.g5.xlarge` -> `g5`; None for a value that is not an instance type."""
    parts = instance_type.split(".")
    return parts[1] if len(parts) == 3 and parts[0] == "ml" and parts[1] else None


def is_gpu_family(family: str) -> bool:
    """SageMaker's GPU families: p2-p6 and g4dn, g5, g6, ... (Inferentia and Trainium are not GPUs)."""
    return re.fullmatch(r"[pg]\d+[a-z]*", family) is not None


def pipeline_policy_facts(nodes: Sequence[Any], context: Mapping[str, Any] | None = None,
                          overrides: Mapping[str, Any] | None = None,
                          environment: str | None = None,
                          edges: Sequence[tuple[str, str]] = ()) -> tuple[Symbol, ...]:
    """The context and config facts of a pipeline, for `ResolveOptions.extra_facts`.

    `nodes` are the written nodes (anything with name, step_type, job_type). Configs are generated
    (specwire.configs) for the nodes whose step type has a config class, from the context and
    overrides; the context's missing essentials (role, bucket, data location) get stand-ins, which
    no fact reports. `environment` wins over the context's.
    """
    from specwire.configs import GenerationContext
    from specwire.configs.registry import CONFIG_CLASSES

    ctx = dict(context or {})
    if environment:
        ctx["environment"] = environment
    facts = list(context_facts(ctx))
    wanted = [n for n in nodes if n.step_type in CONFIG_CLASSES]
    if not wanted:
        return tuple(facts)
    known = set(GenerationContext.model_fields)
    data: dict[str, Any] = {"pipeline_name": "policy-check", "region": "us-east-1",
                            "role_arn": "arn:aws:iam::000000000000:role/policy-check", "bucket": "policy-check",
                            "data_location": "s3://policy-check/data/"}
    data.update({k: v for k, v in ctx.items() if k in known})
    if data.get("environment") not in ("dev", "prod"):
        data.pop("environment", None)
    names = {n.name for n in wanted}
    types = {n.step_type for n in wanted}
    scoped = {k: v for k, v in (overrides or {}).items() if k in names or k in types}
    configs = _policy_configs(wanted, GenerationContext.from_data(data), scoped, edges)
    facts.extend(config_facts(configs))
    return tuple(facts)


def _policy_configs(nodes: Sequence[Any], context: Any, overrides: Mapping[str, Any],
                    edges: Sequence[tuple[str, str]]) -> Mapping[str, StepConfig]:
    """The configs policies read. A node whose config cannot be settled before the wiring is known
    (which trainer's model an evaluation loads, in a pipeline training two) gets no config facts
    here rather than failing the resolve: `build`, which knows the wiring, generates it for real."""
    from specwire.configs import generate_configs
    from specwire.errors import ConfigError

    wanted = list(nodes)
    while wanted:
        try:
            return generate_configs(wanted, context, overrides, edges=edges)
        except ConfigError as exc:
            unsettled = set(exc.nodes)
            if not unsettled or not unsettled & {n.name for n in wanted}:
                raise
            wanted = [n for n in wanted if n.name not in unsettled]
    return {}


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, Mapping):
        for key in sorted(value, key=str):
            yield from _flatten(f"{prefix}.{key}" if prefix else str(key), value[key])
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            if not isinstance(item, Mapping | list | tuple):
                yield prefix, item
    elif value is not None:
        yield prefix, value


def _field(name: str) -> Symbol:
    from specwire.engine.terms import atom

    return atom(name)


def _value(value: Any) -> Symbol:
    from clingo import Function, Number, String

    if isinstance(value, bool):
        return Function("true" if value else "false")
    if isinstance(value, int) and -(2**31) <= value < 2**31:
        return Number(value)
    return String(str(value))


def resolve_policies(definition: Any, rules: Sequence[str | Path] = (), packs: Sequence[str] = (),
                     environment: str | None = None) -> tuple[list[Path], tuple[Symbol, ...]]:
    """What `specwire resolve` loads: the policy files, and (when there are any) the pipeline's facts.

    `definition` is the pipeline as written (its `context` and `overrides` feed the config facts).
    Without policy files nothing is generated, so a resolve without policies pays nothing.
    """
    if environment is not None:
        check_environment(environment, "--environment")  # the same rule with or without policies
    files = discover_policies(rules, packs)
    if not files:
        return files, ()
    extra = getattr(definition, "extra", {}) or {}
    context = dict(extra.get("context") or {}) if isinstance(extra.get("context"), Mapping) else {}
    overrides = extra.get("overrides") if isinstance(extra.get("overrides"), Mapping) else {}
    if not reads_configs(files):  # generating configs costs their import (~0.1 s): only when read
        if environment:
            context["environment"] = environment
        return files, context_facts(context)
    edges = list(getattr(definition, "edges", ()) or ())
    return files, pipeline_policy_facts(definition.nodes, context, overrides, environment, edges)


_CONFIG_PREDICATES = re.compile(r"\b(config|instance_type|instance_family|gpu_instance)\s*\(")


def reads_configs(files: Iterable[Path]) -> bool:
    """Whether a policy file names a config predicate (a text search: a comment counts too)."""
    for path in files:
        try:
            if _CONFIG_PREDICATES.search(path.read_text(encoding="utf-8", errors="replace")):
                return True
        except OSError:
            return True
    return False

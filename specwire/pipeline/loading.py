"""Building a `Pipeline` from configs (level 3) or from a pipeline file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from specwire.errors import ConfigError, PipelineFileError, brief, did_you_mean
from specwire.pipeline.state import RequestedStep
from specwire.plan import check_environment

#: The name of a pipeline made of configs that name none (configs made on their own).
DEFAULT_NAME = "specwire-pipeline"

if TYPE_CHECKING:
    from specwire.configs import StepConfig
    from specwire.pipeline.api import Pipeline
    from specwire.specs.registry import SpecRegistry


def from_configs(cls: type[Pipeline],
    configs: Iterable[StepConfig] | Mapping[str, StepConfig],
    *,
    auto_resolve_dependencies: bool = True,
    dag: Iterable[tuple[str, str]] | Mapping[str, Iterable[str]] | None = None,
    name: str | None = None,
    catalog: SpecRegistry | Sequence[str | Path] | None = None,
    rules: Sequence[str | Path] = (),
    policy_packs: Sequence[str] = (),
    description: str | None = None,
) -> Pipeline:
    """A pipeline of config objects, one node each (named by `node_name`).

    With `auto_resolve_dependencies` the engine wires the nodes and inserts missing steps;
    without it, a missing input is an error. `dag` gives explicit edges, as pairs
    `(provider, consumer)` or a mapping `provider -> [consumers]`: they are checked against
    the specs, never trusted (an edge from raw data into training is an IncompatibleStepsError
    suggesting the step that belongs between). A `dag` without `auto_resolve_dependencies` is
    the config-driven way: only its edges are wired, and an input they leave empty is an
    error naming the edge to add.
    """
    from specwire.configs import StepConfig

    items = list(configs.items()) if isinstance(configs, Mapping) else [(None, c) for c in configs]
    if not items:
        raise ConfigError("from_configs: no configs given")
    given: list[StepConfig] = []
    for key, config in items:
        if not isinstance(config, StepConfig):
            raise ConfigError(f"from_configs: expected step config objects, got {type(config).__name__}")
        if key is not None and key != config.node_name:
            raise ConfigError(f"from_configs: configs[{key!r}] holds the config of node {config.node_name!r}",
                              suggested_fix="key the mapping by each config's node_name")
        given.append(config)
    # Each pipeline field from the first config that set it; configs made on their own set none
    # and take the pipeline's (role, bucket, region defaults, see Pipeline).
    shared: dict[str, Any] = {}
    for config in given:
        for key in config.PIPELINE_FIELDS:
            if key in config.model_fields_set and getattr(config, key) is not None:
                shared.setdefault(key, getattr(config, key))
    settings = {key: shared[key] for key in given[0].JOB_SETTINGS if key in shared}
    pipeline = cls(name or shared.get("pipeline_name") or DEFAULT_NAME, role_arn=shared.get("role_arn"),
                   region=shared.get("region"), bucket=shared.get("bucket"), prefix=shared.get("prefix", ""),
                   tags=shared.get("tags"), version=shared.get("pipeline_version", "1.0.0"),
                   description=description, catalog=catalog, rules=rules, policy_packs=policy_packs,
                   fill_gaps=auto_resolve_dependencies, **settings)
    # Inserted steps share the given configs' S3 layout, even when `name` renames the pipeline.
    pipeline._config_pipeline_name = shared.get("pipeline_name")
    registry = pipeline.registry
    seen: set[str] = set()
    for config in given:
        if config.node_name in seen:
            raise ConfigError(f"from_configs: two configs are for node {config.node_name!r}",
                              suggested_fix="give every config its own node_name")
        seen.add(config.node_name)
        if config.STEP_TYPE not in registry:
            from specwire.specs.registry import unknown_step

            raise unknown_step(config.STEP_TYPE, registry.step_types())
        pipeline._steps.append(RequestedStep(config.node_name, config.STEP_TYPE, config.job_type, config=config))
        source = getattr(config, "source_s3_uri", None)
        if isinstance(source, str):
            pipeline._data_locations.setdefault(config.job_type, source)
    for source, target in _dag_edges(dag):
        pipeline.connect(source, target)
    pipeline.strict_edges = dag is not None and not auto_resolve_dependencies
    pipeline._changed()
    return pipeline


def from_file(cls: type[Pipeline], path: str | Path, *, role_arn: str | None = None, region: str | None = None,
              bucket: str | None = None, fill_gaps: bool = False,
              catalog: SpecRegistry | Sequence[str | Path] | None = None,
              rules: Sequence[str | Path] = (), policy_packs: Sequence[str] = ()) -> Pipeline:
    """A pipeline file (the format `specwire resolve --pipeline` reads).

    Besides `nodes` and `edges`, the file may hold `context` (the pipeline's shared fields and
    what the config generator knows: `data_location`, `region`, `bucket`, `role_arn`,
    `environment`, `label_field`, ...), `overrides` (by node name or step type), a `config`
    mapping per node, and `deployment` (the endpoint and monitoring settings of
    `deploy_with_monitoring`, used after approval by `specwire deploy --endpoint`). Arguments
    given here win over the file's `context`.
    """
    from specwire.configs.base import BasePipelineConfig
    from specwire.engine.pipeline_def import parse_pipeline
    from specwire.specs.files import read_document

    job_settings = BasePipelineConfig.JOB_SETTINGS

    source = str(path)
    document = read_document(Path(path), what="pipeline file", error=PipelineFileError)
    definition = parse_pipeline(document, source)
    context = _mapping(definition.extra.get("context") or {}, f"{source}: context")
    overrides = _mapping(definition.extra.get("overrides") or {}, f"{source}: overrides")
    known = {"data_location", "data_locations", "data_format", "data_size_gb", "environment", "label_field",
             "pipeline_name", "region", "role_arn", "bucket", "prefix", "tags", "pipeline_version",
             # How every job runs (VPC, KMS, isolation, caching, retries), as Pipeline(...) takes them.
             *job_settings}
    for key in context:
        if key not in known:
            close = did_you_mean(str(key), known)
            raise PipelineFileError(
                f"{source}: context.{key} is not a context field"
                + (f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""),
                suggested_fix="context fields: " + ", ".join(sorted(known)),
            )
    _check_context(context, source)
    pipeline = cls(
        str(context.get("pipeline_name") or definition.name),
        role_arn=role_arn or context.get("role_arn"),
        region=region or context.get("region"),
        bucket=bucket or context.get("bucket"),
        prefix=str(context.get("prefix", "")),
        tags=context.get("tags"),
        version=str(context.get("pipeline_version", "1.0.0")),
        description=document.get("description") if isinstance(document.get("description"), str) else None,
        catalog=catalog, rules=rules, policy_packs=policy_packs, fill_gaps=fill_gaps,
        environment=check_environment(context.get("environment", "prod"), f"{source}: context.environment"),
        data_size_gb=context.get("data_size_gb"),
        label_field=context.get("label_field"),
        **{key: context[key] for key in job_settings if key in context},
    )
    if "data_location" in context:
        pipeline._data_locations[None] = str(context["data_location"])
    for job, uri in _mapping(context.get("data_locations") or {}, f"{source}: context.data_locations").items():
        pipeline._data_locations[str(job)] = str(uri)
    pipeline._context_extra = {k: context[k] for k in ("data_format",) if k in context}
    node_configs = _node_configs(document)
    for node in definition.nodes:
        settings = _mapping(node_configs.get(node.name) or {}, f"{source}: nodes.{node.name}.config")
        pipeline._steps.append(RequestedStep(node.name, node.step_type, node.job_type, dict(settings)))
    pipeline._edges = list(definition.edges)
    pipeline._file_overrides = {str(k): dict(_mapping(v, f"{source}: overrides.{k}"))
                                for k, v in overrides.items()}
    if "deployment" in document:
        from specwire.pipeline.endpoint import REGISTRATION, parse_block

        pipeline._deployment = parse_block(document["deployment"], source)
        if not any(node.step_type == REGISTRATION for node in definition.nodes):
            raise PipelineFileError(
                f"{source}: deployment: the pipeline registers no model, so there is nothing to deploy after approval",
                suggested_fix=f"add a node {{name: {REGISTRATION}, step: {REGISTRATION}}} (its approval gates the "
                "deployment)")
    pipeline._changed()
    return pipeline


def _dag_edges(dag: Iterable[tuple[str, str]] | Mapping[str, Iterable[str]] | None) -> list[tuple[str, str]]:
    if dag is None:
        return []
    if isinstance(dag, Mapping):
        return [(str(a), str(b)) for a, targets in dag.items() for b in targets]
    edges: list[tuple[str, str]] = []
    for i, edge in enumerate(dag):
        if not isinstance(edge, list | tuple) or len(edge) != 2:
            raise ConfigError(f"dag[{i}]: expected a (provider, consumer) pair, got {edge!r}")
        edges.append((str(edge[0]), str(edge[1])))
    return edges


#: Context fields read as text (a version written 1.0 is "1.0"; a name is sanitised later): any
#: scalar will do, a list or mapping is a mistake.
_TEXT_CONTEXT = ("pipeline_name", "prefix", "pipeline_version", "data_location")


def _check_context(context: Mapping[str, Any], source: str) -> None:
    """Check each context value by the field of the generation context it becomes (the one
    definition of its type) before the pipeline uses any: a list where a role ARN belongs, or a
    number where tags belong, is an error naming the file and field, never a crash further on."""
    from pydantic import TypeAdapter, ValidationError

    from specwire.configs.generator import GenerationContext
    from specwire.configs.messages import format_problems

    for key, value in context.items():
        where = f"{source}: context.{key}"
        if key in _TEXT_CONTEXT or key == "data_locations":
            values = value.values() if key == "data_locations" and isinstance(value, Mapping) else [value]
            for item in values:
                if isinstance(item, bool) or not isinstance(item, str | int | float):
                    raise ConfigError(f"{where}: expected text, got {brief(item)}")
            continue
        field = GenerationContext.model_fields.get(str(key))
        if field is None or key == "environment":  # environments: plan.check_environment, below
            continue
        try:
            kind: Any = Annotated[field.annotation, *field.metadata] if field.metadata else field.annotation
            TypeAdapter(kind).validate_python(value)
        except ValidationError as exc:
            message, fix = format_problems(exc, where)
            raise ConfigError(message, suggested_fix=fix) from None


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise PipelineFileError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _node_configs(document: Any) -> dict[str, Any]:
    configs: dict[str, Any] = {}
    for raw in document.get("nodes") or []:
        if isinstance(raw, Mapping) and "config" in raw:
            step = raw.get("step", raw.get("step_type"))
            configs[str(raw.get("name", step))] = raw["config"]
    return configs

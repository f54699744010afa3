"""From a resolved plan to configs: the pipeline's context, its overrides, and what policies may read."""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specwire.errors import ConfigError, SpecwireError, SpecwireWarning
from specwire.pipeline.roles import role_of
from specwire.pipeline.state import ROLE_ENV

if TYPE_CHECKING:
    from specwire.configs import StepConfig
    from specwire.engine.resolver import Resolver
    from specwire.pipeline.api import Pipeline
    from specwire.plan import ResolvedPipeline
    from specwire.specs.registry import SpecRegistry


def policy_facts(pipeline: Pipeline, definition: Any) -> tuple[Any, ...]:
    """With policy files, what they may test: the context and each written node's config."""
    if not pipeline.resolver.rule_files:
        return ()
    from specwire.policy.facts import pipeline_policy_facts

    context: dict[str, Any] = {"environment": pipeline.environment, "region": pipeline.aws_region}
    for key, value in (("bucket", pipeline.bucket), ("role_arn", pipeline.role_arn or os.environ.get(ROLE_ENV)),
                       ("data_location", pipeline._data_locations.get(None)), ("label_field", pipeline.label_field),
                       ("data_size_gb", pipeline.data_size_gb)):
        if value is not None:
            context[key] = value
    overrides = {s.name: (s.config.inputs() if s.config is not None else s.overrides) for s in pipeline._steps}
    overrides = {k: {f: v for f, v in o.items() if f != "node_name"} for k, o in overrides.items() if o}
    try:
        return tuple(pipeline_policy_facts(definition.nodes, context, overrides, pipeline.environment))
    except SpecwireError:
        # A config problem is reported by configs(), where it belongs; policies then see no config facts.
        return tuple(pipeline_policy_facts(definition.nodes, {"environment": pipeline.environment}, {},
                                           pipeline.environment))


def generation_context(pipeline: Pipeline) -> Any:
    from specwire.configs import GenerationContext

    role = role_of(pipeline)
    region = pipeline.aws_region
    bucket = data_bucket(pipeline, role)
    locations = dict(pipeline._data_locations)
    default = locations.pop(None, None) or next(iter(locations.values()), None)
    if default is None:
        default = f"s3://{bucket}/data/"
        if "DataLoading" in {s.step_type for s in pipeline._steps} or (pipeline._resolved is not None and any(
                n.step_type == "DataLoading" for n in pipeline._resolved.nodes)):
            where = ("add `data_location: s3://...` to the pipeline file's context" if pipeline.interface == "cli"
                     else "load_data('s3://...'), or a DataLoading config's source_s3_uri")
            warnings.warn(
                f"pipeline {pipeline.name!r} does not say where its data is: its DataLoading step reads {default} "
                f"(deploying needs the real location: {where})",
                SpecwireWarning,
                stacklevel=5,
            )
    extra = pipeline._context_extra
    return GenerationContext.from_data({
        "pipeline_name": pipeline._config_pipeline_name or pipeline.sagemaker_name,
        "region": region, "role_arn": role, "bucket": bucket,
        "prefix": pipeline.prefix, "tags": pipeline.tags, "pipeline_version": pipeline.version,
        "data_location": default, "data_locations": {k: v for k, v in locations.items() if k},
        "environment": pipeline.environment, "data_size_gb": pipeline.data_size_gb, "label_field": pipeline.label_field,
        **pipeline.job_settings(), **extra,
    })


def data_bucket(pipeline: Pipeline, role: str) -> str:
    """The pipeline's bucket: `bucket`, else SageMaker's default one of the role's account."""
    account = role.split(":")[4] if role.count(":") >= 5 else ""
    # A malformed role is reported on its own: a bucket named after its (missing) account would
    # only add two more errors about a bucket the user never gave.
    account = account if account.isdigit() and len(account) == 12 else "000000000000"
    return pipeline.bucket or f"sagemaker-{pipeline.aws_region}-{account}"


def fallback_data_location(pipeline: Pipeline) -> str | None:
    """The location DataLoading reads when the pipeline names none (None: it names one)."""
    if pipeline._data_locations:
        return None
    return f"s3://{data_bucket(pipeline, role_of(pipeline))}/data/"


def generate(pipeline: Pipeline, result: ResolvedPipeline) -> dict[str, StepConfig]:
    from specwire.configs import generate_configs

    present = {n.step_type for n in result.nodes}
    names = {n.name for n in result.nodes}
    overrides: dict[str, dict[str, Any]] = {}
    for step_type, (origin, changes) in pipeline._type_overrides.items():
        if step_type not in present:
            raise ConfigError(
                f"{origin} configures the {step_type} step, but the plan has none",
                suggested_fix="add it (preprocess_tabular()) or drop the argument: the plan is "
                + " -> ".join(result.order),
            )
        overrides[step_type] = dict(changes)
    for key, changes in pipeline._file_overrides.items():
        if key not in names and key not in present:
            # Name it the way the config layer does (with its suggestions).
            overrides[key] = changes
            continue
        overrides[key] = {**overrides.get(key, {}), **changes}
    for step in pipeline._steps:
        own = step.config.inputs() if step.config is not None else step.overrides
        if step.config is not None:
            own = {k: v for k, v in own.items() if k != "node_name"}
        if own:
            overrides[step.name] = {**overrides.get(step.name, {}), **own}
    context = generation_context(pipeline)
    configs = generate_configs(result.nodes, context, overrides, edges=result.node_edges(),
                               classes=catalog_classes(pipeline))
    for step in pipeline._steps:
        if step.config is not None:
            # A config object keeps what it set; the pipeline fills the rest of the shared fields.
            configs[step.name] = step.config.attach(context.pipeline_fields())
    return configs


# --------------------------------------------------------------------------- helpers


def catalog_classes(pipeline: Pipeline) -> dict[str, type[StepConfig]]:
    """The config class of each step type of the pipeline's catalog (file-only ones generated)."""
    from specwire.configs.generated import registry_config_classes

    return registry_config_classes(pipeline.registry)


_RESOLVERS: dict[tuple[tuple[str, ...], tuple[Path, ...]], Resolver] = {}


def resolver_for(catalog: SpecRegistry | Sequence[str | Path] | None, rules: tuple[Path, ...],
                  packs: tuple[str, ...] = ()) -> Resolver:
    """One resolver per catalog and policy set, shared: stage one's matching is done once.

    Policies come from where `specwire resolve` finds them: the settings file's folders and
    packs, SPECWIRE_POLICY_PATH, `policy_packs`, then `rules`.
    """
    from specwire.engine.resolver import Resolver
    from specwire.pipeline.plugins import load_plugins
    from specwire.policy.sources import discover_policies
    from specwire.specs.registry import SpecRegistry, load_registry

    load_plugins()  # installed plugins' steps join the built-in catalog (broken ones are skipped)
    files = tuple(discover_policies(rules, packs))
    if isinstance(catalog, SpecRegistry):
        return Resolver(catalog, files)
    key = (tuple(str(c) for c in catalog) if catalog else (), files)
    if key not in _RESOLVERS:
        _RESOLVERS[key] = Resolver(load_registry(list(catalog) if catalog else None), files)
    return _RESOLVERS[key]


def stand_in_context() -> Any:
    from specwire.configs import GenerationContext

    return GenerationContext(pipeline_name="check", region="us-east-1",
                             role_arn="arn:aws:iam::000000000000:role/check", bucket="specwire-check",
                             data_location="s3://specwire-check/data/")

"""The facts a policy reads about a pipeline: its context, and each node's generated config.

Terms are made by the engine's term helpers (`specwire.engine.terms`): clingo is the engine's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specwire.engine.terms import Term, atom, fact, text_term, value_term
from specwire.plan import check_environment

if TYPE_CHECKING:
    from specwire.configs.base import StepConfig


def context_facts(context: Mapping[str, Any]) -> tuple[Term, ...]:
    """`environment(E)` and `context(Field, Value)` for the scalar fields of a pipeline's context."""
    facts: list[Term] = []
    for key in sorted(context):
        value = context[key]
        if key == "environment" and value is not None:
            facts.append(fact("environment", atom(check_environment(value, "context.environment"))))
        for field, item in _flatten(str(key), value):
            facts.append(fact("context", _field(field), _value(item)))
    return tuple(facts)


def config_facts(configs: Mapping[str, StepConfig]) -> tuple[Term, ...]:
    """`config(Node, Field, Value)` for each generated config, with `instance_type/2`, `instance_family/2`
    and `gpu_instance/2`.

    The pipeline-wide fields (region, role, bucket, ...) and the computed S3 paths are left out:
    they are the same for every node (see `context/2`). Nested fields are dotted strings
    (`"hyperparameters.max_depth"`), a list gives one fact per item, a float is a string
    (`"0.7"`: clingo has integers only), a bool is the constant `true` or `false`.
    """
    from specwire.configs.base import BasePipelineConfig

    skip = set(BasePipelineConfig.PIPELINE_FIELDS) | {"node_name", "step_type"}
    facts: list[Term] = []
    for node, config in configs.items():
        n = text_term(node)
        data = config.model_dump(mode="json", exclude=skip | set(type(config).model_computed_fields))
        instances: set[str] = set()
        for field, value in _flatten("", data):
            facts.append(fact("config", n, _field(field), _value(value)))
            if field.rsplit(".", 1)[-1] == "instance_type" and isinstance(value, str):
                instances.add(value)
        for instance in sorted(instances):
            facts.append(fact("instance_type", n, text_term(instance)))
            family = instance_family(instance)
            if family:
                facts.append(fact("instance_family", n, text_term(family)))
                if is_gpu_family(family):
                    facts.append(fact("gpu_instance", n, text_term(instance)))
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
                          edges: Sequence[tuple[str, str]] = ()) -> tuple[Term, ...]:
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


def _field(name: str) -> Term:
    return atom(name)


def _value(value: Any) -> Term:
    return value_term(value)


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

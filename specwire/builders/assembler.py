"""The assembler: a resolved plan and its configs become a SageMaker `Pipeline`.

It walks the plan in order and hands each builder, for every edge into its node, the
`OutputRef` of the provider's output, so each resolved edge is a property reference
(``{"Get": "Steps.<provider>...."}``) in the consumer's arguments and SageMaker orders the
steps by their data. The one edge that is not a value is a quality gate's `approval`: the
steps that consume it, and every step that depends on those, go in the gate's `if` branch,
and a `FailStep` named `<gate>-fail` is its `else` branch.

Per-run values are pipeline parameters: `InputDataUri` (the DataLoading source),
`<node>InstanceType` for every job, `ModelApprovalStatus` and `MetricThreshold` (named
`<node><kind>` when several nodes need their own).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from specwire.builders.base import BuildContext, BuiltStep, OutputRef
from specwire.builders.offline import offline_environment, offline_session
from specwire.builders.registry import builder_for_config
from specwire.configs.base import StepConfig
from specwire.errors import BuildError
from specwire.plan import ResolvedPipeline


@dataclass
class Assembly:
    """What one build produced: the SDK pipeline, each node's built step, and where each step sits."""

    pipeline: Any
    built: dict[str, BuiltStep]
    #: node -> the gate whose if branch holds it (None: top level).
    branch_of: dict[str, str | None]


def _check_inputs(resolved: ResolvedPipeline, configs: Mapping[str, StepConfig]) -> tuple[str, str]:
    resolved.raise_for_errors()
    names = [node.name for node in resolved.nodes]
    missing = [n for n in names if n not in configs]
    extra = sorted(set(configs) - set(names))
    if missing or extra:
        parts = ([f"no config for node(s) {', '.join(map(repr, missing))}"] if missing else []) + (
            [f"config(s) for unknown node(s) {', '.join(map(repr, extra))}"] if extra else []
        )
        raise BuildError(
            "the configs do not match the pipeline's nodes: " + "; ".join(parts),
            suggested_fix="generate the configs from this pipeline (specwire.configs.generate_configs) "
            "or fix the node names in the configs file",
            nodes=[*missing, *extra],
        )
    for node in resolved.nodes:
        config = configs[node.name]
        if node.step_type != config.STEP_TYPE:
            raise BuildError(
                f"node {node.name!r} is a {node.step_type} but its config is for {config.STEP_TYPE or type(config)}",
                suggested_fix="regenerate the node's config for its step type",
                nodes=[node.name],
            )
        if config.node_name != node.name:
            raise BuildError(
                f"the config given for node {node.name!r} names node {config.node_name!r}",
                suggested_fix="key each config by its own node_name",
                nodes=[node.name],
            )
    _check_gates(resolved, configs)
    unattached = {name: c.missing_pipeline_fields() for name, c in configs.items() if c.missing_pipeline_fields()}
    if unattached:
        first = next(iter(unattached))
        raise BuildError(
            f"the config of node {first!r} has no {', '.join(unattached[first])}: it was made on its own and "
            "never given to a pipeline",
            suggested_fix="give the configs to a Pipeline (Pipeline.from_configs([...]) or config=...), which fills "
            "the pipeline's fields, or set them on the config",
            nodes=sorted(unattached),
        )
    regions = sorted({c.region for c in configs.values() if c.region})
    buckets = sorted({c.bucket for c in configs.values() if c.bucket})
    if len(regions) != 1:
        raise BuildError(
            f"the configs name several regions ({', '.join(regions)}); a pipeline runs in one",
            suggested_fix="give every node the same region",
        )
    return regions[0], buckets[0]


def _check_gates(resolved: ResolvedPipeline, configs: Mapping[str, StepConfig]) -> None:
    """A gate can only test a metric its evaluation writes: say so now, not as a failed execution
    (the condition would read a missing key of evaluation.json).

    Only specwire's own evaluation script is known to write exactly `metrics`; a team's script
    (`source_dir` set) may write anything, so its gates are not second-guessed.
    """
    from specwire.configs.steps.evaluation import BUSINESS_METRICS, ModelEvaluationConfig, QualityGateConfig

    for edge in resolved.edges:
        gate, source = configs[edge.target], configs[edge.source]
        if (isinstance(gate, QualityGateConfig) and isinstance(source, ModelEvaluationConfig)
                and edge.dependency == "evaluation_report" and source.source_dir is None
                and gate.metric_name not in source.written_metrics()):
            business = gate.metric_name in BUSINESS_METRICS
            raise BuildError(
                f"QualityGate (node {gate.node_name!r}) tests {gate.metric_name!r}, which ModelEvaluation "
                f"(node {source.node_name!r}) does not write: its metrics are {', '.join(source.written_metrics())}",
                suggested_fix=(f"give {source.node_name!r} a cost_matrix (evaluate_with_business_metrics() does)"
                               if business else f"add {gate.metric_name!r} to the metrics of {source.node_name!r} "
                               "(override metrics=[...])") + ", or gate on one of the metrics it writes",
                nodes=[gate.node_name, source.node_name],
            )


def _branches(resolved: ResolvedPipeline, gates: set[str]) -> dict[str, str | None]:
    """For each node, the gate whose if branch must hold it (the innermost one), or None.

    A node consuming a gate's `approval` goes in that gate's branch; a node fed by a step in a
    branch goes in the same branch (SageMaker cannot reference a branch step from outside it).
    """
    branch_of: dict[str, str | None] = {}

    def chain(gate: str | None) -> list[str]:
        out: list[str] = []
        while gate is not None:
            out.append(gate)
            gate = branch_of.get(gate)
        return out

    for name in resolved.order:
        candidates: set[str] = set()
        for edge in resolved.inputs_of(name):
            if edge.source in gates and edge.output == "approval":
                candidates.add(edge.source)
            elif (holder := branch_of.get(edge.source)) is not None:
                candidates.add(holder)
        # A step that waits for a step in a branch (order only) waits inside that branch too.
        candidates.update(holder for source, target in resolved.order_only
                          if target == name and (holder := branch_of.get(source)) is not None)
        # Keep the innermost: drop each candidate that encloses another.
        innermost = {c for c in candidates if not any(c in chain(branch_of.get(o)) for o in candidates if o != c)}
        if len(innermost) > 1:
            raise BuildError(
                f"node {name!r} depends on the branches of several quality gates ({', '.join(sorted(innermost))}); "
                "a SageMaker step can sit in one condition branch only",
                suggested_fix="chain the gates (one gate after the other) or give the node a single gate",
                nodes=[name, *sorted(innermost)],
            )
        branch_of[name] = innermost.pop() if innermost else None
    return branch_of


def assemble(resolved: ResolvedPipeline, configs: Mapping[str, StepConfig], *, name: str) -> Assembly:
    """Build the SDK pipeline (call inside `offline_environment`, as `build_pipeline` does)."""
    from sagemaker.mlops.workflow.pipeline import Pipeline

    region, bucket = _check_inputs(resolved, configs)
    builders = {node.name: builder_for_config(configs[node.name]) for node in resolved.nodes}
    users = Counter(kind for builder in builders.values() for kind in builder.PARAMETERS)
    ctx = BuildContext(offline_session(region, bucket), region, users)
    built: dict[str, BuiltStep] = {}
    for node in resolved.order:
        inputs: dict[str, OutputRef] = {}
        for edge in resolved.inputs_of(node):
            provider = built[edge.source]
            if edge.output not in provider.outputs:
                has = ", ".join(sorted(provider.outputs)) or "none"
                raise BuildError(
                    f"edge {edge.source}.{edge.output} -> {node}.{edge.dependency}: the "
                    f"{resolved.node(edge.source).step_type} builder has no output {edge.output!r} (it has {has})",
                    suggested_fix="make the builder's OUTPUTS match the step's spec",
                    nodes=[edge.source, node],
                )
            if edge.dependency not in builders[node].INPUTS:
                raise BuildError(
                    f"edge {edge.source}.{edge.output} -> {node}.{edge.dependency}: the "
                    f"{resolved.node(node).step_type} builder has no input {edge.dependency!r}",
                    suggested_fix="make the builder's INPUTS match the step's spec",
                    nodes=[edge.source, node],
                )
            inputs[edge.dependency] = provider.outputs[edge.output]
        built[node] = builders[node].build(configs[node], inputs, ctx)

    gates = {n for n, b in built.items() if b.gate is not None}
    branch_of = _branches(resolved, gates)
    taken = set(built)
    for gate in sorted(gates):
        plan = built[gate].gate
        for fail in plan.else_steps if plan is not None else []:
            if fail.name in taken:
                raise BuildError(
                    f"the quality gate {gate!r} needs a step named {fail.name!r} for its failure, "
                    "and a node already has that name",
                    suggested_fix=f"rename the node {fail.name!r}",
                    nodes=[gate, fail.name],
                )
            taken.add(fail.name)
    # Gates are finished innermost first: a gate's step must exist before its enclosing gate's.
    steps: dict[str, Any] = {n: b.step for n, b in built.items() if b.gate is None}
    for gate in reversed(resolved.order):
        gate_plan = built[gate].gate
        if gate_plan is not None:
            members = [steps[n] for n in resolved.order if branch_of[n] == gate]
            steps[gate] = gate_plan.make(members)
    for source, target in resolved.order_only:
        _wait_for(steps[target], steps[source])
    top = [steps[n] for n in resolved.order if branch_of[n] is None]
    pipeline = Pipeline(
        name=name,
        parameters=list(ctx.parameters.values()),
        steps=top,
        sagemaker_session=ctx.session,
    )
    return Assembly(pipeline, built, branch_of)


def _wait_for(step: Any, provider: Any) -> None:
    """An order-only dependency (an explicit edge that carries no data): `step` starts after `provider`.

    A step collection (a `ModelStep`) gave its `depends_on` to its steps when it was made, so
    the wait goes to its steps.
    """
    for member in getattr(step, "steps", None) or [step]:
        member.add_depends_on([provider])


def _region(configs: Mapping[str, StepConfig]) -> str:
    first = next(iter(configs.values()), None)
    return first.region if first is not None and first.region else "us-east-1"


def build_pipeline(resolved: ResolvedPipeline, configs: Mapping[str, StepConfig], *, name: str) -> Any:
    """The SageMaker `Pipeline` of a resolved plan and its configs, built offline.

    Its session is an offline `PipelineSession`: to deploy, give the pipeline a real session
    (`pipeline.sagemaker_session = ...`) or send `definition_json(...)` with boto3.
    """
    with offline_environment(_region(configs)):
        return assemble(resolved, configs, name=name).pipeline


def definition_of(pipeline: Any, region: str) -> str:
    """The definition JSON of a built pipeline: indented, key order as SageMaker writes it, newline-ended."""
    with offline_environment(region):
        text = pipeline.definition()
    return json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"


def definition_json(resolved: ResolvedPipeline, configs: Mapping[str, StepConfig], *, name: str) -> str:
    """The pipeline definition JSON (schema 2020-12-01); the same inputs give the same bytes."""
    region = _region(configs)
    with offline_environment(region):
        pipeline = assemble(resolved, configs, name=name).pipeline
        return definition_of(pipeline, region)

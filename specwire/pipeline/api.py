"""The fluent `Pipeline` API: one engine, three ways in.

Level 1, an intent — the engine finds the steps::

    Pipeline("fraud_detection", role_arn=ROLE).auto_train_xgboost("s3://fraud-data/")

Level 2, step by step — each call adds a node with optional config overrides; the chain may
leave gaps, which the engine fills (and `explain()` says so)::

    (Pipeline("fraud_detection", role_arn=ROLE)
        .load_data("s3://fraud-data/", validation_split=0.2)
        .train_xgboost(max_depth=8, n_estimators=200)
        .evaluate_performance(metrics=["auc", "precision", "recall"]))

Level 3, full control — config objects, with or without an explicit DAG the specs validate::

    Pipeline.from_configs(configs, dag=[("load", "prep"), ("prep", "train")])

Every level ends in the same objects: `resolve()` (the engine's plan), `configs()` (one validated
config per node), `to_sagemaker()` / `definition()` (the SageMaker pipeline and its JSON, built by
`specwire.builders`), and `upsert()` / `start()` / `execute()` (boto3, in `specwire.deploy`).

The class is the face; the work is in its package: `loading` (configs and files), `generation`
(plan to configs), `display`, `aws` (deploy). Nothing here imports the SageMaker SDK or boto3 at
module level: `import specwire` stays fast, and
resolving or explaining a pipeline never pays for them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from specwire.errors import BadInputError, ConfigError
from specwire.pipeline import aws, display, endpoint, generation, loading, local, roles
from specwire.pipeline.arguments import check_arguments
from specwire.pipeline.fluent import FluentSteps
from specwire.pipeline.state import ROLE_ENV, Environment, Plan, RequestedStep, sagemaker_name
from specwire.plan import check_environment

if TYPE_CHECKING:
    from specwire.configs import StepConfig
    from specwire.deploy import Deployment, ExecutionReport
    from specwire.deploy.endpoint import EndpointDeployment
    from specwire.engine.resolver import Resolver
    from specwire.local import RunResult
    from specwire.plan import ResolvedPipeline
    from specwire.specs.registry import SpecRegistry

__all__ = ["ROLE_ENV", "Environment", "Pipeline", "Plan", "sagemaker_name"]


class Pipeline(FluentSteps):
    """A SageMaker pipeline described by intent, by steps, or by configs, wired by the engine.

    Methods that add steps return the pipeline itself, so calls chain. `role_arn` may be given
    later (to `upsert`, or in the `SPECWIRE_ROLE_ARN` environment variable): resolving and
    explaining need no AWS details at all. `bucket` defaults to SageMaker's default bucket,
    `sagemaker-<region>-<account>`; `region` to `AWS_REGION`, `AWS_DEFAULT_REGION`, else us-east-1.
    """

    def __init__(
        self,
        name: str,
        *,
        role_arn: str | None = None,
        region: str | None = None,
        bucket: str | None = None,
        prefix: str = "",
        tags: Mapping[str, str] | None = None,
        version: str = "1.0.0",
        description: str | None = None,
        catalog: SpecRegistry | Sequence[str | Path] | None = None,
        rules: Sequence[str | Path] = (),
        policy_packs: Sequence[str] = (),
        fill_gaps: bool = True,
        environment: Environment = "prod",
        data_size_gb: float | None = None,
        label_field: str | None = None,
        timeout: float | None = 60.0,
        subnets: Sequence[str] = (),
        security_group_ids: Sequence[str] = (),
        kms_key_id: str | None = None,
        enable_network_isolation: bool = False,
        cache: bool | str = False,
        retry_attempts: int = 3,
    ) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"a pipeline needs a name, got {name!r}", suggested_fix="Pipeline('fraud-detection')")
        check_environment(environment)  # first: its message says which environments there are
        check_arguments(Pipeline.__init__, {k: v for k, v in locals().items() if k not in ("self", "name")},
                        f"Pipeline({name!r})", _annotation_names)
        self.name = name
        self.sagemaker_name = sagemaker_name(name)
        self.role_arn = role_arn
        self.region = region
        self.bucket = bucket
        self.prefix = prefix
        self.tags = dict(tags or {})
        self.version = version
        self.description = description
        self.fill_gaps = fill_gaps
        self.environment: Environment = check_environment(environment)
        self.data_size_gb = data_size_gb
        self.label_field = label_field
        self.timeout = timeout
        #: How every job runs (see `BasePipelineConfig.JOB_SETTINGS`): VPC, KMS key, network
        #: isolation, step caching, retries. Checked when the configs are made.
        self.subnets = list(subnets)
        self.security_group_ids = list(security_group_ids)
        self.kms_key_id = kms_key_id
        self.enable_network_isolation = enable_network_isolation
        self.cache = cache
        self.retry_attempts = retry_attempts
        #: Wire only the explicit edges (a hand-written DAG, validated); see `from_configs`.
        self.strict_edges = False
        #: Who reads the messages: fixes name Python arguments (`fill_gaps=True`), or, for the CLI,
        #: its flags (`--fill-gaps`).
        self.interface: Literal["python", "cli"] = "python"
        self._catalog = catalog
        self._rules = tuple(Path(r) for r in rules)
        self._packs = tuple(policy_packs)
        self._steps: list[RequestedStep] = []
        self._edges: list[tuple[str, str]] = []
        #: Overrides by step type that apply only if the plan has such a step (e.g. validation_split).
        self._type_overrides: dict[str, tuple[str, dict[str, Any]]] = {}
        self._data_locations: dict[str | None, str] = {}
        self._notes: list[str] = []
        self._config_pipeline_name: str | None = None
        self._context_extra: dict[str, Any] = {}
        self._file_overrides: dict[str, dict[str, Any]] = {}
        self._resolver: Resolver | None = None
        self._resolved: ResolvedPipeline | None = None
        self._configs: dict[str, StepConfig] | None = None
        self._definition: str | None = None
        # What the cached plan was made from: changing an attribute (bucket=...) makes a new one.
        self._resolved_key: tuple[Any, ...] = ()
        self._configs_key: tuple[Any, ...] = ()

    # ------------------------------------------------------------------ level 3: configs

    #: A pipeline of config objects, one node each; see `specwire.pipeline.loading.from_configs`.
    from_configs = classmethod(loading.from_configs)

    #: A pipeline file (the format `specwire resolve --pipeline` reads); see `specwire.pipeline.loading`.
    from_file = classmethod(loading.from_file)

    # ------------------------------------------------------------------ every level

    @property
    def registry(self) -> SpecRegistry:
        """The catalog the pipeline is resolved against (the built-in one by default)."""
        return self.resolver.registry

    @property
    def resolver(self) -> Resolver:
        if self._resolver is None:
            self._resolver = generation.resolver_for(self._catalog, self._rules, self._packs)
        return self._resolver

    @property
    def nodes(self) -> list[tuple[str, str, str | None]]:
        """The nodes asked for, as (name, step type, job type); `resolve()` adds the inserted ones."""
        return [(s.name, s.step_type, s.job_type) for s in self._steps]

    @property
    def edges(self) -> list[tuple[str, str]]:
        """The explicit edges asked for (`connect`, `dag=`, a file's `edges`)."""
        return list(self._edges)

    def definition_input(self) -> Any:
        """The engine's input: a `PipelineDefinition` of the nodes and explicit edges."""
        from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode

        if not self._steps:
            raise ConfigError(f"pipeline {self.name!r} has no steps",
                              suggested_fix="add steps (load_data(...), train_xgboost(...)) or an intent "
                              "(auto_train_xgboost(uri))")
        nodes = tuple(PipelineNode(s.name, s.step_type, s.job_type) for s in self._steps)
        return PipelineDefinition(nodes, tuple(self._edges), self.name, f"Pipeline({self.name!r})")

    def resolve(self) -> ResolvedPipeline:
        """The engine's plan: nodes (inserted ones marked), edges with their reasons, order,
        diagnostics. It does not raise for a pipeline that does not resolve: see `.ok`,
        `.diagnostics`, or `.raise_for_errors()`."""
        key = (self.fill_gaps, self.strict_edges, self.timeout, self.interface)
        if self._resolved is None or self._resolved_key != key:
            from specwire.engine.resolver import ResolveOptions

            self._resolved_key = key
            self._configs = self._definition = None

            definition = self.definition_input()
            options = ResolveOptions(fill_gaps=self.fill_gaps, timeout=self.timeout, strict_edges=self.strict_edges,
                                     interface=self.interface,
                                     extra_facts=self._policy_facts(definition))
            self._resolved = self.resolver.resolve(definition, options)
        return self._resolved

    def explain(self, *, width: int = 100) -> str:
        """The plan as `specwire resolve --explain` prints it, with what the API decided on top."""
        return display.explain(self, width=width)

    def graph(self, fmt: Literal["mermaid", "dot", "svg", "text"] = "mermaid") -> str:
        """The resolved graph as Mermaid, Graphviz DOT, SVG or text."""
        return display.graph(self, fmt)

    def configs(self) -> dict[str, StepConfig]:
        """One validated config per node of the plan (inserted nodes included), by node name.

        Raises the plan's errors first (`ResolutionError` subclasses), then any config problem.
        """
        return self.plan().configs

    def plan(self) -> Plan:
        """The resolved plan and its configs, or the error that stops them."""
        result = self.resolve()
        result.raise_for_errors()
        key = self._settings_key()
        if self._configs is None or self._configs_key != key:
            self._definition = None
            self._configs = self._generate(result)
            self._configs_key = key
        return Plan(result, self._configs)

    def to_sagemaker(self) -> Any:
        """The SageMaker SDK's `Pipeline` object (imports the SDK; built offline)."""
        builders = _builders()
        plan = self.plan()
        return builders.build_pipeline(plan.resolved, plan.configs, name=self.sagemaker_name)

    def definition(self) -> str:
        """The pipeline definition JSON SageMaker accepts (built offline, no AWS calls; kept until
        the pipeline changes)."""
        if self._definition is None:
            builders = _builders()
            plan = self.plan()
            self._definition = str(builders.definition_json(plan.resolved, plan.configs, name=self.sagemaker_name))
        return self._definition

    def script_uploads(self) -> list[tuple[str, str]]:
        """(local script, S3 URI) of every script the steps run: what `upsert` uploads."""
        builders = _builders()
        plan = self.plan()
        return [(str(local), str(uri)) for local, uri in builders.script_uploads(plan.resolved, plan.configs)]

    def upsert(self, role_arn: str | None = None, *, clients: Any = None) -> Deployment:
        """Upload the step scripts to S3, then create the pipeline in SageMaker or update it (see
        `specwire.pipeline.aws.upsert`)."""
        return aws.upsert(self, role_arn, clients=clients)

    def deploy_approved_model(self, role_arn: str | None = None, *, baseline: str | None = None, clients: Any = None,
                              poll_seconds: float = 30.0, timeout: float = 3600.0) -> EndpointDeployment:
        """After approval: serve the newest approved package of the pipeline's model package group on
        a real-time endpoint with data capture and a data-quality monitoring schedule (the settings of
        `deploy_with_monitoring`; see `specwire.pipeline.endpoint`). Runs again update, never duplicate."""
        return endpoint.deploy_approved_model(self, role_arn, baseline=baseline, clients=clients,
                                              poll_seconds=poll_seconds, timeout=timeout)

    def start(self, parameters: Mapping[str, Any] | None = None, *, clients: Any = None) -> str:
        """Start an execution of the deployed pipeline; returns its ARN."""
        return aws.start(self, parameters, clients=clients)

    def execute(self, *, wait: bool = True, parameters: Mapping[str, Any] | None = None, role_arn: str | None = None,
                poll_seconds: float = 30.0, timeout: float | None = None, progress: bool = True,
                clients: Any = None) -> ExecutionReport:
        """Upsert (scripts uploaded), start, and — with `wait` — follow the execution step by step
        until it ends, showing each step's status; returns the last status seen."""
        return aws.execute(self, wait=wait, parameters=parameters, role_arn=role_arn, poll_seconds=poll_seconds,
                           timeout=timeout, progress=progress, clients=clients)

    def run_local(self, parameters: Mapping[str, Any] | None = None, *, workdir: str | Path | None = None,
                  sample_data: bool = False, progress: bool = True, max_trials: int = 3) -> RunResult:
        """Run the built definition on this machine, step by step, no AWS or Docker (see
        `specwire.pipeline.local.run_local`); parameters as for `start`, S3 ones may be local paths."""
        return local.run_local(self, parameters=parameters, workdir=workdir, sample_data=sample_data,
                               progress=progress, max_trials=max_trials)

    # ------------------------------------------------------------------ display

    def __repr__(self) -> str:
        steps = ", ".join(s.name for s in self._steps)
        return f"Pipeline({self.name!r}: {steps or 'no steps'})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """In a notebook: the resolved graph as a Mermaid diagram, and the plan as text."""
        return display.mimebundle(self, include, exclude)

    # ------------------------------------------------------------------ internals

    def _changed(self) -> None:
        self._resolved = None
        self._configs = None
        self._definition = None

    def _role(self) -> str:
        return roles.role_of(self)

    def _policy_facts(self, definition: Any) -> tuple[Any, ...]:
        return generation.policy_facts(self, definition)

    def _settings_key(self) -> tuple[Any, ...]:
        return (self.role_arn or os.environ.get(ROLE_ENV), self.aws_region, self.bucket, self.prefix,
                tuple(sorted(self.tags.items())), self.version, self.environment, self.data_size_gb,
                self.label_field, self.sagemaker_name, repr(self.job_settings()))

    def job_settings(self) -> dict[str, Any]:
        """The settings every job of the pipeline gets (VPC, KMS key, isolation, caching, retries)."""
        return {"subnets": list(self.subnets), "security_group_ids": list(self.security_group_ids),
                "kms_key_id": self.kms_key_id, "enable_network_isolation": self.enable_network_isolation,
                "cache": self.cache, "retry_attempts": self.retry_attempts}

    @property
    def aws_region(self) -> str:
        """The region used: `region`, else AWS_REGION, AWS_DEFAULT_REGION, else us-east-1."""
        return self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

    def _context(self) -> Any:
        return generation.generation_context(self)

    def _generate(self, result: ResolvedPipeline) -> dict[str, StepConfig]:
        return generation.generate(self, result)


def _builders() -> Any:
    import importlib

    try:
        builders = importlib.import_module("specwire.builders")
    except ImportError as exc:
        raise BadInputError(
            f"building SageMaker objects needs specwire.builders and the SageMaker SDK ({exc})",
            suggested_fix="reinstall specwire (the SageMaker SDK is one of its dependencies): pip install specwire",
        ) from None
    return builders


def _annotation_names() -> dict[str, Any]:
    """The names Pipeline's annotations use that this module imports only for type checkers."""
    from specwire.specs.registry import SpecRegistry

    return {"SpecRegistry": SpecRegistry}

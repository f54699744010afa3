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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from specwire.errors import BadInputError, ConfigError, UnknownStepError, did_you_mean
from specwire.pipeline import aws, display, generation, loading, local
from specwire.pipeline.state import ROLE_ENV, Environment, Plan, RequestedStep, sagemaker_name
from specwire.plan import check_environment

if TYPE_CHECKING:
    from specwire.configs import StepConfig
    from specwire.deploy import Deployment, ExecutionReport
    from specwire.engine.resolver import Resolver
    from specwire.local import RunResult
    from specwire.plan import ResolvedPipeline
    from specwire.specs.registry import SpecRegistry

__all__ = ["ROLE_ENV", "Environment", "Pipeline", "Plan", "sagemaker_name"]


class Pipeline:
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

    # ------------------------------------------------------------------ level 1: intents

    def auto_train_xgboost(self, data_uri: str, **hyperparameters: Any) -> Pipeline:
        """Goal: an evaluated XGBoost model trained from the raw tabular data at `data_uri`."""
        return self.auto_train("xgboost", data_uri, **hyperparameters)

    def auto_train_lightgbm(self, data_uri: str, **hyperparameters: Any) -> Pipeline:
        """Goal: an evaluated LightGBM model trained from the raw tabular data at `data_uri`."""
        return self.auto_train("lightgbm", data_uri, **hyperparameters)

    def auto_train_pytorch(self, data_uri: str, **hyperparameters: Any) -> Pipeline:
        """Goal: an evaluated PyTorch model trained from the raw tabular data at `data_uri`."""
        return self.auto_train("pytorch", data_uri, **hyperparameters)

    def auto_train(self, framework: str, data_uri: str, **hyperparameters: Any) -> Pipeline:
        """Goal: an evaluated `framework` model trained from the raw data at `data_uri`.

        The goal names its endpoints by contract (see `specwire.engine.goals`); the catalog says which
        step types those are, and the engine's gap filling inserts the steps between them.
        Keyword arguments configure the training step (hyperparameters or config fields).
        """
        from specwire.configs import keywords
        from specwire.engine.goals import TrainingGoal

        goal = TrainingGoal(framework)
        roles = goal.step_types(self.registry)
        trainer = keywords.training_overrides(roles["trainer"], hyperparameters)
        with self._all_or_nothing():
            self._add(roles["source"], None, None, None, {"source_s3_uri": data_uri}, location=data_uri)
            self._add(roles["trainer"], None, None, None, trainer)
            self._add(roles["evaluator"], None, None, None, {})
        self.fill_gaps = True
        self._notes.append(
            f"goal: {goal.describe()} at {data_uri} — the catalog's {roles['source']}, {roles['trainer']} and "
            f"{roles['evaluator']}; the engine fills in the steps between them"
        )
        return self

    # ------------------------------------------------------------------ level 2: steps

    def add_step(
        self,
        step_type: str,
        *,
        name: str | None = None,
        job_type: str | None = None,
        config: StepConfig | Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> Pipeline:
        """Add a node of any catalog step type, configured by `config` and/or field overrides.

        `config` may be a config object of the step type (its step's own fields are used; the
        pipeline's shared fields — role, bucket, region — come from the pipeline) or a mapping
        of fields. Field names and values are checked now: an unknown field is an error with a
        suggestion, never ignored.
        """
        return self._add(step_type, name, job_type, config, overrides)

    def _add(self, step_type: str, name: str | None, job_type: str | None,
             config: StepConfig | Mapping[str, Any] | None, overrides: Mapping[str, Any], *,
             location: str | None = None) -> Pipeline:
        registry = self.registry
        if step_type not in registry:
            from specwire.specs.registry import unknown_step

            raise unknown_step(step_type, registry.step_types())
        node_name = self._unique_name(name, step_type, job_type)
        merged = self._config_overrides(step_type, node_name, config)
        merged.update(overrides)
        self._check(step_type, node_name, job_type, merged)
        self._steps.append(RequestedStep(node_name, step_type, job_type, merged))
        if location is not None:
            self._data_locations.setdefault(job_type, location)
        self._changed()
        return self

    @contextmanager
    def _all_or_nothing(self) -> Iterator[None]:
        """A call that adds or replaces several steps either does all of it or leaves no trace."""
        saved = (list(self._steps), list(self._edges), dict(self._type_overrides), dict(self._data_locations),
                 list(self._notes))
        try:
            yield
        except BaseException:
            self._steps, self._edges, self._type_overrides, self._data_locations, self._notes = saved
            self._changed()
            raise

    def load_data(
        self,
        uri: str,
        *,
        validation_split: float | None = None,
        test_split: float | None = None,
        data_format: Literal["csv", "parquet", "json"] | None = None,
        name: str | None = None,
        job_type: str | None = None,
        config: StepConfig | Mapping[str, Any] | None = None,
        **overrides: Any,
    ) -> Pipeline:
        """Load raw data from `uri`. `validation_split` and `test_split` set how the data is split
        by the preprocessing step — written or inserted by the engine."""
        step = self._catalog_step("DataLoading")
        extra: dict[str, Any] = {"source_s3_uri": uri}
        if data_format is not None:
            extra["data_format"] = data_format
        split = None
        if validation_split is not None or test_split is not None:
            split = self._split(validation_split, test_split)
        self._add(step, name, job_type, config, {**extra, **overrides}, location=uri)
        if split is not None:
            self._type_overrides["TabularPreprocessing"] = split
        return self

    def preprocess_tabular(
        self, config: StepConfig | Mapping[str, Any] | None = None, *, name: str | None = None,
        job_type: str | None = None, **overrides: Any,
    ) -> Pipeline:
        """Clean raw tabular data and split it into train, validation and test sets."""
        return self.add_step(self._catalog_step("TabularPreprocessing"), name=name, job_type=job_type,
                             config=config, **overrides)

    def train_xgboost(
        self, config: StepConfig | Mapping[str, Any] | None = None, *, name: str | None = None, **params: Any
    ) -> Pipeline:
        """Train XGBoost. Keywords are hyperparameters (`max_depth=8`, `n_estimators=200`) or fields
        of the training config (`instance_type=...`)."""
        return self._train("XGBoostTraining", config, name, params)

    def train_lightgbm(
        self, config: StepConfig | Mapping[str, Any] | None = None, *, name: str | None = None, **params: Any
    ) -> Pipeline:
        """Train LightGBM; keywords as for `train_xgboost`."""
        return self._train("LightGBMTraining", config, name, params)

    def train_pytorch(
        self, config: StepConfig | Mapping[str, Any] | None = None, *, name: str | None = None, **params: Any
    ) -> Pipeline:
        """Train specwire's PyTorch tabular network; keywords as for `train_xgboost`."""
        return self._train("PyTorchTraining", config, name, params)

    def tune_hyperparameters(
        self,
        framework: str | None = None,
        *,
        config: StepConfig | Mapping[str, Any] | None = None,
        name: str | None = None,
        **overrides: Any,
    ) -> Pipeline:
        """Search hyperparameters (SageMaker automatic model tuning).

        After `train_<framework>(...)`, the training step *becomes* the tuning job: a tuning job
        runs the training jobs itself, so a separate training step would train a model nobody
        uses. The hyperparameters given to the training step stay fixed; the others are searched.
        """
        from specwire.pipeline import tuning

        return tuning.tune(self, framework, config=config, name=name, overrides=overrides)

    def evaluate_performance(
        self, metrics: Sequence[str] | None = None, *, config: StepConfig | Mapping[str, Any] | None = None,
        name: str | None = None, job_type: str | None = None, **overrides: Any,
    ) -> Pipeline:
        """Score held-out data with the trained model; `metrics` go to evaluation.json."""
        if metrics is not None:
            overrides["metrics"] = list(metrics)
        return self.add_step(self._catalog_step("ModelEvaluation"), name=name, job_type=job_type, config=config,
                             **overrides)

    def calibrate(
        self, method: Literal["isotonic", "platt"] | None = None, *,
        config: StepConfig | Mapping[str, Any] | None = None, name: str | None = None, **overrides: Any,
    ) -> Pipeline:
        """Fit a probability calibrator on the evaluated model's predictions."""
        if method is not None:
            overrides["method"] = method
        return self.add_step(self._catalog_step("ModelCalibration"), name=name, config=config, **overrides)

    def register_model(
        self, model_package_group_name: str | None = None, *,
        approval_status: Literal["PendingManualApproval", "Approved", "Rejected"] | None = None,
        config: StepConfig | Mapping[str, Any] | None = None, name: str | None = None, **overrides: Any,
    ) -> Pipeline:
        """Register the model (with its evaluation) in a SageMaker model package group."""
        if model_package_group_name is not None:
            overrides["model_package_group_name"] = model_package_group_name
        if approval_status is not None:
            overrides["approval_status"] = approval_status
        return self.add_step(self._catalog_step("ModelRegistration"), name=name, config=config, **overrides)

    def batch_transform(
        self, config: StepConfig | Mapping[str, Any] | None = None, *, name: str | None = None,
        job_type: str | None = None, **overrides: Any,
    ) -> Pipeline:
        """Score a data set offline with the model (the engine adds the model it needs)."""
        return self.add_step(self._catalog_step("BatchTransform"), name=name, job_type=job_type, config=config,
                             **overrides)

    def quality_gate(
        self, metric: str = "auc", threshold: float = 0.7, *, comparison: Literal[">=", ">", "<=", "<"] = ">=",
        config: StepConfig | Mapping[str, Any] | None = None, name: str | None = None, **overrides: Any,
    ) -> Pipeline:
        """Go on only when `metric comparison threshold` holds for the evaluation report."""
        gate = {"metric_name": metric, "threshold": float(threshold), "comparison": comparison}
        return self.add_step(self._catalog_step("QualityGate"), name=name, config=config, **{**gate, **overrides})

    def connect(self, source: str, target: str) -> Pipeline:
        """An explicit edge: `target` takes its input from `source`. The specs check it."""
        names = [s.name for s in self._steps]
        for end in (source, target):
            if end not in names:
                close = did_you_mean(end, names)
                raise ConfigError(
                    f"connect({source!r}, {target!r}): no node named {end!r}",
                    suggested_fix=("did you mean " + " or ".join(repr(c) for c in close) + "?") if close
                    else "nodes: " + ", ".join(names),
                )
        if (source, target) not in self._edges:
            self._edges.append((source, target))
            self._changed()
        return self

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
        key = (self.fill_gaps, self.strict_edges, self.timeout)
        if self._resolved is None or self._resolved_key != key:
            from specwire.engine.resolver import ResolveOptions

            self._resolved_key = key
            self._configs = self._definition = None

            definition = self.definition_input()
            options = ResolveOptions(fill_gaps=self.fill_gaps, timeout=self.timeout, strict_edges=self.strict_edges,
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

    def _catalog_step(self, step_type: str) -> str:
        if step_type not in self.registry:
            from specwire.specs.registry import unknown_step

            err = unknown_step(step_type, self.registry.step_types())
            raise UnknownStepError(f"this catalog has no {step_type} step", suggested_fix=err.suggested_fix)
        return step_type

    def _unique_name(self, name: str | None, step_type: str, job_type: str | None) -> str:
        taken = {s.name for s in self._steps}
        if name is not None:
            if name in taken:
                raise ConfigError(f"the pipeline already has a node named {name!r}",
                                  suggested_fix="give the step another name=")
            return name
        base = f"{step_type}_{job_type}" if job_type else step_type
        candidate, i = base, 2
        while candidate in taken:
            candidate, i = f"{base}_{i}", i + 1
        return candidate

    def _config_overrides(self, step_type: str, node_name: str,
                          config: StepConfig | Mapping[str, Any] | None) -> dict[str, Any]:
        """A `config=` argument as field overrides (the pipeline's shared fields stay the pipeline's)."""
        from specwire.configs import BasePipelineConfig, StepConfig

        if config is None:
            return {}
        if isinstance(config, StepConfig):
            if step_type != config.STEP_TYPE:
                raise ConfigError(
                    f"node {node_name!r} is a {step_type} step, but config= is a {type(config).__name__} "
                    f"({config.STEP_TYPE})",
                    suggested_fix=f"pass a config of the {step_type} step, or use add_step({config.STEP_TYPE!r})",
                )
            skip = {*BasePipelineConfig.PIPELINE_FIELDS, "node_name", "job_type"}
            return {k: v for k, v in config.inputs().items() if k not in skip}
        if isinstance(config, Mapping):
            return dict(config)
        raise ConfigError(f"config= for node {node_name!r}: expected a step config or a mapping of fields, got "
                          f"{type(config).__name__}")

    def _check(self, step_type: str, node_name: str, job_type: str | None, overrides: Mapping[str, Any]) -> None:
        """Validate a step's overrides now, against a stand-in pipeline context: a wrong field name
        or value fails at the call that made it, not later at `configs()`."""
        from specwire.configs import ConfigNode, generate_configs

        context = generation.stand_in_context()
        generate_configs([ConfigNode(node_name, step_type, job_type)], context,
                         {node_name: overrides} if overrides else None, classes=generation.catalog_classes(self))

    def _train(self, step_type: str, config: StepConfig | Mapping[str, Any] | None, name: str | None,
               params: dict[str, Any]) -> Pipeline:
        from specwire.configs import keywords

        step = self._catalog_step(step_type)
        settings = self._config_overrides(step, name or step, config)
        extra = keywords.training_overrides(step, params)
        if "hyperparameters" in settings and "hyperparameters" in extra:
            extra["hyperparameters"] = {**settings["hyperparameters"], **extra["hyperparameters"]}
        return self.add_step(step, name=name, **{**settings, **extra})



    def _split(self, validation: float | None, test: float | None) -> tuple[str, dict[str, Any]]:
        """`load_data`'s split as overrides of the preprocessing step, checked now."""
        step = "TabularPreprocessing"
        changes: dict[str, Any] = {}
        for label, value in (("validation_split", validation), ("test_split", test)):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                      or not 0 < value < 1):
                raise ConfigError(f"load_data: {label} must be a fraction between 0 and 1, got {value!r}")
        if validation is not None:
            changes["validation_ratio"] = float(validation)
        if test is not None:
            changes["train_ratio"] = round(1.0 - float(test) - float(validation or 0.15), 10)
        if step in self.registry:
            self._check(step, step, None, changes)
        what = ", ".join(f"{k}={v}" for k, v in (("validation_split", validation), ("test_split", test))
                         if v is not None)
        return f"load_data({what})", changes

    def _role(self) -> str:
        return aws.role_of(self)

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

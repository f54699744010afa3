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

Nothing here imports the SageMaker SDK or boto3 at module level: `import specwire` stays fast, and
resolving or explaining a pipeline never pays for them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from specwire.errors import (
    BadInputError,
    ConfigError,
    PipelineFileError,
    SpecwireError,
    UnknownStepError,
    did_you_mean,
)

if TYPE_CHECKING:
    from specwire.configs import StepConfig
    from specwire.deploy import Deployment, ExecutionReport
    from specwire.engine.resolver import Resolver
    from specwire.engine.result import ResolvedPipeline
    from specwire.specs.registry import SpecRegistry

#: Environment variable read for the IAM role when none is given (handy in notebooks).
ROLE_ENV = "SPECWIRE_ROLE_ARN"

Environment = Literal["dev", "prod"]


@dataclass
class _Step:
    """A node the user asked for: its name, step type, job type and how it should be configured."""

    name: str
    step_type: str
    job_type: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    #: Level 3: the config given whole, used as is.
    config: StepConfig | None = None


@dataclass(frozen=True)
class Plan:
    """A resolved pipeline and its configs: what the builders turn into SageMaker objects."""

    resolved: ResolvedPipeline
    configs: dict[str, StepConfig]


def sagemaker_name(name: str) -> str:
    """A SageMaker pipeline name for `name`: runs of other characters become one hyphen."""
    text = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")[:256].rstrip("-")
    if not text:
        raise ConfigError(
            f"pipeline name {name!r} has no letter or digit",
            suggested_fix="name the pipeline with letters, digits and hyphens, e.g. Pipeline('fraud-detection')",
        )
    return text


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
        self.environment: Environment = environment
        self.data_size_gb = data_size_gb
        self.label_field = label_field
        self.timeout = timeout
        #: Wire only the explicit edges (a hand-written DAG, validated); see `from_configs`.
        self.strict_edges = False
        self._catalog = catalog
        self._rules = tuple(Path(r) for r in rules)
        self._packs = tuple(policy_packs)
        self._steps: list[_Step] = []
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

        The goal names its endpoints by contract (see `specwire.goals`); the catalog says which
        step types those are, and the engine's gap filling inserts the steps between them.
        Keyword arguments configure the training step (hyperparameters or config fields).
        """
        from specwire.goals import TrainingGoal

        goal = TrainingGoal(framework)
        roles = goal.step_types(self.registry)
        trainer = self._training_overrides(roles["trainer"], hyperparameters)
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
        self._steps.append(_Step(node_name, step_type, job_type, merged))
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
        step_type = self._catalog_step("HyperparameterTuning")
        trainers = [s for s in self._steps if _trained_framework(s.step_type)]
        if framework is not None:
            trainers = [s for s in trainers if _trained_framework(s.step_type) == framework]
        if len(trainers) > 1:
            names = ", ".join(s.name for s in trainers)
            raise ConfigError(
                f"tune_hyperparameters: the pipeline trains {len(trainers)} models ({names}); which one to tune "
                "is unclear",
                suggested_fix="pass framework='xgboost', 'lightgbm' or 'pytorch'",
            )
        base: dict[str, Any] = {}
        replaced: _Step | None = trainers[0] if trainers else None
        if replaced is not None:
            framework = _trained_framework(replaced.step_type)
            base = _tuning_from_training(replaced.overrides, step_type)
        if framework is not None:
            base["framework"] = framework
        node_name = name or (replaced.name if replaced is not None and replaced.name != replaced.step_type
                             else None)
        position = len(self._steps)
        with self._all_or_nothing():
            if replaced is not None:
                position = self._steps.index(replaced)
                self._steps.remove(replaced)
            settings = self._config_overrides(step_type, node_name or step_type, config)
            merged = {**base, **settings, **overrides}
            _default_ranges(merged)
            self._add(step_type, node_name, None, None, merged)
            self._steps.insert(position, self._steps.pop())
        if replaced is not None:
            tuned = self._steps[position].name
            self._edges = [(tuned if a == replaced.name else a, tuned if b == replaced.name else b)
                           for a, b in self._edges]
            self._notes.append(f"tune_hyperparameters: the {framework} training step {replaced.name!r} became the "
                               f"tuning job {tuned!r} (its fixed hyperparameters kept, the rest searched)")
        self._changed()
        return self

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

    @classmethod
    def from_configs(
        cls,
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
        first = given[0]
        pipeline = cls(name or first.pipeline_name, role_arn=first.role_arn, region=first.region,
                       bucket=first.bucket, prefix=first.prefix, tags=first.tags, version=first.pipeline_version,
                       description=description, catalog=catalog, rules=rules, policy_packs=policy_packs,
                       fill_gaps=auto_resolve_dependencies)
        # Inserted steps share the given configs' S3 layout, even when `name` renames the pipeline.
        pipeline._config_pipeline_name = first.pipeline_name
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
            pipeline._steps.append(_Step(config.node_name, config.STEP_TYPE, config.job_type, config=config))
            source = getattr(config, "source_s3_uri", None)
            if isinstance(source, str):
                pipeline._data_locations.setdefault(config.job_type, source)
        for source, target in _dag_edges(dag):
            pipeline.connect(source, target)
        pipeline.strict_edges = dag is not None and not auto_resolve_dependencies
        pipeline._changed()
        return pipeline

    @classmethod
    def from_file(cls, path: str | Path, *, role_arn: str | None = None, region: str | None = None,
                  bucket: str | None = None, fill_gaps: bool = False,
                  catalog: SpecRegistry | Sequence[str | Path] | None = None,
                  rules: Sequence[str | Path] = (), policy_packs: Sequence[str] = ()) -> Pipeline:
        """A pipeline file (the format `specwire resolve --pipeline` reads).

        Besides `nodes` and `edges`, the file may hold `context` (the pipeline's shared fields and
        what the config generator knows: `data_location`, `region`, `bucket`, `role_arn`,
        `environment`, `label_field`, ...), `overrides` (by node name or step type), and a
        `config` mapping per node. Arguments given here win over the file's `context`.
        """
        from specwire.engine.pipeline_def import parse_pipeline
        from specwire.specs.files import read_document

        source = str(path)
        document = read_document(Path(path), what="pipeline file", error=PipelineFileError)
        definition = parse_pipeline(document, source)
        context = _mapping(definition.extra.get("context") or {}, f"{source}: context")
        overrides = _mapping(definition.extra.get("overrides") or {}, f"{source}: overrides")
        known = {"data_location", "data_locations", "data_format", "data_size_gb", "environment", "label_field",
                 "pipeline_name", "region", "role_arn", "bucket", "prefix", "tags", "pipeline_version"}
        for key in context:
            if key not in known:
                close = did_you_mean(str(key), known)
                raise PipelineFileError(
                    f"{source}: context.{key} is not a context field"
                    + (f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""),
                    suggested_fix="context fields: " + ", ".join(sorted(known)),
                )
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
            environment=context.get("environment", "prod"),
            data_size_gb=context.get("data_size_gb"),
            label_field=context.get("label_field"),
        )
        if "data_location" in context:
            pipeline._data_locations[None] = str(context["data_location"])
        for job, uri in _mapping(context.get("data_locations") or {}, f"{source}: context.data_locations").items():
            pipeline._data_locations[str(job)] = str(uri)
        pipeline._context_extra = {k: context[k] for k in ("data_format",) if k in context}
        node_configs = _node_configs(document)
        for node in definition.nodes:
            settings = _mapping(node_configs.get(node.name) or {}, f"{source}: nodes.{node.name}.config")
            pipeline._steps.append(_Step(node.name, node.step_type, node.job_type, dict(settings)))
        pipeline._edges = list(definition.edges)
        pipeline._file_overrides = {str(k): dict(_mapping(v, f"{source}: overrides.{k}"))
                                    for k, v in overrides.items()}
        pipeline._changed()
        return pipeline

    # ------------------------------------------------------------------ every level

    @property
    def registry(self) -> SpecRegistry:
        """The catalog the pipeline is resolved against (the built-in one by default)."""
        return self.resolver.registry

    @property
    def resolver(self) -> Resolver:
        if self._resolver is None:
            self._resolver = _resolver_for(self._catalog, self._rules, self._packs)
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
        from specwire import render

        result = self.resolve()
        text = _plain(render.to_text(result, explain=True), width)
        notes = list(self._notes)
        inserted = [n.name for n in result.inserted]
        if inserted:
            notes.append("gap filling: the engine inserted " + ", ".join(inserted)
                         + " (marked 'inserted' below; the reasons follow each edge)")
        if not notes:
            return text
        return "\n".join(["Plan", *(f"  - {n}" for n in notes), "", text])

    def graph(self, fmt: Literal["mermaid", "dot", "svg", "text"] = "mermaid") -> str:
        """The resolved graph as Mermaid, Graphviz DOT, SVG or text."""
        from specwire import render

        result = self.resolve()
        if fmt == "mermaid":
            return render.to_mermaid(result)
        if fmt == "dot":
            return render.to_dot(result)
        if fmt == "svg":
            return render.to_svg(result)
        if fmt == "text":
            return _plain(render.to_text(result), 100)
        raise BadInputError(f"unknown graph format {fmt!r}", suggested_fix="use mermaid, dot, svg or text")

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
        """Upload the step scripts to S3, then create the pipeline in SageMaker or update it.

        `role_arn` (if given) becomes the pipeline's role. AWS problems raise one `DeployError`
        each, saying what had been done (scripts uploaded) before the failure.
        """
        from specwire import deploy

        if role_arn is not None:
            self.role_arn = role_arn
        definition = self.definition()
        uploads = self.script_uploads()
        aws = clients or deploy.make_clients(self.aws_region)
        return deploy.upsert_pipeline(
            definition, name=self.sagemaker_name, role_arn=self._role(), description=self.description,
            tags=self.tags, uploads=uploads, clients=aws,
        )

    def start(self, parameters: Mapping[str, Any] | None = None, *, clients: Any = None) -> str:
        """Start an execution of the deployed pipeline; returns its ARN."""
        from specwire import deploy

        aws = clients or deploy.make_clients(self.aws_region)
        return deploy.start_execution(self.sagemaker_name, parameters=parameters, clients=aws)

    def execute(
        self,
        *,
        wait: bool = True,
        parameters: Mapping[str, Any] | None = None,
        role_arn: str | None = None,
        poll_seconds: float = 30.0,
        timeout: float | None = None,
        progress: bool = True,
        clients: Any = None,
    ) -> ExecutionReport:
        """Upsert (scripts uploaded), start, and — with `wait` — follow the execution step by step
        until it ends, showing each step's status; returns the last status seen."""
        from specwire import deploy

        aws = clients or deploy.make_clients(self.aws_region)
        deployed = self.upsert(role_arn, clients=aws)
        arn = deploy.start_execution(self.sagemaker_name, parameters=parameters, clients=aws, after=deployed)
        if not wait:
            return deploy.describe_execution(arn, clients=aws)
        if progress:
            with deploy.ProgressDisplay(self.sagemaker_name) as display:
                return deploy.wait_for_execution(arn, clients=aws, poll_seconds=poll_seconds, timeout=timeout,
                                                 on_update=display.update)
        return deploy.wait_for_execution(arn, clients=aws, poll_seconds=poll_seconds, timeout=timeout)

    # ------------------------------------------------------------------ display

    def __repr__(self) -> str:
        steps = ", ".join(s.name for s in self._steps)
        return f"Pipeline({self.name!r}: {steps or 'no steps'})"

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """In a notebook: the resolved graph as a Mermaid diagram, and the plan as text."""
        try:
            result = self.resolve()
            from specwire import render

            status = "resolves" if result.ok else "does not resolve"
            mermaid = render.to_mermaid(result)
            problems = "".join(f"\n- **{d.severity}** {d.message}" for d in result.diagnostics
                               if d.severity == "error")
            markdown = f"**{self.name}** — {status}, {len(result.nodes)} steps\n\n```mermaid\n{mermaid}```\n"
            if problems:
                markdown += problems + "\n"
            return {"text/markdown": markdown, "text/plain": _plain(render.to_text(result), 100)}
        except SpecwireError as exc:
            return {"text/plain": f"{self!r}\nerror: {exc}"}

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

        context = _stand_in_context()
        generate_configs([ConfigNode(node_name, step_type, job_type)], context,
                         {node_name: overrides} if overrides else None)

    def _train(self, step_type: str, config: StepConfig | Mapping[str, Any] | None, name: str | None,
               params: dict[str, Any]) -> Pipeline:
        step = self._catalog_step(step_type)
        settings = self._config_overrides(step, name or step, config)
        extra = self._training_overrides(step, params)
        if "hyperparameters" in settings and "hyperparameters" in extra:
            extra["hyperparameters"] = {**settings["hyperparameters"], **extra["hyperparameters"]}
        return self.add_step(step, name=name, **{**settings, **extra})

    @staticmethod
    def _training_overrides(step_type: str, params: Mapping[str, Any]) -> dict[str, Any]:
        """Split keywords into config fields and hyperparameters (scikit-learn names accepted)."""
        from specwire.configs import config_class_for
        from specwire.configs.model import nested_model

        cls = config_class_for(step_type)
        hp_cls = nested_model(cls, "hyperparameters") if "hyperparameters" in cls.model_fields else None
        top: dict[str, Any] = {}
        hyper: dict[str, Any] = {}
        for key, value in params.items():
            if key in cls.model_fields:
                top[key] = value
            elif hp_cls is not None and key in hp_cls.model_fields:
                hyper[key] = value
            elif hp_cls is not None and key in hp_cls.SYNONYMS:
                canonical = hp_cls.SYNONYMS[key]
                if canonical in params:
                    raise ConfigError(f"{step_type}: {key!r} and {canonical!r} name the same hyperparameter",
                                      suggested_fix=f"give only {canonical!r}")
                hyper[canonical] = value
            else:
                fields = [*cls.model_fields, *(hp_cls.model_fields if hp_cls else ())]
                close = did_you_mean(key, fields)
                hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else None
                raise ConfigError(
                    f"{step_type}: {key!r} is neither a hyperparameter nor a config field"
                    + (f" ({hint})" if hint else ""),
                    suggested_fix=hint or f"run `specwire configs show {step_type}`",
                )
        if hyper:
            given = top.get("hyperparameters")
            top["hyperparameters"] = {**(dict(given) if isinstance(given, Mapping) else {}), **hyper}
        return top

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
        role = self.role_arn or os.environ.get(ROLE_ENV)
        if not role:
            raise ConfigError(
                f"pipeline {self.name!r} has no IAM role: SageMaker runs every step as a role",
                suggested_fix=f"Pipeline({self.name!r}, role_arn='arn:aws:iam::<account>:role/<role>'), "
                f"upsert(role_arn=...), or set {ROLE_ENV}",
            )
        return role

    def _policy_facts(self, definition: Any) -> tuple[Any, ...]:
        """With policy files, what they may test: the context and each written node's config."""
        if not self.resolver.rule_files:
            return ()
        from specwire.policies import pipeline_policy_facts

        context: dict[str, Any] = {"environment": self.environment, "region": self.aws_region}
        for key, value in (("bucket", self.bucket), ("role_arn", self.role_arn or os.environ.get(ROLE_ENV)),
                           ("data_location", self._data_locations.get(None)), ("label_field", self.label_field),
                           ("data_size_gb", self.data_size_gb)):
            if value is not None:
                context[key] = value
        overrides = {s.name: (s.config.inputs() if s.config is not None else s.overrides) for s in self._steps}
        overrides = {k: {f: v for f, v in o.items() if f != "node_name"} for k, o in overrides.items() if o}
        try:
            return tuple(pipeline_policy_facts(definition.nodes, context, overrides, self.environment))
        except SpecwireError:
            # A config problem is reported by configs(), where it belongs; policies then see no config facts.
            return tuple(pipeline_policy_facts(definition.nodes, {"environment": self.environment}, {},
                                               self.environment))

    def _settings_key(self) -> tuple[Any, ...]:
        return (self.role_arn or os.environ.get(ROLE_ENV), self.aws_region, self.bucket, self.prefix,
                tuple(sorted(self.tags.items())), self.version, self.environment, self.data_size_gb,
                self.label_field, self.sagemaker_name)

    @property
    def aws_region(self) -> str:
        """The region used: `region`, else AWS_REGION, AWS_DEFAULT_REGION, else us-east-1."""
        return self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"

    def _context(self) -> Any:
        from specwire.configs import GenerationContext

        role = self._role()
        region = self.aws_region
        account = role.split(":")[4] if role.count(":") >= 5 else ""
        # A malformed role is reported on its own: a bucket named after its (missing) account would
        # only add two more errors about a bucket the user never gave.
        account = account if account.isdigit() and len(account) == 12 else "000000000000"
        bucket = self.bucket or f"sagemaker-{region}-{account}"
        locations = dict(self._data_locations)
        default = locations.pop(None, None) or next(iter(locations.values()), None) or f"s3://{bucket}/data/"
        extra = self._context_extra
        return GenerationContext.from_data({
            "pipeline_name": self._config_pipeline_name or self.sagemaker_name,
            "region": region, "role_arn": role, "bucket": bucket,
            "prefix": self.prefix, "tags": self.tags, "pipeline_version": self.version,
            "data_location": default, "data_locations": {k: v for k, v in locations.items() if k},
            "environment": self.environment, "data_size_gb": self.data_size_gb, "label_field": self.label_field,
            **extra,
        })

    def _generate(self, result: ResolvedPipeline) -> dict[str, StepConfig]:
        from specwire.configs import generate_configs

        present = {n.step_type for n in result.nodes}
        names = {n.name for n in result.nodes}
        overrides: dict[str, dict[str, Any]] = {}
        for step_type, (origin, changes) in self._type_overrides.items():
            if step_type not in present:
                raise ConfigError(
                    f"{origin} configures the {step_type} step, but the plan has none",
                    suggested_fix="add it (preprocess_tabular()) or drop the argument: the plan is "
                    + " -> ".join(result.order),
                )
            overrides[step_type] = dict(changes)
        for key, changes in self._file_overrides.items():
            if key not in names and key not in present:
                # Name it the way the config layer does (with its suggestions).
                overrides[key] = changes
                continue
            overrides[key] = {**overrides.get(key, {}), **changes}
        for step in self._steps:
            own = step.config.inputs() if step.config is not None else step.overrides
            if step.config is not None:
                own = {k: v for k, v in own.items() if k != "node_name"}
            if own:
                overrides[step.name] = {**overrides.get(step.name, {}), **own}
        configs = generate_configs(result.nodes, self._context(), overrides, edges=result.node_edges())
        for step in self._steps:
            if step.config is not None:
                configs[step.name] = step.config
        return configs


# --------------------------------------------------------------------------- helpers

_RESOLVERS: dict[tuple[tuple[str, ...], tuple[Path, ...]], Resolver] = {}


def _resolver_for(catalog: SpecRegistry | Sequence[str | Path] | None, rules: tuple[Path, ...],
                  packs: tuple[str, ...] = ()) -> Resolver:
    """One resolver per catalog and policy set, shared: stage one's matching is done once.

    Policies come from where `specwire resolve` finds them: the settings file's folders and
    packs, SPECWIRE_POLICY_PATH, `policy_packs`, then `rules`.
    """
    from specwire.engine.resolver import Resolver
    from specwire.policies import discover_policies
    from specwire.specs.registry import SpecRegistry, load_registry

    files = tuple(discover_policies(rules, packs))
    if isinstance(catalog, SpecRegistry):
        return Resolver(catalog, files)
    key = (tuple(str(c) for c in catalog) if catalog else (), files)
    if key not in _RESOLVERS:
        _RESOLVERS[key] = Resolver(load_registry(list(catalog) if catalog else None), files)
    return _RESOLVERS[key]


def _stand_in_context() -> Any:
    from specwire.configs import GenerationContext

    return GenerationContext(pipeline_name="check", region="us-east-1",
                             role_arn="arn:aws:iam::000000000000:role/check", bucket="specwire-check",
                             data_location="s3://specwire-check/data/")


def _trained_framework(step_type: str) -> str | None:
    """The framework a training step type trains (tuning excluded), from its config class."""
    from specwire.configs import CONFIG_CLASSES, TrainingStepConfig

    cls = CONFIG_CLASSES.get(step_type)
    if cls is None or not issubclass(cls, TrainingStepConfig) or "framework" in cls.model_fields:
        return None
    return getattr(cls, "FRAMEWORK", None) or None


def _tuning_from_training(overrides: Mapping[str, Any], tuning_type: str) -> dict[str, Any]:
    """A training step's settings carried to the tuning job that replaces it."""
    from specwire.configs import config_class_for

    fields = config_class_for(tuning_type).model_fields
    carried = {k: v for k, v in overrides.items() if k in fields and k not in ("hyperparameters", "framework")}
    hyper = overrides.get("hyperparameters")
    if isinstance(hyper, Mapping) and hyper:
        carried["static_hyperparameters"] = dict(hyper)
    return carried


def _default_ranges(settings: dict[str, Any]) -> None:
    """Without explicit ranges, search the framework's default space minus what is held fixed."""
    if "parameter_ranges" in settings:
        return
    from specwire.configs.steps.tuning import DEFAULT_RANGES

    fixed = settings.get("static_hyperparameters") or {}
    framework = settings.get("framework", "xgboost")
    if not fixed or framework not in DEFAULT_RANGES:
        return
    settings["parameter_ranges"] = {k: dict(v) for k, v in DEFAULT_RANGES[framework].items() if k not in fixed}


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


def _plain(markup: str, width: int) -> str:
    """Rich markup as plain text, the way the CLI's console renders it without colour."""
    import io

    from rich.console import Console

    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False, soft_wrap=True,
                      force_terminal=False)
    console.print(markup)
    return buffer.getvalue().rstrip("\n") + "\n"


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


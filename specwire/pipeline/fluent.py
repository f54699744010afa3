"""The fluent vocabulary of a `Pipeline`: levels 1 and 2, intents and steps.

Each method adds nodes (checked now, against the catalog and a stand-in context, so a wrong field
fails at the call that made it) and returns the pipeline, so calls chain. The pipeline's state, its
plan and its actions live in `specwire.pipeline.api`, which mixes this class in.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any, Literal, Self, cast

from specwire.errors import ConfigError, UnknownStepError, did_you_mean
from specwire.pipeline import generation
from specwire.pipeline.arguments import checked_methods
from specwire.pipeline.state import RequestedStep

if TYPE_CHECKING:
    from specwire.configs import StepConfig
    from specwire.configs.endpoint import EndpointDeploymentConfig
    from specwire.pipeline.api import Pipeline
    from specwire.specs.registry import SpecRegistry


def _annotation_names() -> dict[str, Any]:
    """The names the annotations below use that this module imports only for type checkers."""
    from specwire.configs import StepConfig
    from specwire.configs.endpoint import EndpointDeploymentConfig
    from specwire.specs.registry import SpecRegistry

    return {"StepConfig": StepConfig, "EndpointDeploymentConfig": EndpointDeploymentConfig,
            "SpecRegistry": SpecRegistry}


@checked_methods(_annotation_names)
class FluentSteps:
    """Adding steps by intent (`auto_train_*`) or one by one (`load_data`, `train_xgboost`, ...)."""

    fill_gaps: bool
    _steps: list[RequestedStep]
    _edges: list[tuple[str, str]]
    _type_overrides: dict[str, tuple[str, dict[str, Any]]]
    _data_locations: dict[str | None, str]
    _notes: list[str]

    if TYPE_CHECKING:
        @property
        def registry(self) -> SpecRegistry: ...

        def _changed(self) -> None: ...

    # ------------------------------------------------------------------ level 1: intents

    def auto_train_xgboost(self, data_uri: str, **hyperparameters: Any) -> Self:
        """Goal: an evaluated XGBoost model trained from the raw tabular data at `data_uri`."""
        return self.auto_train("xgboost", data_uri, **hyperparameters)

    def auto_train_lightgbm(self, data_uri: str, **hyperparameters: Any) -> Self:
        """Goal: an evaluated LightGBM model trained from the raw tabular data at `data_uri`."""
        return self.auto_train("lightgbm", data_uri, **hyperparameters)

    def auto_train_pytorch(self, data_uri: str, **hyperparameters: Any) -> Self:
        """Goal: an evaluated PyTorch model trained from the raw tabular data at `data_uri`."""
        return self.auto_train("pytorch", data_uri, **hyperparameters)

    def auto_train(self, framework: str, data_uri: str, **hyperparameters: Any) -> Self:
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
    ) -> Self:
        """Add a node of any catalog step type, configured by `config` and/or field overrides.

        `config` may be a config object of the step type (its step's own fields are used; the
        pipeline's shared fields — role, bucket, region — come from the pipeline) or a mapping
        of fields. Field names and values are checked now: an unknown field is an error with a
        suggestion, never ignored.
        """
        return self._add(step_type, name, job_type, config, overrides)

    def _add(self, step_type: str, name: str | None, job_type: str | None,
             config: StepConfig | Mapping[str, Any] | None, overrides: Mapping[str, Any], *,
             location: str | None = None) -> Self:
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
    ) -> Self:
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
    ) -> Self:
        """Clean raw tabular data and split it into train, validation and test sets."""
        return self.add_step(self._catalog_step("TabularPreprocessing"), name=name, job_type=job_type,
                             config=config, **overrides)

    def train_xgboost(
        self, config: StepConfig | Mapping[str, Any] | None = None, *, name: str | None = None, **params: Any
    ) -> Self:
        """Train XGBoost. Keywords are hyperparameters (`max_depth=8`, `n_estimators=200`) or fields
        of the training config (`instance_type=...`)."""
        return self._train("XGBoostTraining", config, name, params)

    def train_lightgbm(
        self, config: StepConfig | Mapping[str, Any] | None = None, *, name: str | None = None, **params: Any
    ) -> Self:
        """Train LightGBM; keywords as for `train_xgboost`."""
        return self._train("LightGBMTraining", config, name, params)

    def train_pytorch(
        self, config: StepConfig | Mapping[str, Any] | None = None, *, name: str | None = None, **params: Any
    ) -> Self:
        """Train specwire's PyTorch tabular network; keywords as for `train_xgboost`."""
        return self._train("PyTorchTraining", config, name, params)

    def tune_hyperparameters(
        self,
        framework: str | None = None,
        *,
        config: StepConfig | Mapping[str, Any] | None = None,
        name: str | None = None,
        **overrides: Any,
    ) -> Self:
        """Search hyperparameters (SageMaker automatic model tuning).

        After `train_<framework>(...)`, the training step *becomes* the tuning job: a tuning job
        runs the training jobs itself, so a separate training step would train a model nobody
        uses. The hyperparameters given to the training step stay fixed; the others are searched.
        """
        from specwire.pipeline import tuning

        tuning.tune(cast("Pipeline", self), framework, config=config, name=name, overrides=overrides)
        return self

    def evaluate_performance(
        self, metrics: Sequence[str] | None = None, *, config: StepConfig | Mapping[str, Any] | None = None,
        name: str | None = None, job_type: str | None = None, **overrides: Any,
    ) -> Self:
        """Score held-out data with the trained model; `metrics` go to evaluation.json."""
        if metrics is not None:
            overrides["metrics"] = list(metrics)
        return self.add_step(self._catalog_step("ModelEvaluation"), name=name, job_type=job_type, config=config,
                             **overrides)

    def calibrate(
        self, method: Literal["isotonic", "platt"] | None = None, *,
        config: StepConfig | Mapping[str, Any] | None = None, name: str | None = None, **overrides: Any,
    ) -> Self:
        """Fit a probability calibrator on the evaluated model's predictions."""
        if method is not None:
            overrides["method"] = method
        return self.add_step(self._catalog_step("ModelCalibration"), name=name, config=config, **overrides)

    def register_model(
        self, model_package_group_name: str | None = None, *,
        approval_status: Literal["PendingManualApproval", "Approved", "Rejected"] | None = None,
        config: StepConfig | Mapping[str, Any] | None = None, name: str | None = None, **overrides: Any,
    ) -> Self:
        """Register the model (with its evaluation) in a SageMaker model package group."""
        if model_package_group_name is not None:
            overrides["model_package_group_name"] = model_package_group_name
        if approval_status is not None:
            overrides["approval_status"] = approval_status
        return self.add_step(self._catalog_step("ModelRegistration"), name=name, config=config, **overrides)

    def batch_transform(
        self, config: StepConfig | Mapping[str, Any] | None = None, *, name: str | None = None,
        job_type: str | None = None, **overrides: Any,
    ) -> Self:
        """Score a data set offline with the model (the engine adds the model it needs)."""
        return self.add_step(self._catalog_step("BatchTransform"), name=name, job_type=job_type, config=config,
                             **overrides)

    def quality_gate(
        self, metric: str = "auc", threshold: float = 0.7, *, comparison: Literal[">=", ">", "<=", "<"] = ">=",
        config: StepConfig | Mapping[str, Any] | None = None, name: str | None = None, **overrides: Any,
    ) -> Self:
        """Go on only when `metric comparison threshold` holds for the evaluation report."""
        gate = {"metric_name": metric, "threshold": float(threshold), "comparison": comparison}
        return self.add_step(self._catalog_step("QualityGate"), name=name, config=config, **{**gate, **overrides})

    # ------------------------------------------------------------------ week 2: production forms

    def preprocess_with_quality_checks(
        self, config: StepConfig | Mapping[str, Any] | None = None, *, fail_on_violation: bool = False,
        skip_check: bool | None = None, register_new_baseline: bool | None = None,
        baseline_statistics: str | None = None, baseline_constraints: str | None = None,
        model_package_group_name: str | None = None, check: StepConfig | Mapping[str, Any] | None = None,
        name: str | None = None, job_type: str | None = None, **overrides: Any,
    ) -> Self:
        """`preprocess_tabular(config, **overrides)`, then a data-quality baseline and check of its
        training split (SageMaker's QualityCheck step, Model Monitor's analyzer): a `DataQualityCheck` node.

        The check compares the data with a previous baseline: `baseline_statistics` and
        `baseline_constraints` (S3 URIs of a statistics.json and a constraints.json), or the latest
        approved model of `model_package_group_name`. Without one (a first run) the check is skipped
        and only the baseline computed (`skip_check`, `register_new_baseline` override that).
        `fail_on_violation=True` fails the pipeline when the data breaks the baseline's constraints;
        by default violations are reported and the pipeline goes on. A model registered in the same
        pipeline carries the baseline (`DriftCheckBaselines.ModelDataQuality`), for monitoring it once
        deployed. `check` configures the check further (a `DataQualityCheckConfig` or a mapping).
        """
        settings: dict[str, Any] = {"fail_on_violation": fail_on_violation}
        for key, value in (("skip_check", skip_check), ("register_new_baseline", register_new_baseline),
                           ("supplied_baseline_statistics", baseline_statistics),
                           ("supplied_baseline_constraints", baseline_constraints),
                           ("model_package_group_name", model_package_group_name)):
            if value is not None:
                settings[key] = value
        step = self._catalog_step("DataQualityCheck")
        with self._all_or_nothing():
            self.preprocess_tabular(config, name=name, job_type=job_type, **overrides)
            prep = self._steps[-1].name
            checked = f"{prep}_quality" if prep != "TabularPreprocessing" else None
            self.add_step(step, name=checked, config=check, **settings)
            self.connect(prep, self._steps[-1].name)
        return self

    def train_xgboost_with_hyperparameter_tuning(
        self, config: StepConfig | Mapping[str, Any] | None = None, *,
        tuning: StepConfig | Mapping[str, Any] | None = None, max_jobs: int | None = None,
        max_parallel_jobs: int | None = None, name: str | None = None, **params: Any,
    ) -> Self:
        """Train XGBoost through a tuning job: `train_xgboost(...)` then `tune_hyperparameters()`.

        Keywords are as for `train_xgboost`: hyperparameters given are held fixed, the others are
        searched over the framework's default space (`specwire.configs.steps.tuning.DEFAULT_RANGES`).
        `tuning` configures the tuning job (a `HyperparameterTuningConfig` or a mapping:
        `parameter_ranges`, `objective_metric_name`, `strategy`, ...); `max_jobs` and
        `max_parallel_jobs` are its most common settings (defaults 20 and 4).
        """
        return self._train_and_tune("XGBoostTraining", config, tuning, max_jobs, max_parallel_jobs, name, params)

    def train_lightgbm_with_hyperparameter_tuning(
        self, config: StepConfig | Mapping[str, Any] | None = None, *,
        tuning: StepConfig | Mapping[str, Any] | None = None, max_jobs: int | None = None,
        max_parallel_jobs: int | None = None, name: str | None = None, **params: Any,
    ) -> Self:
        """Train LightGBM through a tuning job; arguments as for `train_xgboost_with_hyperparameter_tuning`."""
        return self._train_and_tune("LightGBMTraining", config, tuning, max_jobs, max_parallel_jobs, name, params)

    def train_pytorch_with_hyperparameter_tuning(
        self, config: StepConfig | Mapping[str, Any] | None = None, *,
        tuning: StepConfig | Mapping[str, Any] | None = None, max_jobs: int | None = None,
        max_parallel_jobs: int | None = None, name: str | None = None, **params: Any,
    ) -> Self:
        """Train the PyTorch network through a tuning job; arguments as for
        `train_xgboost_with_hyperparameter_tuning`."""
        return self._train_and_tune("PyTorchTraining", config, tuning, max_jobs, max_parallel_jobs, name, params)

    def _train_and_tune(self, step_type: str, config: StepConfig | Mapping[str, Any] | None,
                        tuning_config: StepConfig | Mapping[str, Any] | None, max_jobs: int | None,
                        max_parallel_jobs: int | None, name: str | None, params: dict[str, Any]) -> Self:
        from specwire.configs import keywords
        from specwire.pipeline import tuning

        search = {k: v for k, v in (("max_jobs", max_jobs), ("max_parallel_jobs", max_parallel_jobs)) if v is not None}
        with self._all_or_nothing():
            self._train(step_type, config, None, params)
            trainer = self._steps[-1].name
            tuning.tune(cast("Pipeline", self), keywords.trained_framework(step_type), config=tuning_config,
                        name=name, overrides=search, trainer=trainer)
        return self

    def evaluate_with_business_metrics(
        self, cost_matrix: Mapping[str, float] | None = None, *, false_negative_cost: float | None = None,
        false_positive_cost: float | None = None, decision_threshold: float | None = None,
        min_business_value: float | None = None, gate: bool = True, metrics: Sequence[str] | None = None,
        config: StepConfig | Mapping[str, Any] | None = None, name: str | None = None, **overrides: Any,
    ) -> Self:
        """Evaluate the model in money as well as in metrics, and gate on it.

        `cost_matrix` is the cost per record of each outcome (`false_negative`, `false_positive`,
        `true_positive`, `true_negative`; a gain is a negative cost); `false_negative_cost` (a missed
        fraud) and `false_positive_cost` (a false alarm) change one entry. Default
        (`DEFAULT_COST_MATRIX`): a missed positive costs 100, a false alarm 5, right decisions 0.
        evaluation.json then holds `business_value` (minus the expected cost per record at
        `decision_threshold`) and `business_value_gain` (its lead over the better no-model rule: flag
        everything or nothing), with the threshold they were computed at. The threshold defaults to
        the one the costs imply for probabilities (`cost_optimal_threshold`: 5/105 for the defaults),
        unless this call or the evaluation already set one.

        With `gate=True` a QualityGate follows: `business_value >= min_business_value` when given,
        else `business_value_gain > 0` (the model must be worth more than no model).
        """
        from specwire.configs.steps.evaluation import DEFAULT_COST_MATRIX, cost_optimal_threshold

        given = DEFAULT_COST_MATRIX if cost_matrix is None else cost_matrix
        costs: dict[str, Any] = {str(k): v for k, v in given.items()}
        for outcome, cost in (("false_negative", false_negative_cost), ("false_positive", false_positive_cost)):
            if cost is None:
                continue
            if isinstance(cost, bool) or not isinstance(cost, int | float) or not 0 <= cost < float("inf"):
                raise ConfigError(
                    f"evaluate_with_business_metrics: {outcome}_cost must be a non-negative number, got {cost!r}",
                    suggested_fix="give costs as positive amounts (a gain goes in cost_matrix as a negative cost)",
                )
            if cost_matrix is not None and outcome in cost_matrix and cost_matrix[outcome] != cost:
                raise ConfigError(
                    f"evaluate_with_business_metrics: {outcome}_cost={cost!r} and cost_matrix[{outcome!r}]="
                    f"{cost_matrix[outcome]!r} disagree",
                    suggested_fix=f"give the cost of a {outcome.replace('_', ' ')} once",
                )
            costs[outcome] = float(cost)
        settings: dict[str, Any] = {"cost_matrix": costs}
        if decision_threshold is not None:
            settings["decision_threshold"] = decision_threshold
        elif "decision_threshold" not in overrides:
            with suppress(ValueError, TypeError):  # the config's validation names what is wrong with the costs
                settings["decision_threshold"] = cost_optimal_threshold(costs)
        if metrics is not None:
            settings["metrics"] = list(metrics)
        step = self._catalog_step("ModelEvaluation")
        with self._all_or_nothing():
            # An evaluation already asked for (auto_train_*, evaluate_performance) gains the costs:
            # two evaluations of one model on one split would only disagree about which the gate reads.
            existing = [s for s in self._steps if s.step_type == step and s.job_type is None and s.config is None]
            if len(existing) == 1 and config is None and name in (None, existing[0].name):
                kept = existing[0]
                if decision_threshold is None and "decision_threshold" in kept.overrides:
                    settings.pop("decision_threshold", None)  # the threshold the evaluation was given stays
                merged = {**kept.overrides, **settings, **overrides}
                self._check(step, kept.name, None, merged)
                self._steps[self._steps.index(kept)] = RequestedStep(kept.name, step, None, merged)
                self._notes.append(f"evaluate_with_business_metrics: the evaluation {kept.name!r} also reports "
                                   "business metrics")
                self._changed()
                evaluation = kept.name
            else:
                self.add_step(step, name=name, config=config, **{**settings, **overrides})
                evaluation = self._steps[-1].name
            if gate:
                if min_business_value is not None:
                    self.quality_gate("business_value", min_business_value, comparison=">=")
                else:
                    self.quality_gate("business_value_gain", 0.0, comparison=">")
                self.connect(evaluation, self._steps[-1].name)
        return self

    def connect(self, source: str, target: str) -> Self:
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

    # ------------------------------------------------------------------ deployment, after approval

    #: The endpoint and monitoring settings (`deploy_with_monitoring`, a file's `deployment:` block).
    _deployment: EndpointDeploymentConfig | None = None

    def deploy_with_monitoring(
        self,
        endpoint_name: str | None = None,
        *,
        instance_type: str | None = None,
        initial_instance_count: int | None = None,
        capture_percentage: int | None = None,
        schedule: str | None = None,
        baseline: str | None = None,
        model_package_group_name: str | None = None,
        **settings: Any,
    ) -> Self:
        """Serve the model on a real-time endpoint with data capture and a data-quality monitoring
        schedule, once it is approved.

        The pipeline registers the model pending manual approval (a registration step is added if
        there is none); these settings are kept with the pipeline. After someone approves the package
        in the model registry, `deploy_approved_model()` (or `specwire deploy FILE --endpoint`) creates
        or updates the endpoint (capturing `capture_percentage` % of requests and responses) and a
        monitoring schedule (`schedule`: 'hourly', 'daily' or a cron expression) against the package's
        data-quality baseline, or `baseline` (an S3 folder with statistics.json and constraints.json).
        An endpoint inside the pipeline would serve models nobody approved, and SageMaker pipelines
        have no monitoring-schedule step: hence the split. Other keywords are fields of
        `EndpointDeploymentConfig` (`monitoring_instance_type=...`).
        """
        from specwire.configs.endpoint import EndpointDeploymentConfig

        given = {"endpoint_name": endpoint_name, "instance_type": instance_type,
                 "initial_instance_count": initial_instance_count, "capture_percentage": capture_percentage,
                 "schedule": schedule, "baseline": baseline}
        deployment = EndpointDeploymentConfig.from_data(
            {**{k: v for k, v in given.items() if v is not None}, **settings})
        with self._all_or_nothing():
            registrations = [s for s in self._steps if s.step_type == "ModelRegistration"]
            if not registrations:
                self.register_model(model_package_group_name)
            elif model_package_group_name is not None:
                raise ConfigError(
                    f"deploy_with_monitoring: the pipeline already registers its model ({registrations[0].name!r})",
                    suggested_fix="give model_package_group_name to register_model(...) instead")
        self._deployment = deployment
        self._notes.append(
            f"deploy_with_monitoring: the model is registered pending approval; once approved, "
            f"deploy_approved_model() serves it on endpoint {deployment.endpoint_name or '<pipeline>-endpoint'} "
            f"({deployment.capture_percentage}% captured) with a {deployment.schedule} data-quality schedule")
        return self

    @property
    def deployment(self) -> EndpointDeploymentConfig | None:
        """The endpoint and monitoring settings recorded with the pipeline, if any."""
        return self._deployment

    # ------------------------------------------------------------------ helpers

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
        classes = generation.catalog_classes(cast("Pipeline", self))
        generate_configs([ConfigNode(node_name, step_type, job_type)], context,
                         {node_name: overrides} if overrides else None, classes=classes)

    def _train(self, step_type: str, config: StepConfig | Mapping[str, Any] | None, name: str | None,
               params: dict[str, Any]) -> Self:
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

"""What every job of a built definition shares: outputs scoped by execution, retries on transient
errors, and the pipeline's VPC, KMS key, network isolation, tags and caching (from a pipeline
file's `context` or the same-named `Pipeline(...)` arguments). Each test reads the definition."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from builders_support import EVERYTHING, EXAMPLES, EXECUTION_ID, ROLE, Built, NetworkGuard, all_steps, build_example

from specwire.errors import ConfigError, PipelineFileError

#: Step kinds that run a SageMaker job (and so take VPC, KMS and tags; all but QualityCheck take job retries).
JOB_KINDS = {"Processing", "Training", "Tuning", "Transform", "QualityCheck"}
#: SageMaker's QualityCheck step takes no retry policies (SDK 3.27 `QualityCheckStep` has no such argument).
NO_RETRY_KINDS = {"Condition", "Fail", "QualityCheck"}
SECURED_CONTEXT = """\
context:
  subnets: [subnet-0abc12345, subnet-0def67890]
  security_group_ids: [sg-0abc12345]
  kms_key_id: alias/ml-data
  enable_network_isolation: true
  tags: {team: fraud, cost-center: "42"}
  cache: P7D
"""
SUBNETS = ["subnet-0abc12345", "subnet-0def67890"]
TAGS = [{"Key": "cost-center", "Value": "42"}, {"Key": "team", "Value": "fraud"}]


@pytest.fixture(scope="module")
def calibrated(offline: NetworkGuard) -> Built:
    return build_example(EXAMPLES / "calibrated.yaml", offline, bucket="ml-artifacts")


@pytest.fixture(scope="module")
def secured(offline: NetworkGuard, tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Every built-in step type, with a context that sets every job setting."""
    path = tmp_path_factory.mktemp("secured") / "secured.yaml"
    path.write_text(EVERYTHING + SECURED_CONTEXT, encoding="utf-8")
    return build_example(path, offline, region="eu-west-1", bucket="ml-artifacts")


def output_locations(step: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """(what, S3 location) of every output a step writes."""
    args = step.get("Arguments", {})
    for output in args.get("ProcessingOutputConfig", {}).get("Outputs", []):
        yield f"output {output['OutputName']}", output["S3Output"]["S3Uri"]
    if "OutputDataConfig" in args:
        yield "model artifacts", args["OutputDataConfig"]["S3OutputPath"]
    if "TrainingJobDefinition" in args:
        yield "tuned model artifacts", args["TrainingJobDefinition"]["OutputDataConfig"]["S3OutputPath"]
    if "TransformOutput" in args:
        yield "transform output", args["TransformOutput"]["S3OutputPath"]


def jobs(built: Built) -> list[dict[str, Any]]:
    return [s for s in all_steps(built.definition["Steps"]) if s["Type"] in JOB_KINDS]


def test_every_output_of_every_built_example_is_scoped_by_execution(
    fraud: Built, everything: Built, calibrated: Built
) -> None:
    built_in = {path.stem for path in EXAMPLES.glob("*.yaml")}
    assert built_in == {"fraud", "calibrated"}, f"a new built-in example ({built_in}): build and check it here"
    seen = 0
    for built in (fraud, everything, calibrated):
        for step in all_steps(built.definition["Steps"]):
            for what, location in output_locations(step):
                seen += 1
                assert isinstance(location, dict) and "Std:Join" in location, (step["Name"], what, location)
                assert location["Std:Join"]["Values"][1] == EXECUTION_ID, (step["Name"], what)
    assert seen >= 40  # every processing output, training, tuning and transform job of three pipelines
    quality = next(s for s in all_steps(everything.definition["Steps"]) if s["Type"] == "QualityCheck")
    assert [what for what, _ in output_locations(quality)] == ["output quality_check_output"]


def test_the_tuned_model_consumers_read_the_execution_scoped_best_model(everything: Built) -> None:
    consumers = [s for s in all_steps(everything.definition["Steps"])
                 if "Steps.tune.TrainingJobSummaries[0].TrainingJobName" in str(s.get("Arguments"))]
    assert consumers, "nothing reads the tuning step's best model"
    for step in consumers:
        assert str(EXECUTION_ID) in str(step["Arguments"]), step["Name"]


def test_every_job_retries_transient_errors_by_default(everything: Built) -> None:
    for step in all_steps(everything.definition["Steps"]):
        if step["Type"] in NO_RETRY_KINDS:
            assert "RetryPolicies" not in step
            continue
        policies = step.get("RetryPolicies")
        assert policies, f"{step['Name']} has no retry policy"
        kinds = {kind for policy in policies for kind in policy["ExceptionType"]}
        assert {"Step.SERVICE_FAULT", "Step.THROTTLING"} <= kinds
        if step["Type"] in JOB_KINDS:
            assert {"SageMaker.JOB_INTERNAL_ERROR", "SageMaker.CAPACITY_ERROR"} <= kinds
        assert all(policy["MaxAttempts"] == 3 for policy in policies)
    assert all("CacheConfig" not in step for step in all_steps(everything.definition["Steps"]))


def test_a_context_with_vpc_kms_tags_and_caching_reaches_every_job(secured: Built) -> None:
    seen = set()
    for step in jobs(secured):
        args, kind = step["Arguments"], step["Type"]
        seen.add(kind)
        assert step["CacheConfig"] == {"Enabled": True, "ExpireAfter": "P7D"}, step["Name"]
        assert args["Tags"] == TAGS, step["Name"]
        if kind in ("Processing", "QualityCheck"):
            assert args["NetworkConfig"] == {"EnableNetworkIsolation": True, "VpcConfig": {
                "SecurityGroupIds": ["sg-0abc12345"], "Subnets": SUBNETS}}
            assert args["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == "alias/ml-data"
            assert args["ProcessingOutputConfig"]["KmsKeyId"] == "alias/ml-data"
        elif kind in ("Training", "Tuning"):
            job = args["TrainingJobDefinition"] if kind == "Tuning" else args
            assert job["VpcConfig"] == {"SecurityGroupIds": ["sg-0abc12345"], "Subnets": SUBNETS}
            assert job["EnableNetworkIsolation"] is True
            assert job["ResourceConfig"]["VolumeKmsKeyId"] == "alias/ml-data"
            assert job["OutputDataConfig"]["KmsKeyId"] == "alias/ml-data"
        else:
            assert args["TransformOutput"]["KmsKeyId"] == "alias/ml-data"
            assert args["TransformResources"]["VolumeKmsKeyId"] == "alias/ml-data"
    assert seen == JOB_KINDS
    model = next(s for s in all_steps(secured.definition["Steps"]) if s["Type"] == "Model")
    request = model["Arguments"]
    assert request["VpcConfig"] == {"Subnets": SUBNETS, "SecurityGroupIds": ["sg-0abc12345"]}
    assert request["EnableNetworkIsolation"] is True and request["Tags"] == TAGS


def test_pipeline_arguments_are_the_same_settings_as_the_context() -> None:
    from specwire import Pipeline

    pipeline = Pipeline("fraud", role_arn=ROLE, bucket="ml-artifacts", subnets=SUBNETS,
                        security_group_ids=["sg-0abc12345"], kms_key_id="alias/ml-data", enable_network_isolation=True,
                        cache=True, retry_attempts=0, tags={"team": "fraud"}).auto_train_xgboost("s3://fraud-data/")
    for config in pipeline.configs().values():
        assert (config.subnets, config.security_group_ids, config.kms_key_id) == (
            SUBNETS, ["sg-0abc12345"], "alias/ml-data")
        assert (config.enable_network_isolation, config.cache, config.retry_attempts) == (True, True, 0)


def test_cache_true_keeps_results_30_days_and_zero_retries_means_none(offline: NetworkGuard) -> None:
    from specwire import Pipeline

    pipeline = Pipeline("fraud", role_arn=ROLE, bucket="ml-artifacts", cache=True, retry_attempts=0)
    import json

    definition = json.loads(pipeline.auto_train_xgboost("s3://fraud-data/").definition())
    for step in all_steps(definition["Steps"]):
        if step["Type"] in JOB_KINDS:
            assert step["CacheConfig"] == {"Enabled": True, "ExpireAfter": "P30D"}
        assert "RetryPolicies" not in step


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ("subnets: [subnet-0abc12345]", "security_group_ids: is empty while subnets is set"),
        ("kms_key_id: 'not a key!'", "kms_key_id: must be a KMS key ID"),
        ("cache: 30 days", "cache: must be true, false, or how long"),
        ("retry_attempts: 50", "retry_attempts"),
        ("subnets: [vpc-123]", "must be a subnet ID"),
    ],
)
def test_bad_job_settings_name_the_field(tmp_path: Path, context: str, message: str) -> None:
    from specwire import Pipeline

    path = tmp_path / "p.yaml"
    path.write_text(f"name: p\ncontext:\n  {context}\nnodes:\n  - {{name: load, step: DataLoading}}\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        Pipeline.from_file(path, role_arn=ROLE).configs()


def test_a_misspelled_context_key_suggests_the_setting(tmp_path: Path) -> None:
    from specwire import Pipeline

    path = tmp_path / "p.yaml"
    path.write_text("name: p\ncontext:\n  security_groups: [sg-0abc12345]\nnodes:\n  - {name: l, step: DataLoading}\n",
                    encoding="utf-8")
    with pytest.raises(PipelineFileError, match="did you mean 'security_group_ids'"):
        Pipeline.from_file(path, role_arn=ROLE)

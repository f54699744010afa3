"""Model steps on this machine: CreateModel, RegisterModel (a local registry) and Transform.

- Model (`CreateModel`): the model archive (`ModelDataUrl`) is unpacked, as the serving
  container does into `/opt/ml/model`, and its code (`SAGEMAKER_SUBMIT_DIRECTORY`) into `code/`;
  the model is then known by its name to the transform steps of the run.
- RegisterModel: a record in `<workdir>/registry/<group>/<version>.json`: the package's
  containers, model archive, approval status, content types, customer metadata and the metrics
  documents of `ModelMetrics`, read from the files they name.
- Transform: the model's serving handlers over the input (see `serving_boot.py`), output as
  `<input file>.out` under `TransformOutput.S3OutputPath`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from specwire.files import atomic_write
from specwire.local.context import Outcome, RunContext
from specwire.local.expressions import ExpressionError
from specwire.local.images import emulation_problem
from specwire.local.jobs import fetch_code, unpack
from specwire.local.sandbox import StepFailed, child_environment, run_logged

SERVING_BOOT = Path(__file__).with_name("serving_boot.py")
PROGRAM = "SAGEMAKER_PROGRAM"
SUBMIT_DIRECTORY = "SAGEMAKER_SUBMIT_DIRECTORY"


def containers_of(arguments: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The containers of a CreateModel request or a model package's inference specification."""
    if "PrimaryContainer" in arguments:
        return [arguments["PrimaryContainer"]]
    if "Containers" in arguments:
        return list(arguments["Containers"])
    return list((arguments.get("InferenceSpecification") or {}).get("Containers") or [])


def serving_problem(container: Mapping[str, Any]) -> str | None:
    """Why a model container cannot serve here, or None."""
    problem = emulation_problem(container.get("Image"))
    if problem:
        return problem
    env = container.get("Environment") or {}
    if PROGRAM not in env or SUBMIT_DIRECTORY not in env:
        return ("its container serves with the image's default handlers (no SAGEMAKER_PROGRAM / "
                "SAGEMAKER_SUBMIT_DIRECTORY); a local run serves through an inference script")
    return None


def _model_archive(ctx: RunContext, uri: Any) -> Path:
    if not isinstance(uri, str):
        raise StepFailed(f"ModelDataUrl {uri!r} is not a location")
    path = ctx.s3.path(uri)
    if not path.is_file():
        raise StepFailed(f"the model archive {uri} does not exist")
    return path


def run_model(name: str, arguments: dict[str, Any], step: Mapping[str, Any], ctx: RunContext) -> Outcome:
    containers = containers_of(arguments)
    if len(containers) != 1:
        raise StepFailed(f"a model with {len(containers)} containers does not run locally (one does)")
    container = containers[0]
    problem = serving_problem(container)
    if problem:
        raise StepFailed(problem)
    log = ctx.container(name)
    model_name = str(arguments.get("ModelName") or ctx.job_name(name))
    folder = log.folder / "model"
    archive = _model_archive(ctx, container.get("ModelDataUrl"))
    unpack(archive, folder / "model")
    env = container.get("Environment") or {}
    fetch_code(ctx, str(env[SUBMIT_DIRECTORY]), folder / "code")
    if not (folder / "code" / str(env[PROGRAM])).is_file():
        raise StepFailed(f"{PROGRAM} {env[PROGRAM]!r} is not in {env[SUBMIT_DIRECTORY]}")
    ctx.models[model_name] = folder
    record = {"ModelName": model_name, "Image": container.get("Image"), "ModelDataUrl": container.get("ModelDataUrl"),
              "Environment": env, "archive": str(archive), "folder": str(folder)}
    atomic_write(folder / "model.json", json.dumps(record, indent=2, sort_keys=True) + "\n")
    log.note(f"model {model_name}: {archive} unpacked into {folder / 'model'}; code {env[PROGRAM]}")
    properties = {**arguments, "ModelName": model_name, "ModelArn": ctx.arn("model", model_name)}
    return Outcome(properties, {"model": str(folder)})


def _metrics(ctx: RunContext, value: Any, where: str) -> Any:
    """ModelMetrics with each `{ContentType, S3Uri}` source's document read in (a JSON file)."""
    if isinstance(value, Mapping):
        if "S3Uri" in value and "ContentType" in value:
            uri = str(value["S3Uri"])
            try:
                document = ctx.s3.read_json(uri)
            except ExpressionError as exc:
                raise StepFailed(f"{where}: {exc}") from None
            return {"S3Uri": uri, "path": str(ctx.s3.path(uri)), "ContentType": value["ContentType"],
                    "document": document}
        return {key: _metrics(ctx, item, f"{where}.{key}") for key, item in value.items()}
    return value


def run_register(name: str, arguments: dict[str, Any], step: Mapping[str, Any], ctx: RunContext) -> Outcome:
    group = str(arguments.get("ModelPackageGroupName") or "")
    if not group:
        raise StepFailed("ModelPackageGroupName is missing (a versioned model package is what a local run registers)")
    containers = containers_of(arguments)
    for container in containers:
        problem = serving_problem(container)
        if problem:
            raise StepFailed(problem)
        _model_archive(ctx, container.get("ModelDataUrl"))
    folder = ctx.workdir / "registry" / group
    folder.mkdir(parents=True, exist_ok=True)
    version = 1 + sum(1 for _ in folder.glob("*.json"))
    arn = ctx.arn("model-package", f"{group}/{version}")
    record = {
        "ModelPackageGroupName": group,
        "ModelPackageVersion": version,
        "ModelPackageArn": arn,
        "ModelApprovalStatus": arguments.get("ModelApprovalStatus", "PendingManualApproval"),
        "ModelPackageDescription": arguments.get("ModelPackageDescription"),
        "Containers": [{**c, "model_archive": str(ctx.s3.path(str(c.get("ModelDataUrl"))))} for c in containers],
        "SupportedContentTypes": (arguments.get("InferenceSpecification") or {}).get("SupportedContentTypes"),
        "SupportedResponseMIMETypes": (arguments.get("InferenceSpecification") or {}).get(
            "SupportedResponseMIMETypes"),
        "CustomerMetadataProperties": arguments.get("CustomerMetadataProperties") or {},
        "ModelMetrics": _metrics(ctx, arguments.get("ModelMetrics") or {}, "ModelMetrics"),
        "DriftCheckBaselines": _metrics(ctx, arguments.get("DriftCheckBaselines") or {}, "DriftCheckBaselines"),
        "PipelineExecutionId": ctx.execution_id,
    }
    path = folder / f"{version}.json"
    atomic_write(path, json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")
    ctx.container(name).note(f"registered {arn} ({record['ModelApprovalStatus']}) in {path}")
    properties = {**arguments, "ModelPackageArn": arn, "ModelPackageVersion": version,
                  "ModelPackageStatus": "Completed"}
    return Outcome(properties, {"model_package": str(path)})


def run_transform(name: str, arguments: dict[str, Any], step: Mapping[str, Any], ctx: RunContext) -> Outcome:
    model_name = str(arguments.get("ModelName"))
    if model_name not in ctx.models:
        raise StepFailed(f"model {model_name!r} was not created by this run (a local run serves its own models)")
    model = ctx.models[model_name]
    record = json.loads((model / "model.json").read_text(encoding="utf-8"))
    transform_input = arguments.get("TransformInput") or {}
    source = ((transform_input.get("DataSource") or {}).get("S3DataSource") or {})
    uri = str(source.get("S3Uri"))
    output = arguments.get("TransformOutput") or {}
    output_uri = str(output.get("S3OutputPath", "")).rstrip("/")
    if not output_uri:
        raise StepFailed("TransformOutput.S3OutputPath is missing")
    container = ctx.container(name)
    container.prepare()
    staged = container.root / "input" / "data"
    if not ctx.s3.exists(uri):
        raise StepFailed(f"TransformInput: nothing at {uri}")
    ctx.s3.download(uri, staged, source.get("S3DataType", "S3Prefix"))
    files = sorted(p for p in staged.rglob("*") if p.is_file())
    target = ctx.s3.path(output_uri)
    job = {
        "model_dir": str(model / "model"),
        "code_dir": str(model / "code"),
        "program": record["Environment"][PROGRAM],
        "inputs": [[str(f), str(target / f"{f.relative_to(staged)}.out")] for f in files],
        "content_type": transform_input.get("ContentType"),
        "accept": output.get("Accept"),
        "split_type": transform_input.get("SplitType", "None"),
        "batch_strategy": arguments.get("BatchStrategy", "MultiRecord"),
        "max_payload_mb": arguments.get("MaxPayloadInMB", 6),
        "assemble_with": output.get("AssembleWith", "None"),
    }
    join = str((arguments.get("DataProcessing") or {}).get("JoinSource", "None"))
    if join != "None":
        raise StepFailed(f"DataProcessing.JoinSource {join!r} is not supported by a local run (None is)")
    spec = container.folder / "transform-job.json"
    atomic_write(spec, json.dumps(job, indent=2) + "\n")
    env = child_environment(record.get("Environment") or {})
    code = run_logged([sys.executable, str(SERVING_BOOT), str(spec)], env=env, cwd=model / "code",
                      log=container.log)
    if code != 0:
        raise StepFailed(container.failure_reason(code))
    job_name = ctx.job_name(name)
    properties = {**arguments, "TransformJobName": job_name, "TransformJobStatus": "Completed",
                  "TransformJobArn": ctx.arn("transform-job", job_name)}
    return Outcome(properties, {"transform_output": str(target)})

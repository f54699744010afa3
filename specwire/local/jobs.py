"""Processing, training and tuning jobs, emulated with the container contract of SageMaker.

Processing: each `ProcessingInput` is copied to its `LocalPath`, the `ContainerEntrypoint`
(`python3 /opt/ml/processing/input/code/<script>`) runs with `ContainerArguments` and the job's
`Environment`, and each output folder is copied to its `S3Output.S3Uri` when the job ends.

Training (script mode): `sagemaker_submit_directory` is unpacked into `/opt/ml/code`, each
channel is copied to `/opt/ml/input/data/<channel>` and named by `SM_CHANNEL_<CHANNEL>`, the
hyperparameters (without the `sagemaker_*` ones) are passed as `--name value` as the training
toolkit passes them, and `SM_MODEL_DIR` is archived as `<S3OutputPath>/<job>/output/model.tar.gz`.
The metrics of `MetricDefinitions` are read from the job's log with their regexes.

Tuning: a few trials (at most `RunContext.max_trials`) of the training job, one after the other,
with hyperparameters drawn from the ranges (seeded: the same trials every run); the best by the
objective metric is `BestTrainingJob` and `TrainingJobSummaries[0]`.
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import re
import tarfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from specwire.files import atomic_write
from specwire.local.context import Outcome, RunContext
from specwire.local.sandbox import Container, StepFailed, child_environment

PYTHON_COMMANDS = ("python", "python3")
SUBMIT_DIRECTORY = "sagemaker_submit_directory"
PROGRAM = "sagemaker_program"


# ---------------------------------------------------------------- processing


def processing_program(arguments: Mapping[str, Any]) -> tuple[str, list[str]] | str:
    """(container path of the script, its arguments), or why the entry point cannot run here."""
    app = arguments.get("AppSpecification") or {}
    entrypoint = list(app.get("ContainerEntrypoint") or [])
    if len(entrypoint) < 2 or Path(str(entrypoint[0])).name not in PYTHON_COMMANDS:
        return (f"its container entry point is {entrypoint or 'the image default'}; a local run runs "
                "`python3 <script>` entry points only")
    return str(entrypoint[1]), [str(a) for a in entrypoint[2:]] + [str(a) for a in app.get("ContainerArguments") or []]


def run_processing(name: str, arguments: dict[str, Any], step: Mapping[str, Any], ctx: RunContext) -> Outcome:
    container = ctx.container(name)
    container.prepare()
    for item in arguments.get("ProcessingInputs") or []:
        source = item.get("S3Input")
        if not source:
            raise StepFailed(f"input {item.get('InputName')!r}: only S3 inputs run locally")
        uri, local = str(source["S3Uri"]), str(source["LocalPath"])
        if not ctx.s3.exists(uri):
            raise StepFailed(f"input {item.get('InputName')!r}: nothing at {uri}")
        ctx.s3.download(uri, container.host(local), source.get("S3DataType", "S3Prefix"))
    outputs = (arguments.get("ProcessingOutputConfig") or {}).get("Outputs") or []
    for item in outputs:
        container.host(str(item["S3Output"]["LocalPath"])).mkdir(parents=True, exist_ok=True)
    program = processing_program(arguments)
    if isinstance(program, str):
        raise StepFailed(program)
    script, args = program
    host_script = container.translate(script)
    if not Path(host_script).is_file():
        raise StepFailed(f"the script {script} is not in the job's inputs (was the code uploaded?)")
    env = child_environment(arguments.get("Environment") or {})
    timeout = (arguments.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds")
    code = container.run_python(Path(host_script), [container.translate(a) for a in args], env=env,
                                cwd=container.root, timeout=float(timeout) if timeout else None)
    if code != 0:
        raise StepFailed(container.failure_reason(code))
    files: dict[str, str] = {}
    for item in outputs:
        uri = str(item["S3Output"]["S3Uri"])
        ctx.s3.upload_folder(container.host(str(item["S3Output"]["LocalPath"])), uri)
        files[str(item["OutputName"])] = str(ctx.s3.path(uri))
    job = ctx.job_name(name)
    properties = {**arguments, "ProcessingJobName": job, "ProcessingJobStatus": "Completed",
                  "ProcessingJobArn": ctx.arn("processing-job", job)}
    by_output = {str(item["OutputName"]): str(item["S3Output"]["S3Uri"]) for item in outputs}
    property_files = {}
    for declared in step.get("PropertyFiles") or []:
        output = str(declared.get("OutputName"))
        if output in by_output:
            uri = by_output[output].rstrip("/") + "/" + str(declared.get("FilePath", "")).lstrip("/")
            property_files[str(declared["PropertyFileName"])] = uri
    return Outcome(properties, files, property_files)


# ---------------------------------------------------------------- training


def hyperparameter_text(value: Any) -> str:
    """A hyperparameter as the container receives it (SDK 2 JSON-quoted strings: unquoted)."""
    text = str(value)
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            return str(json.loads(text))
        except ValueError:
            return text
    return text


def training_code_problem(hyperparameters: Mapping[str, Any]) -> str | None:
    if PROGRAM not in hyperparameters or SUBMIT_DIRECTORY not in hyperparameters:
        return ("it runs the image's built-in algorithm (no sagemaker_program / sagemaker_submit_directory "
                "hyperparameters); a local run needs a training script")
    return None


def unpack(archive: Path, target: Path) -> None:
    """Unpack a tar.gz as the containers do, refusing links and paths that leave `target`."""
    target.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(archive) as tar:
            root = target.resolve()
            for member in tar.getmembers():
                dest = (target / member.name).resolve()
                if not (member.isfile() or member.isdir()) or (dest != root and root not in dest.parents):
                    raise StepFailed(f"{archive.name} holds {member.name!r}, which is not a plain file inside it")
            if hasattr(tarfile, "data_filter"):
                tar.extractall(target, filter="data")
            else:  # pragma: no cover - Pythons without the extraction filters
                tar.extractall(target)
    except tarfile.TarError as exc:
        raise StepFailed(f"{archive.name} is not a readable tar.gz: {exc}") from None


def pack(folder: Path, archive: Path) -> None:
    """`folder`'s files as a tar.gz with paths relative to it (SageMaker's model.tar.gz), written atomically."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(folder)))
    atomic_write(archive, buffer.getvalue())


def fetch_code(ctx: RunContext, uri: str, target: Path) -> None:
    """Put the code archive (or a single script) at `uri` into `target`, unpacked."""
    source = ctx.s3.path(uri)
    if not source.is_file():
        raise StepFailed(f"its code {uri} is not there (the build's script uploads were not staged)")
    if source.name.endswith((".tar.gz", ".tgz")):
        unpack(source, target)
    else:
        atomic_write(target / source.name, source.read_bytes())


def read_metrics(log: Path, definitions: list[Mapping[str, Any]]) -> dict[str, float]:
    """The last value each metric regex matches in the job's log (SageMaker keeps the final one)."""
    text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
    values: dict[str, float] = {}
    for definition in definitions:
        name, regex = str(definition.get("Name")), str(definition.get("Regex"))
        try:
            found = re.findall(regex, text)
        except re.error:
            continue
        for match in found:
            value = match[0] if isinstance(match, tuple) else match
            try:
                values[name] = float(value)
            except ValueError:
                continue
    return values


def train_once(ctx: RunContext, container: Container, job: str, definition: Mapping[str, Any],
               hyperparameters: Mapping[str, Any]) -> tuple[str, dict[str, float]]:
    """One training job; returns the S3 URI of its model.tar.gz and the metrics it logged."""
    container.prepare()
    root = container.root
    code_dir = root / "code"
    hps = {str(k): hyperparameter_text(v) for k, v in hyperparameters.items()}
    problem = training_code_problem(hps)
    if problem:
        raise StepFailed(problem)
    fetch_code(ctx, hps[SUBMIT_DIRECTORY], code_dir)
    program = code_dir / hps[PROGRAM]
    if not program.is_file():
        raise StepFailed(f"sagemaker_program {hps[PROGRAM]!r} is not in {hps[SUBMIT_DIRECTORY]}")
    channels: list[str] = []
    env: dict[str, str] = {}
    for channel in definition.get("InputDataConfig") or []:
        name = str(channel["ChannelName"])
        source = channel["DataSource"]["S3DataSource"]
        uri = str(source["S3Uri"])
        if not ctx.s3.exists(uri):
            raise StepFailed(f"channel {name!r}: nothing at {uri}")
        target = root / "input" / "data" / name
        ctx.s3.download(uri, target, source.get("S3DataType", "S3Prefix"))
        env[f"SM_CHANNEL_{name.upper()}"] = str(target)
        channels.append(name)
    user = {k: v for k, v in hps.items() if not k.startswith("sagemaker_")}
    config = root / "input" / "config"
    config.mkdir(parents=True, exist_ok=True)
    atomic_write(config / "hyperparameters.json", json.dumps(hps, indent=2))
    atomic_write(config / "inputdataconfig.json", json.dumps({c: {"TrainingInputMode": "File"} for c in channels}))
    atomic_write(config / "resourceconfig.json", json.dumps({"current_host": "algo-1", "hosts": ["algo-1"]}))
    (root / "output" / "data").mkdir(parents=True, exist_ok=True)
    env.update({
        "SM_MODEL_DIR": str(root / "model"),
        "SM_OUTPUT_DATA_DIR": str(root / "output" / "data"),
        "SM_OUTPUT_DIR": str(root / "output"),
        "SM_INPUT_DIR": str(root / "input"),
        "SM_INPUT_CONFIG_DIR": str(config),
        "SM_CHANNELS": json.dumps(channels),
        "SM_HPS": json.dumps(user),
        "SM_USER_ENTRY_POINT": hps[PROGRAM],
        "SM_MODULE_DIR": hps[SUBMIT_DIRECTORY],
        "SM_CURRENT_HOST": "algo-1",
        "SM_HOSTS": json.dumps(["algo-1"]),
        "SM_NUM_GPUS": "0",
        "SM_NUM_CPUS": str(os.cpu_count() or 1),
        "SM_TRAINING_ENV": json.dumps({"job_name": job, "hyperparameters": user, "channel_input_dirs": {
            c: str(root / "input" / "data" / c) for c in channels}}),
        **{f"SM_HP_{k.upper()}": v for k, v in user.items()},
    })
    env.update({str(k): str(v) for k, v in (definition.get("Environment") or {}).items()})
    arguments = [part for name, value in user.items() for part in (f"--{name}", value)]
    timeout = (definition.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds")
    code = container.run_python(program, arguments, env=child_environment(env), cwd=code_dir,
                                timeout=float(timeout) if timeout else None)
    if code != 0:
        raise StepFailed(container.failure_reason(code))
    output_path = str((definition.get("OutputDataConfig") or {}).get("S3OutputPath", "")).rstrip("/")
    if not output_path:
        raise StepFailed("OutputDataConfig.S3OutputPath is missing")
    model_uri = f"{output_path}/{job}/output/model.tar.gz"
    pack(root / "model", ctx.s3.path(model_uri))
    if any((root / "output" / "data").iterdir()):
        pack(root / "output" / "data", ctx.s3.path(f"{output_path}/{job}/output/output.tar.gz"))
    metrics = read_metrics(container.log, list((definition.get("AlgorithmSpecification") or {})
                                               .get("MetricDefinitions") or []))
    return model_uri, metrics


def run_training(name: str, arguments: dict[str, Any], step: Mapping[str, Any], ctx: RunContext) -> Outcome:
    job = ctx.job_name(name)
    model_uri, metrics = train_once(ctx, ctx.container(name), job, arguments, arguments.get("HyperParameters") or {})
    properties = {
        **arguments,
        "TrainingJobName": job,
        "TrainingJobArn": ctx.arn("training-job", job),
        "TrainingJobStatus": "Completed",
        "ModelArtifacts": {"S3ModelArtifacts": model_uri},
        "FinalMetricDataList": [{"MetricName": k, "Value": v} for k, v in metrics.items()],
    }
    return Outcome(properties, {"model": str(ctx.s3.path(model_uri))})


# ---------------------------------------------------------------- tuning


def sample(ranges: Mapping[str, Any], rng: random.Random) -> dict[str, str]:
    """One draw from a tuning job's `ParameterRanges`, as strings (the container receives text)."""
    values: dict[str, str] = {}
    for spec in ranges.get("IntegerParameterRanges") or []:
        low, high = int(spec["MinValue"]), int(spec["MaxValue"])
        if spec.get("ScalingType") in ("Logarithmic", "ReverseLogarithmic") and low > 0:
            values[spec["Name"]] = str(round(math.exp(rng.uniform(math.log(low), math.log(high)))))
        else:
            values[spec["Name"]] = str(rng.randint(low, high))
    for spec in ranges.get("ContinuousParameterRanges") or []:
        bottom, top = float(spec["MinValue"]), float(spec["MaxValue"])
        if spec.get("ScalingType") == "Logarithmic" and bottom > 0:
            value = math.exp(rng.uniform(math.log(bottom), math.log(top)))
        else:
            value = rng.uniform(bottom, top)
        values[spec["Name"]] = repr(round(value, 6))
    for spec in ranges.get("CategoricalParameterRanges") or []:
        values[spec["Name"]] = str(rng.choice(list(spec["Values"])))
    return values


def run_tuning(name: str, arguments: dict[str, Any], step: Mapping[str, Any], ctx: RunContext) -> Outcome:
    config = arguments.get("HyperParameterTuningJobConfig") or {}
    definition = arguments.get("TrainingJobDefinition")
    if definition is None:
        raise StepFailed("a tuning job with several training job definitions does not run locally")
    objective = config.get("HyperParameterTuningJobObjective") or {}
    metric, maximize = str(objective.get("MetricName")), objective.get("Type", "Maximize") == "Maximize"
    limits = config.get("ResourceLimits") or {}
    trials = max(1, min(int(limits.get("MaxNumberOfTrainingJobs", 1)), ctx.max_trials))
    rng = random.Random(zlib.crc32(name.encode("utf-8")))
    tuning_job = ctx.job_name(name)[:32].rstrip("-")
    summaries: list[dict[str, Any]] = []
    failures: list[str] = []
    log = ctx.container(name)
    for index in range(trials):
        tuned = sample(config.get("ParameterRanges") or {}, rng)
        job = f"{tuning_job}-{index + 1:03d}"
        hyperparameters = {**(definition.get("StaticHyperParameters") or {}), **tuned}
        log.note(f"trial {job}: {json.dumps(tuned, sort_keys=True)}")
        try:
            model_uri, metrics = train_once(ctx, ctx.container(name, "trials", job), job, definition, hyperparameters)
        except StepFailed as exc:
            failures.append(f"{job}: {exc}")
            log.note(f"trial {job} failed: {exc}")
            continue
        if metric not in metrics:
            failures.append(f"{job}: the log has no {metric} (regex of MetricDefinitions)")
            log.note(f"trial {job}: no value of {metric} in its log")
            continue
        log.note(f"trial {job}: {metric}={metrics[metric]}")
        summaries.append({
            "TrainingJobName": job,
            "TrainingJobStatus": "Completed",
            "TunedHyperParameters": tuned,
            "FinalHyperParameterTuningJobObjectiveMetric": {"MetricName": metric, "Value": metrics[metric]},
            "ModelArtifacts": {"S3ModelArtifacts": model_uri},
        })
    if not summaries:
        raise StepFailed(f"no trial of {trials} reported {metric}: " + "; ".join(failures)[:900])
    summaries.sort(key=lambda s: s["FinalHyperParameterTuningJobObjectiveMetric"]["Value"], reverse=maximize)
    best = summaries[0]
    properties = {
        **arguments,
        "HyperParameterTuningJobName": tuning_job,
        "HyperParameterTuningJobStatus": "Completed",
        "BestTrainingJob": best,
        "TrainingJobSummaries": summaries,
    }
    best_model = str(ctx.s3.path(best["ModelArtifacts"]["S3ModelArtifacts"]))
    return Outcome(properties, {"best_model": best_model})

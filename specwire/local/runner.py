"""Run a built SageMaker pipeline definition on this machine, step by step.

    from specwire.local import run_definition

    result = run_definition(definition_json, parameters={"InputDataUri": "data/"},
                            uploads=pipeline.script_uploads(), pipeline_name="fraud-detection")

The definition is read as SageMaker reads it (never the plan behind it). Before anything runs,
every step is checked: a step type, image or entry point a local run cannot emulate is refused
(`BadInputError`, naming each step and why), as is a parameter the pipeline does not declare or
an input location this machine does not have. Then the steps run in order; when one fails or a
Fail step is reached, the steps not yet run are NotRun, as in SageMaker.
"""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from specwire.errors import BadInputError
from specwire.files import atomic_write
from specwire.local.context import Outcome, RunContext
from specwire.local.expressions import ExpressionError, Scope, condition_holds, describe, parameter_values
from specwire.local.images import emulation_problem
from specwire.local.jobs import processing_program, run_processing, run_training, run_tuning, training_code_problem
from specwire.local.models import containers_of, run_model, run_register, run_transform, serving_problem
from specwire.local.quality import quality_check_problem, run_quality_check
from specwire.local.results import RunResult, StepResult
from specwire.local.sandbox import StepFailed
from specwire.local.steps import StepNode, flatten, load_definition
from specwire.local.storage import LocalS3, is_s3

Executor = Callable[[str, dict[str, Any], Mapping[str, Any], RunContext], Outcome]
EXECUTORS: dict[str, Executor] = {
    "Processing": run_processing,
    "Training": run_training,
    "Tuning": run_tuning,
    "Model": run_model,
    "RegisterModel": run_register,
    "Transform": run_transform,
    "QualityCheck": run_quality_check,
}
#: Steps decided by the runner itself.
CONTROL_STEPS = ("Condition", "Fail")
RESULTS_FILE = "results.json"


def run_definition(
    definition: str | bytes | Mapping[str, Any],
    *,
    parameters: Mapping[str, Any] | None = None,
    uploads: Iterable[tuple[str | Path, str]] = (),
    workdir: str | Path | None = None,
    pipeline_name: str = "local-pipeline",
    region: str = "us-east-1",
    max_trials: int = 3,
    on_step: Callable[[StepResult], None] | None = None,
    interface: Literal["python", "cli"] = "python",
) -> RunResult:
    """Run the definition's steps here; returns every step's result (also in `<workdir>/results.json`).

    `parameters` set pipeline parameters (strings are converted to the parameter's type, as
    SageMaker does); an S3 URI parameter may be a local folder or file. `uploads` are the
    (local file, S3 URI) pairs of the code the steps run (`Pipeline.script_uploads()`), staged
    where the definition expects them. `workdir` (default: a new folder under
    `./specwire-runs/`) must be new or empty. `on_step` sees each step start and end.
    `interface` words the refusals for the caller: Python arguments, or `specwire run` flags.
    """
    document = load_definition(definition)
    nodes = flatten(document)
    try:
        values = parameter_values(list(document.get("Parameters") or []), dict(parameters or {}))
        _refuse_what_cannot_run(nodes)
        folder = _workdir(workdir, pipeline_name)
        s3 = LocalS3(folder / "s3")
        _check_inputs(nodes, values, s3)
    except BadInputError as refused:
        if interface == "python":
            refused.message = python_words(refused.message)
            refused.suggested_fix = python_words(refused.suggested_fix) if refused.suggested_fix else None
        raise
    for local, uri in uploads:
        source = Path(local)
        if not source.is_file():
            raise BadInputError(f"code {source} (for {uri}) does not exist")
        s3.upload_file(source, str(uri))
    execution_id = secrets.token_hex(6)
    started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    execution = {
        "PipelineName": pipeline_name,
        "PipelineArn": f"arn:aws:sagemaker:{region}:000000000000:pipeline/{pipeline_name.lower()}",
        "PipelineExecutionId": execution_id,
        "PipelineExecutionArn": f"arn:aws:sagemaker:{region}:000000000000:pipeline/{pipeline_name.lower()}"
                                f"/execution/{execution_id}",
        "StartDateTime": started,
        "CurrentDateTime": started,
        "PipelineExperimentName": pipeline_name,
        "PipelineExperimentTrialName": execution_id,
    }
    scope = Scope(values, execution, read_json=s3.read_json)
    ctx = RunContext(folder, s3, scope, pipeline_name, execution_id, region=region, max_trials=max_trials)
    result = RunResult(str(folder), {k: _plain(v) for k, v in values.items()},
                       [StepResult(n.name, n.type) for n in nodes])
    try:
        _run(nodes, ctx, result, on_step)
    finally:
        atomic_write(folder / RESULTS_FILE, result.to_json() + "\n")
    return result


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


#: What a run leaves in its workdir: a folder holding any of these holds a run already.
RUN_ENTRIES = (RESULTS_FILE, "s3", "steps", "registry")


def default_workdir(pipeline_name: str) -> Path:
    """A new folder for a run: `./specwire-runs/<pipeline>-<UTC time>-<random>`."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return Path.cwd() / "specwire-runs" / f"{pipeline_name}-{stamp}-{secrets.token_hex(2)}"


_FLAG_WITH_VALUE = re.compile(r"-P ([A-Za-z0-9_-]+)=(.*?)(?=: |,? |\)|$)")
_FLAG_NAME = re.compile(r"-P ([A-Za-z0-9_-]+)(?=:)")


def python_words(text: str) -> str:
    """A refusal worded with `specwire run` flags, as a Python caller reads it: `-P NAME=VALUE` is
    `parameters={'NAME': VALUE}` and `--workdir` is `workdir`."""
    def argument(match: re.Match[str]) -> str:
        name, raw = match.groups()
        if raw in ("true", "false"):
            shown = raw.title()
        elif raw in ("PATH", "VALUE") or re.fullmatch(r"-?[0-9.]+", raw):
            shown = raw
        else:
            shown = repr(raw)
        return f"parameters={{{name!r}: {shown}}}"

    text = _FLAG_NAME.sub(lambda match: f"parameters[{match.group(1)!r}]", _FLAG_WITH_VALUE.sub(argument, text))
    return text.replace("--workdir", "workdir")


def _workdir(workdir: str | Path | None, pipeline_name: str) -> Path:
    folder = default_workdir(pipeline_name) if workdir is None else Path(workdir).expanduser().resolve()
    if folder.is_file():
        raise BadInputError(f"--workdir {folder} is a file", suggested_fix="give a folder")
    held = [name for name in RUN_ENTRIES if (folder / name).exists()]
    if held:
        raise BadInputError(f"--workdir {folder} already holds a run ({', '.join(held)}): a run never writes over "
                            "another's files",
                            suggested_fix="give a new folder (or leave --workdir out for a fresh one)")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _problem(node: StepNode) -> str | None:
    """Why this step cannot run here (checked before anything runs), or None."""
    arguments = node.raw.get("Arguments") or {}
    if node.type in CONTROL_STEPS:
        return None
    if node.type not in EXECUTORS:
        known = ", ".join([*EXECUTORS, *CONTROL_STEPS])
        return f"a {node.type} step does not run locally (these do: {known})"
    if node.type == "Processing":
        program = processing_program(arguments)
        if isinstance(program, str):
            return program
        return emulation_problem((arguments.get("AppSpecification") or {}).get("ImageUri"))
    if node.type in ("Training", "Tuning"):
        job = arguments if node.type == "Training" else arguments.get("TrainingJobDefinition") or {}
        if node.type == "Tuning" and not job:
            return "a tuning job with several training job definitions does not run locally"
        image = (job.get("AlgorithmSpecification") or {}).get("TrainingImage")
        hyperparameters = job.get("HyperParameters") or job.get("StaticHyperParameters") or {}
        return emulation_problem(image) or training_code_problem(hyperparameters)
    if node.type == "QualityCheck":
        return quality_check_problem(node.raw)
    if node.type in ("Model", "RegisterModel"):
        for container in containers_of(arguments):
            problem = serving_problem(container)
            if problem:
                return problem
    return None


def _refuse_what_cannot_run(nodes: list[StepNode]) -> None:
    problems = [(n.name, p) for n in nodes if (p := _problem(n))]
    if problems:
        lines = "; ".join(f"step {name!r}: {problem}" for name, problem in problems)
        raise BadInputError(f"this pipeline cannot run locally, nothing was run: {lines}",
                            suggested_fix="run it on SageMaker (specwire deploy --start), or give these steps a "
                            "SageMaker framework image and a Python script",
                            nodes=[name for name, _ in problems])


def _input_locations(node: StepNode) -> Iterable[tuple[str, Any]]:
    """(what, S3Uri expression) of the data a step reads."""
    arguments = node.raw.get("Arguments") or {}
    for item in arguments.get("ProcessingInputs") or []:
        yield f"input {item.get('InputName')!r}", (item.get("S3Input") or {}).get("S3Uri")
    job = arguments.get("TrainingJobDefinition") or arguments
    for channel in job.get("InputDataConfig") or []:
        yield f"channel {channel.get('ChannelName')!r}", ((channel.get("DataSource") or {}).get("S3DataSource")
                                                          or {}).get("S3Uri")
    source = ((arguments.get("TransformInput") or {}).get("DataSource") or {}).get("S3DataSource") or {}
    if source:
        yield "TransformInput", source.get("S3Uri")


def _check_inputs(nodes: list[StepNode], values: Mapping[str, Any], s3: LocalS3) -> None:
    """A parameter that names a step's input must name something on this machine."""
    for node in nodes:
        for what, expression in _input_locations(node):
            if not (isinstance(expression, Mapping) and str(expression.get("Get", "")).startswith("Parameters.")):
                continue
            name = str(expression["Get"]).split(".", 1)[1]
            value = str(values.get(name, ""))
            if is_s3(value):
                raise BadInputError(
                    f"step {node.name!r} {what} reads parameter {name} = {value}, which a local run cannot download",
                    suggested_fix=f"pass a local folder or file: -P {name}=PATH", nodes=[node.name])
            if not Path(value).expanduser().exists():
                raise BadInputError(f"-P {name}={value}: no such file or folder (step {node.name!r} {what})",
                                    suggested_fix=f"-P {name}=PATH of the data on this machine", nodes=[node.name])


def _run(nodes: list[StepNode], ctx: RunContext, result: RunResult,
         on_step: Callable[[StepResult], None] | None) -> None:
    outcomes: dict[str, bool] = {}
    stopped = False
    for node in nodes:
        record = result.step(node.name)
        if stopped or not all(outcomes.get(c) == (b == "IfSteps") for c, b in node.guards) or any(
                result.step(w).status != "Succeeded" for w in node.waits_for):
            continue
        record.status = "Executing"
        if on_step:
            on_step(record)
        started = time.perf_counter()
        try:
            ctx.scope.execution = {**ctx.scope.execution,
                                   "CurrentDateTime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")}
            _execute(node, ctx, record, outcomes)
        except KeyboardInterrupt:
            record.status, record.failure_reason = "Failed", "stopped by Ctrl-C"
            result.interrupted = True
            stopped = True
        except (StepFailed, ExpressionError) as exc:
            record.status, record.failure_reason = "Failed", str(exc)
        except OSError as exc:
            record.status, record.failure_reason = "Failed", f"{type(exc).__name__}: {exc}"
        record.seconds = time.perf_counter() - started
        if record.status == "Failed":
            stopped = True
        if on_step:
            on_step(record)


def _execute(node: StepNode, ctx: RunContext, record: StepResult, outcomes: dict[str, bool]) -> None:
    arguments = node.raw.get("Arguments") or {}
    log = ctx.container(node.name)
    if node.type == "Condition":
        conditions = list(arguments.get("Conditions") or [])
        for condition in conditions:
            log.note(describe(condition, ctx.scope))
        holds = all(condition_holds(c, ctx.scope) for c in conditions)
        outcomes[node.name] = holds
        ctx.scope.properties[node.name] = {"Outcome": holds}
        log.note(f"conditions {'hold' if holds else 'do not hold'}: the {'if' if holds else 'else'} branch runs")
        record.status = "Succeeded"
        return
    if node.type == "Fail":
        message = ctx.scope.evaluate(arguments.get("ErrorMessage", ""))
        log.note(f"Fail step reached: {message}")
        record.status, record.failure_reason = "Failed", str(message) or "a Fail step was reached"
        return
    evaluated = ctx.scope.evaluate(dict(arguments))
    outcome = EXECUTORS[node.type](node.name, evaluated, node.raw, ctx)
    ctx.scope.properties[node.name] = outcome.properties
    if outcome.property_files:
        ctx.scope.property_files[node.name] = outcome.property_files
    record.outputs = outcome.outputs
    record.status = "Succeeded"

"""Small hand-written definitions in the shape `specwire build` writes, for the runner's unit tests.

The end-to-end tests use real built definitions (tests/local/test_examples.py); these keep the
unit tests free of the SageMaker SDK and fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BUCKET = "local-test-bucket"
SKLEARN_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
TEAM_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team-embedder:1.0"


def code_uri(step: str, script: str) -> str:
    return f"s3://{BUCKET}/p/{step}/code/{script}"


def output_uri(step: str, output: str) -> str:
    return f"s3://{BUCKET}/p/{step}/output/{output}"


def processing_step(name: str, script: str, *, inputs: dict[str, Any] | None = None,
                    outputs: tuple[str, ...] = (), arguments: tuple[str, ...] = (),
                    image: str = SKLEARN_IMAGE, property_files: list[dict[str, str]] | None = None,
                    environment: dict[str, str] | None = None) -> dict[str, Any]:
    """A Processing step as ScriptProcessor writes it: inputs at /opt/ml/processing/input/<name>,
    the script as the `code` input, outputs from /opt/ml/processing/output/<name>."""
    processing_inputs = [
        {"InputName": key, "S3Input": {"S3Uri": value, "LocalPath": f"/opt/ml/processing/input/{key}",
                                       "S3DataType": "S3Prefix", "S3InputMode": "File"}}
        for key, value in (inputs or {}).items()
    ]
    processing_inputs.append({"InputName": "code", "S3Input": {
        "S3Uri": code_uri(name, script), "LocalPath": "/opt/ml/processing/input/code",
        "S3DataType": "S3Prefix", "S3InputMode": "File"}})
    step: dict[str, Any] = {
        "Name": name,
        "Type": "Processing",
        "Arguments": {
            "AppSpecification": {"ImageUri": image, "ContainerArguments": list(arguments),
                                 "ContainerEntrypoint": ["python3", f"/opt/ml/processing/input/code/{script}"]},
            "ProcessingInputs": processing_inputs,
            "ProcessingOutputConfig": {"Outputs": [
                {"OutputName": o, "S3Output": {"S3Uri": output_uri(name, o),
                                               "LocalPath": f"/opt/ml/processing/output/{o}",
                                               "S3UploadMode": "EndOfJob"}} for o in outputs]},
            "Environment": environment or {},
        },
    }
    if property_files:
        step["PropertyFiles"] = property_files
    return step


def output_ref(step: str, output: str) -> dict[str, str]:
    return {"Get": f"Steps.{step}.ProcessingOutputConfig.Outputs['{output}'].S3Output.S3Uri"}


def definition(*steps: dict[str, Any], parameters: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"Version": "2020-12-01", "Metadata": {}, "Parameters": parameters or [], "Steps": list(steps)}


def write_script(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

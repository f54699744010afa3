"""Run a built SageMaker pipeline definition on this machine: no AWS, no Docker.

`run_definition(definition, parameters=..., uploads=...)` executes the definition JSON that
`specwire build` writes, step by step, emulating SageMaker's container contract with child
processes of the current Python (see `runner.py`). The scripts need the libraries of the
`local` extra: `pip install "specwire[local]"`.

Modules, one concern each: `expressions` (Get, Std:Join, Std:JsonGet, parameters, conditions),
`storage` (S3 URIs as folders of the workdir), `steps` (the steps flattened and ordered),
`images` (which containers can be emulated), `sandbox` and `container_boot` (a job's folder
and child process), `jobs` (processing, training, tuning), `models` and `serving_boot`
(model, registry, batch transform), `runner` (the run), `results` (what it reports),
`progress` (the live table), `sample_data` (the examples' data).
"""

from __future__ import annotations

from specwire.local.results import RunResult, StepResult
from specwire.local.runner import run_definition

__all__ = ["RunResult", "StepResult", "run_definition"]

"""A `Pipeline` run on this machine: its built definition and scripts, given to `specwire.local`.

`run_local` builds the definition exactly as `deploy` would (the same JSON, the same script
uploads), then runs it with `specwire.local.run_definition`. With `sample_data=True` every
`...InputDataUri` parameter not given reads the generated sample (`specwire.local.sample_data`),
written into the run's workdir.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from specwire.local import RunResult, StepResult
    from specwire.pipeline.api import Pipeline

#: The role a definition built only to run locally names (no step assumes it).
LOCAL_ROLE = "arn:aws:iam::000000000000:role/specwire-local-run"
#: Parameters that name a pipeline's input data (`InputDataUri`, `<node>InputDataUri`).
DATA_PARAMETER_SUFFIX = "InputDataUri"


def built(pipeline: Pipeline) -> tuple[str, list[tuple[str, str]]]:
    """The definition and script uploads of the pipeline; with no role anywhere, a placeholder
    role is used for the build only (the pipeline object keeps none)."""
    from specwire.pipeline.roles import given_role

    if given_role(pipeline) is None:  # no step assumes a role locally: no placeholder warning either
        pipeline.role_arn = LOCAL_ROLE
        try:
            return pipeline.definition(), pipeline.script_uploads()
        finally:
            pipeline.role_arn = None
            pipeline._changed()
    return pipeline.definition(), pipeline.script_uploads()


def sample_parameters(definition: str, given: Mapping[str, Any], folder: Path) -> dict[str, str]:
    """A sample CSV for every data parameter not given, each chain its own seed (a calibration
    chain does not see the training records)."""
    from specwire.local.sample_data import SEED, write_sample

    names = [str(p["Name"]) for p in json.loads(definition).get("Parameters") or []
             if str(p["Name"]).endswith(DATA_PARAMETER_SUFFIX)]
    values: dict[str, str] = {}
    for index, name in enumerate(names):
        if name not in given:
            values[name] = str(write_sample(folder / "sample-data" / f"{name}.csv", seed=SEED + index))
    return values


def run_local(
    pipeline: Pipeline,
    *,
    parameters: Mapping[str, Any] | None = None,
    workdir: str | Path | None = None,
    sample_data: bool = False,
    progress: bool = True,
    max_trials: int = 3,
    on_step: Callable[[StepResult], None] | None = None,
) -> RunResult:
    """Run the pipeline's built definition here, step by step (see `specwire.local.run_definition`)."""
    from specwire.local import run_definition
    from specwire.local.progress import LocalProgress
    from specwire.local.runner import default_workdir

    definition, uploads = built(pipeline)
    folder = Path(workdir).expanduser().resolve() if workdir is not None else default_workdir(pipeline.sagemaker_name)
    given = dict(parameters or {})
    if sample_data:
        given.update(sample_parameters(definition, given, folder))

    def run(callback: Callable[[StepResult], None] | None) -> RunResult:
        return run_definition(definition, parameters=given, uploads=uploads, workdir=folder,
                              pipeline_name=pipeline.sagemaker_name, region=pipeline.aws_region,
                              max_trials=max_trials, on_step=callback, interface=pipeline.interface)

    if not progress:
        return run(on_step)
    with LocalProgress(pipeline.sagemaker_name) as display:
        def both(step: StepResult) -> None:
            display.update(step)
            if on_step is not None:
                on_step(step)

        return run(both)

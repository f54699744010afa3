"""`specwire run --local`: a pipeline's built definition, executed on this machine (no AWS, no Docker).

Mounted lazily by `specwire.cli`. The pipeline is resolved and built as `specwire build` does;
`specwire.local` then runs the definition step by step (see `specwire/local/runner.py`).
`--example NAME` runs a built-in example on its generated sample data. Exit codes: 0 the run
succeeded, 1 a step failed or a Fail step was reached (or the pipeline does not resolve), 2 bad
input (including a step a local run cannot emulate, refused before anything runs), 130 Ctrl-C.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from specwire.cli.common import CatalogOpt, ExampleOpt, RulesOpt, fail

if TYPE_CHECKING:
    from specwire.local import RunResult

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


class RunFormat(StrEnum):
    text = "text"
    json = "json"


@app.command("run")
def run(
    pipeline_file: Annotated[
        Optional[Path],  # noqa: UP045 - typer reads the annotation at runtime
        typer.Argument(help="Pipeline file (YAML or JSON), as `specwire build` reads."),
    ] = None,
    local: Annotated[bool, typer.Option("--local", help="Run on this machine (the only place `run` runs; "
                                        "`specwire deploy --start` runs on SageMaker).")] = False,
    example: ExampleOpt = None,
    parameter: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--parameter", "-P", help="NAME=VALUE pipeline parameter, as for `deploy --start` (repeatable); an S3 "
        "URI parameter such as InputDataUri may be a local folder or file.")] = None,
    workdir: Annotated[Optional[Path], typer.Option(  # noqa: UP045
        "--workdir", help="Folder of the run (default: a new one under ./specwire-runs/); it must not hold "
        "another run.")] = None,
    fmt: Annotated[RunFormat, typer.Option("--format", "-f", help="text or json.")] = RunFormat.text,
    trials: Annotated[int, typer.Option("--trials", min=1, help="Most trials a tuning step runs locally.")] = 3,
    fill_gaps: Annotated[bool, typer.Option("--fill-gaps", help="Insert catalog steps for missing inputs.")] = False,
    catalog: CatalogOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Run a pipeline's built SageMaker definition locally, step by step."""
    from rich.markup import escape

    from specwire.cli.common import console as _console

    console = _console(stderr=True)
    try:
        from specwire.cli.common import example_path, warnings_as_lines
        from specwire.cli.deploy import _parameters
        from specwire.errors import BadInputError
        from specwire.pipeline import Pipeline

        if not local:
            raise BadInputError("`specwire run` runs on this machine only: add --local",
                                suggested_fix="specwire run --local --example fraud (on SageMaker: specwire deploy "
                                "PIPELINE --role ARN --start --wait)")
        if (pipeline_file is None) == (example is None):
            raise BadInputError("give a pipeline file or --example NAME (one of them)",
                                suggested_fix="specwire run --local --example fraud")
        path = example_path(example) if example is not None else pipeline_file
        assert path is not None
        parameters = _parameters(parameter or [])
        pipeline = Pipeline.from_file(path, fill_gaps=fill_gaps, catalog=catalog, rules=rules or [])
        pipeline.interface = "cli"
        resolved = pipeline.resolve()
        if not resolved.ok:
            for d in resolved.errors:
                console.print(f"[red]error[/red] {escape(d.kind)}: {escape(d.message)}")
                if d.suggested_fix:
                    console.print(f"  fix: {escape(d.suggested_fix)}")
            console.print("[red]nothing run[/red]: the pipeline does not resolve")
            raise typer.Exit(1)
        with warnings_as_lines(console):
            result = pipeline.run_local(parameters, workdir=workdir, sample_data=example is not None,
                                        progress=fmt is RunFormat.text, max_trials=trials)
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        console.print("interrupted before the run started")
        raise typer.Exit(130) from None
    except Exception as exc:
        fail(exc)
    if fmt is RunFormat.json:
        sys.stdout.write(result.to_json() + "\n")
    else:
        _report(result)
    raise typer.Exit(result.exit_code)


def _report(result: RunResult) -> None:
    from rich.markup import escape

    from specwire.cli.common import console as _console

    console = _console()
    style = "green" if result.ok else "red"
    console.print(f"[{style}]{escape(result.summary())}[/{style}]")
    for step in result.steps:
        if step.status == "Failed" and step.type == "Fail":
            console.print(f"  Fail step {escape(step.name)}: {escape(step.failure_reason or '')}")
    not_run = [s.name for s in result.steps if s.status == "NotRun"]
    if not_run:
        console.print(f"  not run: {escape(', '.join(not_run))}")
    console.print(f"  workdir: {escape(result.workdir)} (each step's log in steps/<step>/log.txt, results.json)")

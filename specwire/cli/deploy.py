"""`specwire deploy`: a pipeline file to SageMaker (and, with --start, a run of it).

Mounted lazily by `specwire.cli` (only `specwire deploy ...` pays for boto3 and the SageMaker SDK).
Exit codes as everywhere: 0 done, 1 the pipeline does not resolve or AWS refused, 2 bad input.

"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from specwire.cli.common import CatalogOpt, RulesOpt, fail

if TYPE_CHECKING:
    pass

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

PipelineArg = Annotated[Path, typer.Argument(help="Pipeline file (YAML or JSON), as `specwire resolve -p` reads.")]
FillGapsOpt = Annotated[bool, typer.Option("--fill-gaps", help="Insert catalog steps for missing inputs.")]


@app.command("deploy")
def deploy(
    pipeline_file: PipelineArg,
    role: Annotated[str, typer.Option("--role", help="IAM role ARN the pipeline runs as.")],
    start: Annotated[bool, typer.Option("--start", help="Start an execution after deploying.")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="Start, then follow the execution until it ends.")] = False,
    region: Annotated[Optional[str], typer.Option("--region", help="AWS region (default: the file's "  # noqa: UP045
                                                  "context, AWS_REGION, or us-east-1).")] = None,
    bucket: Annotated[Optional[str], typer.Option("--bucket", help="S3 bucket for code and outputs "  # noqa: UP045
                                                  "(default: the file's context, else sagemaker-<region>-<account>)."
                                                  )] = None,
    parameter: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--parameter", "-P", help="NAME=VALUE pipeline parameter for the execution (repeatable).")] = None,
    fill_gaps: FillGapsOpt = False,
    poll: Annotated[float, typer.Option("--poll", help="Seconds between status checks with --wait.")] = 30.0,
    timeout: Annotated[Optional[float], typer.Option("--timeout", help="Stop waiting after this many "  # noqa: UP045
                                                     "seconds (the execution goes on).")] = None,
    profile: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--profile", help="AWS profile of the AWS config files to deploy with (default: AWS_PROFILE, "
        "else the default credentials).")] = None,
    catalog: CatalogOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Deploy a pipeline file to SageMaker: upload the step scripts, create or update the pipeline."""
    from rich.markup import escape

    from specwire.cli.common import console as _console

    console = _console(stderr=True)
    try:
        from specwire import deploy as aws
        from specwire.pipeline.api import Pipeline

        parameters = _parameters(parameter or [])
        pipeline = Pipeline.from_file(pipeline_file, role_arn=role, region=region, bucket=bucket,
                                      fill_gaps=fill_gaps, catalog=catalog, rules=rules or [])
        pipeline.interface = "cli"
        pipeline.plan()  # resolution and config errors before anything touches AWS
        clients = aws.make_clients(pipeline.aws_region, profile=profile)
        result = pipeline.upsert(clients=clients)
        console.print(f"{result.action} pipeline [bold]{escape(result.pipeline_name)}[/bold] "
                      f"({escape(result.pipeline_arn)}); {len(result.uploaded)} step scripts uploaded")
        if not (start or wait):
            raise typer.Exit(0)
        arn = aws.start_execution(result.pipeline_name, parameters=parameters, clients=clients, after=result)
        console.print(f"started execution {escape(arn)}")
        if not wait:
            raise typer.Exit(0)
        with aws.ProgressDisplay(result.pipeline_name, console=console) as display:
            report = aws.wait_for_execution(arn, clients=clients, poll_seconds=poll, timeout=timeout,
                                            on_update=display.update)
    except typer.Exit:
        raise
    except Exception as exc:
        fail(exc)
    if report.succeeded:
        console.print(f"[green]execution succeeded[/green]: {escape(arn)}")
        raise typer.Exit(0)
    reason = f": {report.failure_reason}" if report.failure_reason else ""
    console.print(f"[red]execution {escape(report.status.lower())}[/red]{escape(reason)}")
    raise typer.Exit(1)


def _parameters(items: list[str]) -> dict[str, str]:
    from specwire.errors import BadInputError

    parameters: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BadInputError(f"--parameter {item!r}: expected NAME=VALUE", suggested_fix="e.g. -P Threshold=0.8")
        parameters[name.strip()] = value
    return parameters

"""`specwire deploy`: a pipeline file to SageMaker (and, with --start, a run of it); with --endpoint,
the newest approved model the pipeline registered to a real-time endpoint with data capture and a
data-quality monitoring schedule (the file's `deployment:` settings).

Mounted lazily by `specwire.cli` (only `specwire deploy ...` pays for boto3 and the SageMaker SDK).
Exit codes as everywhere: 0 done, 1 the pipeline does not resolve or AWS refused, 2 bad input.

"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from specwire.cli.common import CatalogOpt, RulesOpt, check_aws_flags, fail, warnings_as_lines

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
    poll: Annotated[float, typer.Option("--poll", help="Seconds between status checks with --wait "
                                        "or --endpoint.")] = 30.0,
    timeout: Annotated[Optional[float], typer.Option("--timeout", help="Stop waiting after this many "  # noqa: UP045
                                                     "seconds (the execution goes on; with --endpoint: "
                                                     "for the endpoint, default 3600).")] = None,
    profile: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--profile", help="AWS profile of the AWS config files to deploy with (default: AWS_PROFILE, "
        "else the default credentials).")] = None,
    endpoint: Annotated[bool, typer.Option(
        "--endpoint", help="After approval: serve the newest approved model package the pipeline registered on a "
        "real-time endpoint with data capture and a data-quality monitoring schedule (the file's `deployment:` "
        "block), instead of deploying the pipeline. Runs again update, never duplicate.")] = False,
    baseline: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--baseline", help="With --endpoint: S3 folder holding statistics.json and constraints.json to monitor "
        "against (default: the approved package's data-quality baseline).")] = None,
    catalog: CatalogOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Deploy a pipeline file to SageMaker: upload the step scripts, create or update the pipeline.

    With --endpoint, deploy what the pipeline registered and someone approved: endpoint, data
    capture and monitoring schedule."""
    from rich.markup import escape

    from specwire.cli.common import console as _console

    console = _console(stderr=True)
    try:
        with warnings_as_lines(console):
            from specwire import deploy as aws
            from specwire.pipeline import endpoint as pipeline_endpoint
            from specwire.pipeline.api import Pipeline
            from specwire.pipeline.aws import check_deployable

            check_aws_flags(role, region, bucket)
            parameters = _parameters(parameter or [])
            pipeline = Pipeline.from_file(pipeline_file, role_arn=role, region=region, bucket=bucket,
                                          fill_gaps=fill_gaps, catalog=catalog, rules=rules or [])
            pipeline.interface = "cli"
            if endpoint or baseline is not None:
                _check_endpoint_flags(endpoint, start or wait or bool(parameter), baseline)
                request = pipeline_endpoint.endpoint_request(pipeline, baseline=baseline)  # errors before AWS
                clients = aws.make_clients(pipeline.aws_region, profile=profile)
                from specwire.deploy.endpoint import deploy_monitored_endpoint

                done = deploy_monitored_endpoint(request, clients=clients, poll_seconds=poll,
                                                 timeout=timeout if timeout is not None else 3600.0)
                for line in done.lines():
                    console.print(escape(line))
                raise typer.Exit(0)
            check_deployable(pipeline)  # resolution, config, role and data-location errors before anything touches AWS
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


def _check_endpoint_flags(endpoint: bool, runs: bool, baseline: str | None) -> None:
    from specwire.errors import BadInputError

    if not endpoint:
        raise BadInputError(f"--baseline {baseline} is for --endpoint",
                            suggested_fix="add --endpoint, or drop --baseline")
    if runs:
        raise BadInputError("--endpoint deploys the approved model, not the pipeline: --start, --wait and --parameter "
                            "do not apply", suggested_fix="run `specwire deploy FILE --role ... --start` separately")


def _parameters(items: list[str]) -> dict[str, str]:
    from specwire.errors import BadInputError

    parameters: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise BadInputError(f"--parameter {item!r}: expected NAME=VALUE", suggested_fix="e.g. -P Threshold=0.8")
        parameters[name.strip()] = value
    return parameters

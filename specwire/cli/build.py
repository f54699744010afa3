"""`specwire build`: a pipeline file to the SageMaker pipeline definition JSON, offline.

Mounted lazily by `specwire.cli`, so `specwire resolve` never imports the SageMaker SDK. The
command resolves the pipeline (as `specwire resolve` does), generates its configs (or reads them
with `--config`), builds the definition with no AWS account, credentials or network, and writes
it atomically. Exit codes as everywhere: 0 written, 1 the pipeline does not resolve, 2 bad input.
"""

from __future__ import annotations

import os
import sys
import time
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from specwire.cli.common import CatalogOpt, ExampleOpt, RulesOpt, fail

if TYPE_CHECKING:
    from specwire.configs.base import StepConfig

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

from specwire.pipeline.state import PLACEHOLDER_ROLE  # noqa: E402 - the library's, one definition


@app.command("build")
def build(
    pipeline_file: Annotated[
        Optional[Path],  # noqa: UP045 - typer reads the annotation at runtime
        typer.Argument(help="Pipeline file (YAML or JSON), as `specwire resolve -p` reads."),
    ] = None,
    output: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--output", "-o", help="Write the definition to this regular file (atomically); `-`: stdout."),
    ] = None,
    example: ExampleOpt = None,
    config: Annotated[
        Optional[Path],  # noqa: UP045
        typer.Option("--config", help="Configs file (`specwire.configs.save_configs`); default: generated."),
    ] = None,
    explain: Annotated[bool, typer.Option("--explain", help="First print why each edge was chosen.")] = False,
    role: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--role", help="IAM role ARN the steps run as (default: the file's context, "
                     "SPECWIRE_ROLE_ARN, else a placeholder)."),
    ] = None,
    region: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--region", help="AWS region (default: the file's context, AWS_REGION, or us-east-1)."),
    ] = None,
    bucket: Annotated[
        Optional[str],  # noqa: UP045
        typer.Option("--bucket", help="S3 bucket for code and outputs (default: the file's context, "
                     "else sagemaker-<region>-<account>)."),
    ] = None,
    fill_gaps: Annotated[bool, typer.Option("--fill-gaps", help="Insert catalog steps for missing inputs.")] = False,
    allow_missing_scripts: Annotated[bool, typer.Option(
        "--allow-missing-scripts", help="Build even when step scripts do not exist yet (their code URIs point "
        "where they will be uploaded); warns once per missing script.")] = False,
    catalog: CatalogOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Build the SageMaker pipeline definition (JSON, schema 2020-12-01) of a pipeline, offline."""
    from rich.markup import escape

    from specwire.cli.common import OutputFormat, emit, exit_code
    from specwire.cli.common import console as _console

    console = _console(stderr=True)
    started = time.perf_counter()
    try:
        from specwire.cli.common import check_aws_flags, example_path
        from specwire.errors import BadInputError
        from specwire.pipeline.api import ROLE_ENV, Pipeline

        check_aws_flags(role, region, bucket)
        if (pipeline_file is None) == (example is None):
            raise BadInputError("give a pipeline file or --example NAME (one of them)",
                                suggested_fix="specwire build --example fraud -o fraud-definition.json")
        path = example_path(example) if example is not None else pipeline_file
        assert path is not None
        given_role = role or os.environ.get(ROLE_ENV)
        pipeline = Pipeline.from_file(path, role_arn=given_role, region=region, bucket=bucket,
                                      fill_gaps=fill_gaps, catalog=catalog, rules=rules or [])
        pipeline.interface = "cli"
        if pipeline.role_arn is None:
            pipeline.role_arn = PLACEHOLDER_ROLE
            console.print(f"[yellow]warning:[/yellow] no IAM role given: the definition names "
                          f"{PLACEHOLDER_ROLE}; pass --role (or set {ROLE_ENV}) to build one you can deploy")
        result = pipeline.resolve()
    except typer.Exit:
        raise
    except Exception as exc:
        fail(exc)
    if explain:
        emit(result, OutputFormat.text, True)
    if not result.ok:
        if not explain:
            for d in result.errors:
                console.print(f"[red]error[/red] {escape(d.kind)}: {escape(d.message)}")
                if d.suggested_fix:
                    console.print(f"  fix: {escape(d.suggested_fix)}")
        console.print("[red]no definition written[/red]: the pipeline does not resolve")
        raise typer.Exit(exit_code(result))
    if not explain:
        # An edge of the file that carries no data changes what is built (a DependsOn, not data): say so.
        for d in result.warnings:
            if d.kind == "order_only":
                console.print(f"[yellow]warning[/yellow] {escape(d.kind)}: {escape(d.message)}")
    try:
        from specwire.builders import definition_json
        from specwire.configs.store import load_configs
        from specwire.errors import SpecwireWarning
        from specwire.files import atomic_write
        from specwire.pipeline.generation import catalog_classes

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", SpecwireWarning)
            configs = (load_configs(config, catalog_classes(pipeline)) if config is not None
                       else pipeline.configs())
        for warning in caught:
            console.print(f"[yellow]warning:[/yellow] {escape(str(warning.message))}")
        if config is not None:
            # The flags win over the configs file, as they win over the pipeline file's context.
            given = {k: v for k, v in (("role_arn", role), ("bucket", bucket), ("region", region)) if v}
            if given:
                configs = {name: c.replace(given) for name, c in configs.items()}
        _check_scripts(configs, allow_missing_scripts, console)
        text = definition_json(result, configs, name=pipeline.sagemaker_name)
        if output is None or str(output) == "-":
            sys.stdout.write(text)
        else:
            atomic_write(output, text)
    except typer.Exit:
        raise
    except Exception as exc:
        fail(exc)
    if output is not None and str(output) != "-":
        console.print(f"wrote {escape(str(output))}: SageMaker pipeline {escape(pipeline.sagemaker_name)}, "
                      f"{len(result.nodes)} steps, built offline in {time.perf_counter() - started:.1f} s")
    raise typer.Exit(0)


def _check_scripts(configs: Mapping[str, StepConfig], allow_missing: bool, console: Any) -> None:
    """Every script the steps run must exist (naming each missing one), unless `allow_missing`:
    then warn once per missing script and build anyway."""
    from rich.markup import escape

    from specwire.builders.uploads import missing_scripts
    from specwire.errors import BuildError

    missing = missing_scripts(configs)
    if not missing:
        return
    lines = [f"{where}: {path}" for _, path, where in missing]
    if not allow_missing:
        raise BuildError(
            f"{len(missing)} script(s) do not exist: " + "; ".join(lines),
            suggested_fix="write them (paths are relative to the spec pack), or pass --allow-missing-scripts to "
            "build the definition anyway",
            nodes=[node for node, _, _ in missing],
        )
    for line in lines:
        console.print(f"[yellow]warning:[/yellow] missing script (built anyway): {escape(line)}")

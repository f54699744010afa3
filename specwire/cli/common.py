"""What every command shares: options, printing errors and results, exit codes, catalogs and examples.

Exit codes: 0 the pipeline resolves, 1 it does not, 2 bad input, 3 a bug (never from any input).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional, TextIO

import typer

if TYPE_CHECKING:
    from specwire.engine.pipeline_def import PipelineDefinition
    from specwire.plan import ResolvedPipeline
    from specwire.specs.registry import SpecRegistry


class OutputFormat(StrEnum):
    text = "text"
    json = "json"
    mermaid = "mermaid"
    dot = "dot"


CatalogOpt = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--catalog", "-c", help="Spec pack file or folder (repeatable); `builtin` is the built-in "
                 "catalog. Default: the built-in catalog."),
]


# typer reads these annotations at runtime, hence Optional rather than `X | None`.
StepsArg = Annotated[Optional[list[str]], typer.Argument(help="Step types, as STEP or STEP:job_type.")]  # noqa: UP045
PipelineOpt = Annotated[Optional[Path], typer.Option("--pipeline", "-p", help="Pipeline file (YAML or JSON).")]  # noqa: UP045
ExampleOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--example", "-e", help="A built-in example pipeline: fraud, calibrated."),
]
RulesOpt = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option("--rules", "-r", help="Policy rule file (.lp) or folder, repeatable."),
]
PolicyPackOpt = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option("--policy-pack", help="A built-in policy pack to apply (`builtin`: the example pack), repeatable."),
]
EnvironmentOpt = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option("--environment", help="The environment the pipeline runs in (dev, prod, ...), for policies; "
                 "default: the pipeline file's context.environment."),
]
WhyNotOpt = Annotated[
    Optional[tuple[str, str]],  # noqa: UP045
    typer.Option("--why-not", help="PROVIDER CONSUMER: why are they not connected?"),
]


def console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from specwire.cli import terminal

    return terminal.console(stderr)


def fail(error: Exception) -> NoReturn:
    """Print a specwire error (message and fix) and exit with its code."""
    from rich.markup import escape

    from specwire.errors import SpecwireError

    err = console(stderr=True)
    if isinstance(error, SpecwireError):
        err.print(f"[red]error:[/red] {escape(error.message)}")
        if error.suggested_fix:
            err.print(f"  fix: {escape(error.suggested_fix)}")
        raise typer.Exit(error.exit_code)
    err.print(f"[red]internal error:[/red] {escape(type(error).__name__)}: {escape(str(error))}")
    err.print("  this is a bug in specwire; please report it with the command you ran")
    raise typer.Exit(3)


@contextmanager
def warnings_as_lines(err: Any) -> Iterator[None]:
    """specwire's warnings raised inside, printed on `err` as `warning: ...` lines when they happen,
    never in Python's `file:line: SpecwireWarning:` form; other warnings are left as they are."""
    import warnings

    from rich.markup import escape

    from specwire.errors import SpecwireWarning

    python_form = warnings.showwarning

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        if issubclass(category, SpecwireWarning):
            err.print(f"[yellow]warning:[/yellow] {escape(str(message))}")
        else:
            python_form(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.simplefilter("always", SpecwireWarning)
        warnings.showwarning = show
        yield


def check_aws_flags(role: str | None, region: str | None, bucket: str | None) -> None:
    """--role, --region and --bucket checked as the flags they are (BadInputError naming the flag);
    left to the pipeline, a bad one would be reported as the file's `context.role_arn`."""
    from pydantic import TypeAdapter, ValidationError

    from specwire.configs.messages import format_problems
    from specwire.configs.types import BucketName, Region, RoleArn
    from specwire.errors import BadInputError

    flags = (("--role", role, RoleArn), ("--region", region, Region), ("--bucket", bucket, BucketName))
    for flag, value, kind in flags:
        if value is None:
            continue
        try:
            TypeAdapter(kind).validate_python(value)
        except ValidationError as exc:
            message, fix = format_problems(exc, flag)
            raise BadInputError(message, suggested_fix=fix) from None


def load_plugins() -> None:
    """Load the installed plugins (once); a broken one is a warning naming it, never a failure."""
    from specwire.pipeline.plugins import load_plugins as load

    problems = load()
    if problems and not getattr(load_plugins, "warned", False):
        from rich.markup import escape

        err = console(stderr=True)
        for problem in problems:
            err.print(f"[yellow]warning:[/yellow] plugin {escape(problem.name)!r} not loaded: "
                      f"{escape(problem.message)}")
        load_plugins.warned = True  # type: ignore[attr-defined]


def load_catalog(catalog: list[str] | None) -> SpecRegistry:
    from specwire.specs.registry import load_registry

    if not catalog or "builtin" in catalog:
        load_plugins()

    registry = load_registry(catalog or None)
    return registry


def scoped_stage_one(catalog: list[str] | None) -> bool | None:
    """Whether a command's Resolver reads stage one scoped to its pipeline (engine/stage_one.py).

    A command resolves one pipeline per process, so a team's catalog is read scoped: the matches
    into that pipeline's inputs only, a fraction of the whole catalog's cache entry (cursus, 15
    nodes: 0.4 MB read instead of 1.5 MB, ~35 ms less per run). The answers are the same
    (tests/engine/test_scoped_index.py). The built-in catalog keeps the whole index it ships with
    (None: by size), which a fresh machine reads without computing anything.
    """
    if not catalog or catalog == ["builtin"]:
        return None
    return True


def warn_catalog(registry: SpecRegistry, verbose: bool) -> None:
    if not registry.warnings:
        return
    err = console(stderr=True)
    from rich.markup import escape

    shown = registry.warnings if verbose else registry.warnings[:3]
    for warning in shown:
        err.print(f"[yellow]warning:[/yellow] {escape(warning.source)}: {escape(warning.message)}")
    if len(registry.warnings) > len(shown):
        err.print(f"[yellow]warning:[/yellow] {len(registry.warnings) - len(shown)} more catalog warnings "
                      "(--verbose shows them)")


def example_path(name: str) -> Path:
    """A pipeline file shipped with specwire (`specwire/examples/NAME.yaml`)."""
    from importlib import resources

    from specwire.errors import BadInputError, suggestion_text

    folder = Path(str(resources.files("specwire") / "examples"))
    names = sorted(p.stem for p in folder.glob("*.yaml"))
    if name not in names:
        hint = suggestion_text(name, names)
        raise BadInputError(f"no built-in example named {name!r}" + (f" ({hint})" if hint else ""),
                            suggested_fix="examples: " + ", ".join(names))
    return folder / f"{name}.yaml"


def pipeline_input(steps: list[str] | None, pipeline_file: Path | None, example: str | None = None
              ) -> PipelineDefinition:
    from specwire.engine.pipeline_def import from_step_args, load_pipeline_file
    from specwire.errors import BadInputError

    if example is not None:
        if pipeline_file is not None or steps:
            raise BadInputError("give one of: step types, --pipeline, --example")
        pipeline_file = example_path(example)
    if pipeline_file is not None and steps:
        raise BadInputError("give either step types or --pipeline, not both")
    if pipeline_file is not None:
        return load_pipeline_file(pipeline_file)
    if not steps:
        raise BadInputError("no pipeline: name step types (specwire resolve DataLoading XGBoostTraining) "
                            "or give --pipeline FILE", suggested_fix="run `specwire steps list` to see the step types")
    return from_step_args(steps)


def emit(result: ResolvedPipeline, fmt: OutputFormat, explain: bool) -> None:
    from specwire.plan import render

    if fmt is OutputFormat.json:
        sys.stdout.write(result.to_json() + "\n")
    elif fmt is OutputFormat.mermaid:
        sys.stdout.write(render.to_mermaid(result))
    elif fmt is OutputFormat.dot:
        sys.stdout.write(render.to_dot(result))
    else:
        console().print(render.to_text(result, explain=explain))


def exit_code(result: ResolvedPipeline) -> int:
    if any(d.kind == "unknown_step" for d in result.errors):
        return 2
    return 0 if result.ok else 1


def report_errors(result: ResolvedPipeline) -> None:
    """The drawing is made either way; a pipeline that does not resolve also says why, on stderr."""
    from rich.markup import escape

    err = console(stderr=True)
    for d in result.errors:
        err.print(f"[red]error[/red] {escape(d.kind)}: {escape(d.message)}")
        if d.suggested_fix:
            err.print(f"  fix: {escape(d.suggested_fix)}")

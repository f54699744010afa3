"""The `specwire` command line.

Exit codes: 0 the pipeline resolves, 1 it does not, 2 bad input. No traceback reaches a user:
specwire's own errors print their message and fix; anything else prints one line and asks for a
report. Heavy imports (the engine, the SageMaker SDK) happen inside the commands that need them.
"""

from __future__ import annotations

import importlib
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, NoReturn, Optional

import typer
from typer.core import TyperGroup

if TYPE_CHECKING:
    from specwire.engine.pipeline_def import PipelineDefinition
    from specwire.plan import ResolvedPipeline
    from specwire.specs.registry import SpecRegistry

class LazyGroup(TyperGroup):
    """Sub-command groups imported only when used, so `specwire resolve` stays fast.

    Click documents this pattern for large CLIs: list the names up front, import on lookup.
    """

    lazy: ClassVar[dict[str, tuple[str, str, str]]] = {
        "configs": ("specwire.cli.configs", "app", "Step configs: schemas, fields, tiers and defaults."),
        "rules": ("specwire.cli.rules", "app", "Policy rules: check and test .lp policy files."),
        "deploy": ("specwire.cli.deploy", "deploy_app", "Deploy a pipeline file to SageMaker (and start it)."),
        "graph": ("specwire.cli.deploy", "graph_app", "Draw a pipeline file: mermaid, dot or svg."),
        "build": ("specwire.cli.build", "app", "Build the SageMaker pipeline definition JSON, offline."),
        "run": ("specwire.cli.run", "app", "Run a pipeline's built definition locally (--local): no AWS, no Docker."),
        "migrate": ("specwire.cli.migrate", "app", "Migrate a cursus catalog to a spec pack with implementations."),
    }

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.lazy:
            module, attribute, help_text = self.lazy[cmd_name]
            sub_app = getattr(importlib.import_module(module), attribute)
            command = typer.main.get_command(sub_app)
            command.help = command.help or help_text
            command.name = cmd_name
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: Any) -> Any:
        # Lazily-mounted sub-apps raise specwire errors for the main CLI to print: print them the
        # way every command does (message, fix, exit code), never as a traceback.
        from specwire.errors import SpecwireError

        try:
            return super().invoke(ctx)
        except SpecwireError as exc:
            fail(exc)


app = typer.Typer(
    name="specwire",
    cls=LazyGroup,
    help="Spec-driven SageMaker pipelines: resolve, explain, build and deploy.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
steps_app = typer.Typer(help="The step types of a catalog.", no_args_is_help=True)
app.add_typer(steps_app, name="steps")


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


def _console(stderr: bool = False):  # type: ignore[no-untyped-def]
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def fail(error: Exception) -> NoReturn:
    """Print a specwire error (message and fix) and exit with its code."""
    from rich.markup import escape

    from specwire.errors import SpecwireError

    console = _console(stderr=True)
    if isinstance(error, SpecwireError):
        console.print(f"[red]error:[/red] {escape(error.message)}")
        if error.suggested_fix:
            console.print(f"  fix: {escape(error.suggested_fix)}")
        raise typer.Exit(error.exit_code)
    console.print(f"[red]internal error:[/red] {escape(type(error).__name__)}: {escape(str(error))}")
    console.print("  this is a bug in specwire; please report it with the command you ran")
    raise typer.Exit(3)


def load_plugins() -> None:
    """Load the installed plugins (once); a broken one is a warning naming it, never a failure."""
    from specwire.pipeline.plugins import load_plugins as load

    problems = load()
    if problems and not getattr(load_plugins, "warned", False):
        from rich.markup import escape

        console = _console(stderr=True)
        for problem in problems:
            console.print(f"[yellow]warning:[/yellow] plugin {escape(problem.name)!r} not loaded: "
                          f"{escape(problem.message)}")
        load_plugins.warned = True  # type: ignore[attr-defined]


def load_catalog(catalog: list[str] | None) -> SpecRegistry:
    from specwire.specs.registry import load_registry

    if not catalog or "builtin" in catalog:
        load_plugins()

    registry = load_registry(catalog or None)
    return registry


def _warn_catalog(registry: SpecRegistry, verbose: bool) -> None:
    if not registry.warnings:
        return
    console = _console(stderr=True)
    from rich.markup import escape

    shown = registry.warnings if verbose else registry.warnings[:3]
    for warning in shown:
        console.print(f"[yellow]warning:[/yellow] {escape(warning.source)}: {escape(warning.message)}")
    if len(registry.warnings) > len(shown):
        console.print(f"[yellow]warning:[/yellow] {len(registry.warnings) - len(shown)} more catalog warnings "
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


def _pipeline(steps: list[str] | None, pipeline_file: Path | None, example: str | None = None
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
    from specwire.pipeline import render

    if fmt is OutputFormat.json:
        sys.stdout.write(result.to_json() + "\n")
    elif fmt is OutputFormat.mermaid:
        sys.stdout.write(render.to_mermaid(result))
    elif fmt is OutputFormat.dot:
        sys.stdout.write(render.to_dot(result))
    else:
        _console().print(render.to_text(result, explain=explain))


def exit_code(result: ResolvedPipeline) -> int:
    if any(d.kind == "unknown_step" for d in result.errors):
        return 2
    return 0 if result.ok else 1


@app.command()
def resolve(
    steps: StepsArg = None,
    pipeline: PipelineOpt = None,
    example: ExampleOpt = None,
    catalog: CatalogOpt = None,
    rules: RulesOpt = None,
    policy_pack: PolicyPackOpt = None,
    environment: EnvironmentOpt = None,
    fill_gaps: Annotated[bool, typer.Option("--fill-gaps", help="Insert catalog steps for missing inputs.")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Show why each edge was chosen.")] = False,
    why_not: WhyNotOpt = None,
    fmt: Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")] = OutputFormat.text,
    ignore_edges: Annotated[bool, typer.Option("--ignore-edges", help="Resolve from the nodes alone.")] = False,
    strict_edges: Annotated[bool, typer.Option(
        "--strict-edges", help="Wire only the file's edges; report the inputs they leave unprovided.")] = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", help="Time limit for solving, in seconds: when it is reached, the best wiring found so far "
        "comes back with a not_optimal warning.")] = 60.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every catalog warning.")] = False,
    show_facts: Annotated[bool, typer.Option(
        "--show-facts", help="Print the facts and rule files given to clingo (to rerun with plain clingo) "
        "instead of resolving.")] = False,
) -> None:
    """Resolve a pipeline: which steps connect, in what order, what is missing, and why."""
    try:
        from specwire.engine.resolver import ResolveOptions, Resolver
        from specwire.policy.sources import resolve_policies

        registry = load_catalog(catalog)
        _warn_catalog(registry, verbose)
        definition = _pipeline(steps, pipeline, example)
        # Policies: settings folders, SPECWIRE_POLICY_PATH, packs and --rules (docs/policies.md).
        files, facts = resolve_policies(definition, rules or [], policy_pack or [], environment)
        options = ResolveOptions(
            fill_gaps=fill_gaps,
            timeout=timeout,
            why_not=(why_not,) if why_not else (),
            ignore_edges=ignore_edges,
            strict_edges=strict_edges,
            extra_facts=facts,
            explain_preferences=explain,
        )
        if show_facts:
            from specwire.engine.program import program_text

            typer.echo(program_text(Resolver(registry, files), definition, options), nl=False)
            raise typer.Exit(0)
        result = Resolver(registry, files).resolve(definition, options)
    except typer.Exit:
        raise
    except Exception as exc:
        fail(exc)
    emit(result, fmt, explain or why_not is not None)
    raise typer.Exit(exit_code(result))


@steps_app.command("list")
def steps_list(catalog: CatalogOpt = None) -> None:
    """List the step types of the catalog."""
    try:
        registry = load_catalog(catalog)
    except Exception as exc:
        fail(exc)
    from rich.markup import escape
    from rich.table import Table

    # Names are what users copy into pipeline files: never cut them; wrap the long lists instead.
    table = Table(box=None)
    # A step type longer than a line is folded (whole, over several lines), never cut with an ellipsis.
    longest = max((len(spec.step_type) for spec in registry), default=0)
    table.add_column("step type", no_wrap=longest <= 60, overflow="fold")
    table.add_column("kind", no_wrap=True)
    for title in ("needs", "produces", "job-type variants", "source"):
        table.add_column(title, overflow="fold")
    from specwire.specs.registry import origin_of

    for spec in registry:
        table.add_row(
            escape(spec.step_type), spec.sagemaker_step_kind.value,
            escape(", ".join(d.logical_name + ("" if d.required else "?") for d in spec.dependencies)),
            escape(", ".join(o.logical_name for o in spec.outputs)),
            escape(", ".join(sorted(spec.job_type_variants))),
            escape(origin_of(registry.source(spec.step_type))),
        )
    _console().print(table)


@steps_app.command("show")
def steps_show(step: Annotated[str, typer.Argument(help="A step type.")], catalog: CatalogOpt = None) -> None:
    """Show a step's specification: what it needs, what it produces, its job-type variants."""
    try:
        registry = load_catalog(catalog)
        spec = registry.get(step)
    except Exception as exc:
        fail(exc)
    from rich.markup import escape

    console = _console()
    console.print(f"[bold]{escape(spec.step_type)}[/bold] ({spec.sagemaker_step_kind.value}) — "
                  f"from {escape(registry.source(spec.step_type))}")
    if spec.description:
        console.print(escape(spec.description))
    console.print("\n[bold]Dependencies[/bold]" if spec.dependencies else "\n[bold]Dependencies[/bold]: none")
    for d in spec.dependencies:
        console.print(f"  {escape(d.logical_name)} ({'required' if d.required else 'optional'}, {escape(d.kind)}): "
                      f"accepts {escape(', '.join(d.data_types))}")
        if d.compatible_sources:
            console.print(f"      compatible sources: {escape(', '.join(d.compatible_sources))}")
        if d.semantic_keywords:
            console.print(f"      keywords: {escape(', '.join(d.semantic_keywords))}")
        if d.aliases:
            console.print(f"      aliases: {escape(', '.join(d.aliases))}")
    console.print("\n[bold]Outputs[/bold]" if spec.outputs else "\n[bold]Outputs[/bold]: none")
    for o in spec.outputs:
        console.print(f"  {escape(o.logical_name)} ({escape(o.kind)}): {escape(o.data_type)}")
        if o.property_path:
            console.print(f"      property path: {escape(o.property_path)}")
        if o.semantic_keywords:
            console.print(f"      keywords: {escape(', '.join(o.semantic_keywords))}")
        if o.aliases:
            console.print(f"      aliases: {escape(', '.join(o.aliases))}")
    for job, variant in sorted(spec.job_type_variants.items()):
        changed = sorted(variant.dependencies) + sorted(variant.outputs)
        console.print(f"\n[bold]job type {escape(job)}[/bold]: overrides {escape(', '.join(changed))}")


def main() -> None:
    # No pydantic plugins in the command line tool: looking for them scans every installed package
    # (about 7 ms of each run); set PYDANTIC_DISABLE_PLUGINS yourself to choose otherwise.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app()
    except KeyboardInterrupt:
        _console(stderr=True).print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug: one line and a request for a report, not a traceback
        try:
            fail(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)

"""`specwire resolve`: which steps connect, in what order, what is missing, and why."""

from __future__ import annotations

from typing import Annotated

import typer

from specwire.cli.common import (
    CatalogOpt,
    EnvironmentOpt,
    ExampleOpt,
    OutputFormat,
    PipelineOpt,
    PolicyPackOpt,
    RulesOpt,
    StepsArg,
    WhyNotOpt,
    emit,
    exit_code,
    fail,
    load_catalog,
    pipeline_input,
    scoped_stage_one,
    warn_catalog,
)

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command("resolve")
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
        "--timeout", help="Time limit in seconds, wall time (matching and grounding included): when it is "
        "reached, the best wiring found so far comes back with a not_optimal warning, or none with timeout.")] = 60.0,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every catalog warning.")] = False,
    show_facts: Annotated[bool, typer.Option(
        "--show-facts", help="Print the facts and rule files given to clingo (to rerun with plain clingo) "
        "instead of resolving.")] = False,
    memory_limit: Annotated[int, typer.Option(
        "--memory-limit", help="Memory a resolve may use, in MiB.")] = 4096,
) -> None:
    """Resolve a pipeline: which steps connect, in what order, what is missing, and why."""
    try:
        from specwire.engine.bounded import check_limit, resolve_bounded
        from specwire.engine.resolver import ResolveOptions, Resolver
        from specwire.policy.sources import resolve_policies

        check_limit(timeout, "--timeout")
        check_limit(memory_limit, "--memory-limit")

        registry = load_catalog(catalog)
        warn_catalog(registry, verbose)
        definition = pipeline_input(steps, pipeline, example)
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
            interface="cli",
        )
        resolver = Resolver(registry, files, scoped=scoped_stage_one(catalog))
        if show_facts:
            from specwire.engine.program import program_text

            typer.echo(program_text(resolver, definition, options), nl=False)
            raise typer.Exit(0)
        result = resolve_bounded(resolver, definition, options, memory_mib=memory_limit)
    except typer.Exit:
        raise
    except Exception as exc:
        fail(exc)
    emit(result, fmt, explain or why_not is not None)
    raise typer.Exit(exit_code(result))

"""`specwire steps list|show`: the step types of a catalog."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import typer

from specwire.cli.common import CatalogOpt, console, fail, load_catalog

app = typer.Typer(help="The step types of a catalog.", no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False)


@app.command("list")
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
    console().print(table)


@app.command("show")
def steps_show(step: Annotated[str, typer.Argument(help="A step type.")], catalog: CatalogOpt = None) -> None:
    """Show a step's specification: what it needs, what it produces, its job-type variants."""
    try:
        registry = load_catalog(catalog)
        spec = registry.get(step)
    except Exception as exc:
        fail(exc)
    from rich.markup import escape

    out = console()
    out.print(f"[bold]{escape(spec.step_type)}[/bold] ({spec.sagemaker_step_kind.value}) — "
                  f"from {escape(registry.source(spec.step_type))}")
    if spec.description:
        out.print(escape(spec.description))
    out.print("\n[bold]Dependencies[/bold]" if spec.dependencies else "\n[bold]Dependencies[/bold]: none")
    for d in spec.dependencies:
        out.print(f"  {escape(d.logical_name)} ({'required' if d.required else 'optional'}, {escape(d.kind)}): "
                      f"accepts {escape(', '.join(d.data_types))}")
        _details(out, ("compatible sources", d.compatible_sources), ("keywords", d.semantic_keywords),
                 ("aliases", d.aliases))
    out.print("\n[bold]Outputs[/bold]" if spec.outputs else "\n[bold]Outputs[/bold]: none")
    for o in spec.outputs:
        out.print(f"  {escape(o.logical_name)} ({escape(o.kind)}): {escape(o.data_type)}")
        _details(out, ("property path", [o.property_path] if o.property_path else []),
                 ("keywords", o.semantic_keywords), ("aliases", o.aliases))
    for job, variant in sorted(spec.job_type_variants.items()):
        changed = sorted(variant.dependencies) + sorted(variant.outputs)
        out.print(f"\n[bold]job type {escape(job)}[/bold]: overrides {escape(', '.join(changed))}")


def _details(out: Any, *fields: tuple[str, Sequence[str]]) -> None:
    """The indented `label: a, b` lines of a port, for the fields that have values."""
    from rich.markup import escape

    for label, values in fields:
        if values:
            out.print(f"      {label}: {escape(', '.join(values))}")

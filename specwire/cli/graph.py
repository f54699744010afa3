"""`specwire graph`: a pipeline file to a picture (mermaid, dot or svg).

`--format svg` draws with specwire's own layered layout (`specwire.plan.render.to_svg`): no
Graphviz needed, the same picture on every machine. For Graphviz's layout, pipe `--format dot`
into `dot -Tsvg`.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Optional

import typer

from specwire.cli.common import CatalogOpt, RulesOpt, exit_code, fail, report_errors

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)

PipelineArg = Annotated[Path, typer.Argument(help="Pipeline file (YAML or JSON), as `specwire resolve -p` reads.")]
FillGapsOpt = Annotated[bool, typer.Option("--fill-gaps", help="Insert catalog steps for missing inputs.")]


class GraphFormat(StrEnum):
    mermaid = "mermaid"
    dot = "dot"
    svg = "svg"


@app.command("graph")
def graph(
    pipeline_file: PipelineArg,
    fmt: Annotated[GraphFormat, typer.Option("--format", "-f", help="mermaid, dot or svg.")] = GraphFormat.mermaid,
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this regular file "  # noqa: UP045
                                                   "(atomically) instead of standard output; `-`: stdout.")] = None,
    fill_gaps: FillGapsOpt = False,
    catalog: CatalogOpt = None,
    rules: RulesOpt = None,
) -> None:
    """Draw the resolved pipeline (inserted steps dashed). SVG needs no Graphviz."""
    from specwire.plan import render

    try:
        from specwire.files import atomic_write
        from specwire.pipeline.api import Pipeline

        pipeline = Pipeline.from_file(pipeline_file, fill_gaps=fill_gaps, catalog=catalog, rules=rules or [])
        pipeline.interface = "cli"
        result = pipeline.resolve()
        text = {GraphFormat.mermaid: render.to_mermaid, GraphFormat.dot: render.to_dot,
                GraphFormat.svg: render.to_svg}[fmt](result)
        if output is not None and str(output) != "-":
            atomic_write(output, text)
        else:
            sys.stdout.write(text)
    except Exception as exc:
        fail(exc)
    report_errors(result)
    raise typer.Exit(exit_code(result))

"""`specwire migrate cursus SPECS.json -o PACK.yaml`: a cursus catalog as a specwire spec pack.

Each step type gets an `implementation:` block (kind, framework image, script named after the
step type), so `specwire build DAG.json -c PACK.yaml` builds the catalog's pipelines; what the team
must still fill in (images of steps on internal SDKs, scripts) is printed. The pack is validated
by loading it back before it is written, and written atomically.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from specwire.cli.common import fail

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True,
                  help="Migrate another tool's catalog to a specwire spec pack.")


@app.callback()
def migrate() -> None:
    """Migrate another tool's catalog to a specwire spec pack (a group: one command per format)."""


@app.command("cursus")
def cursus(
    specs: Annotated[Path, typer.Argument(help="The cursus catalog (specs.json with step_specifications).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The spec pack to write (YAML).")],
) -> None:
    """Write a spec pack with an implementation block per step type of a cursus catalog."""
    from rich.markup import escape

    from specwire.cli.common import console as _console

    try:
        import yaml

        from specwire.errors import SpecPackError
        from specwire.files import atomic_write
        from specwire.specs.cursus import migrate_catalog
        from specwire.specs.files import read_document
        from specwire.specs.registry import parse_pack

        document = read_document(specs, what="cursus catalog", error=SpecPackError)
        pack, todo = migrate_catalog(document, str(specs))
        parse_pack(pack, str(output))  # what is written must load back
        text = yaml.safe_dump(pack, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120)
        atomic_write(output, text, error=SpecPackError)
    except typer.Exit:
        raise
    except Exception as exc:
        fail(exc)
    console = _console()
    console.print(f"wrote {escape(str(output))}: {len(pack['specs'])} step types with implementation blocks")
    if todo:
        console.print(f"still to fill in ({len(todo)}; scripts are relative to {escape(str(output.parent))}):")
        for line in todo:
            console.print(f"  - {escape(line)}")
    raise typer.Exit(0)

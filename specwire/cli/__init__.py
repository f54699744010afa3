"""The `specwire` command line.

Exit codes: 0 the pipeline resolves, 1 it does not, 2 bad input. No traceback reaches a user:
specwire's own errors print their message and fix; anything else prints one line and asks for a
report. Heavy imports (the engine, the SageMaker SDK) happen inside the commands that need them.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Annotated, Any, ClassVar

import typer
from typer.core import TyperGroup

from specwire.cli.common import console, fail
from specwire.cli.resolve import app as resolve_app


class LazyGroup(TyperGroup):
    """Sub-command groups imported only when used, so `specwire resolve` stays fast.

    Click documents this pattern for large CLIs: list the names up front, import on lookup.
    """

    lazy: ClassVar[dict[str, tuple[str, str, str]]] = {
        "configs": ("specwire.cli.configs", "app", "Step configs: schemas, fields, tiers and defaults."),
        "rules": ("specwire.cli.rules", "app", "Policy rules: check and test .lp policy files."),
        "deploy": ("specwire.cli.deploy", "app", "Deploy a pipeline file to SageMaker (and start it)."),
        "graph": ("specwire.cli.graph", "app", "Draw a pipeline file: mermaid, dot or svg."),
        "build": ("specwire.cli.build", "app", "Build the SageMaker pipeline definition JSON, offline."),
        "run": ("specwire.cli.run", "app", "Run a pipeline's built definition locally (--local): no AWS, no Docker."),
        "migrate": ("specwire.cli.migrate", "app", "Migrate a cursus catalog to a spec pack with implementations."),
        "steps": ("specwire.cli.steps", "app", "The step types of a catalog."),
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
    add_completion=True,
    pretty_exceptions_enable=False,
)


# `resolve` is the command users run most: mounted eagerly (it imports only typer until it runs).
app.registered_commands.extend(resolve_app.registered_commands)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"specwire {version('specwire')}")
        except PackageNotFoundError:  # running from a checkout that was never installed
            typer.echo("specwire (not installed: no version recorded)")
        raise typer.Exit(0)


@app.callback()
def _group(
    show_version: Annotated[bool, typer.Option(
        "--version", help="Print specwire's version and exit.", callback=_print_version, is_eager=True)] = False,
) -> None:
    """Spec-driven SageMaker pipelines: resolve, explain, build and deploy."""
    # A callback makes `specwire` a group even while only `resolve` is mounted eagerly.


def main() -> None:
    # No pydantic plugins in the command line tool: looking for them scans every installed package
    # (about 7 ms of each run); set PYDANTIC_DISABLE_PLUGINS yourself to choose otherwise.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app()
    except KeyboardInterrupt:
        console(stderr=True).print("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug: one line and a request for a report, not a traceback
        try:
            fail(exc)
        except typer.Exit as done:
            sys.exit(done.exit_code)

"""`specwire configs ...`: the config classes, their JSON Schemas and their fields.

The main CLI mounts `app`; errors are raised as `specwire.errors` exceptions for it to print.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Optional

import typer
from rich.table import Table
from rich.text import Text

from specwire.cli import terminal
from specwire.configs.base import BasePipelineConfig, StepConfig
from specwire.configs.model import ConfigModel, FieldDoc, FieldTier, nested_model
from specwire.configs.registry import CONFIG_CLASSES, config_class_for

app = typer.Typer(
    name="configs",
    help="Config classes: how each step type runs (instances, hyperparameters, paths).",
    no_args_is_help=True,
    add_completion=False,
)

StepArg = Annotated[str, typer.Argument(help="Step type, e.g. XGBoostTraining (case does not matter).")]
CatalogOpt = Annotated[
    Optional[list[str]],  # noqa: UP045 - typer reads the annotation at runtime
    typer.Option("--catalog", "-c", help="Spec pack file or folder (repeatable; `builtin` is the built-in "
                 "catalog): also shows the config classes of its file-only step types."),
]


def _classes(catalog: list[str] | None) -> dict[str, type[StepConfig]]:
    """The config classes of the catalog (generated ones for its file-only steps), else the registered ones."""
    from specwire.cli.common import load_catalog, load_plugins

    if not catalog:
        load_plugins()
        return dict(CONFIG_CLASSES)
    from specwire.configs.generated import registry_config_classes

    return registry_config_classes(load_catalog(catalog))

_TIER_ORDER = {FieldTier.ESSENTIAL: 0, FieldTier.DEFAULT: 1, FieldTier.DERIVED: 2}
_TIER_STYLE = {FieldTier.ESSENTIAL: "bold red", FieldTier.DEFAULT: "", FieldTier.DERIVED: "dim"}


@app.command("list")
def list_configs(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    catalog: CatalogOpt = None,
) -> None:
    """List the step types that have a config class, with their essential fields."""
    rows = [
        (
            step_type,
            cls.__name__,
            [f for f in cls.fields_in_tier(FieldTier.ESSENTIAL) if f not in _PIPELINE_FIELDS],
        )
        for step_type, cls in sorted(_classes(catalog).items())
    ]
    if as_json:
        payload = [{"step_type": s, "config_class": c, "essential": e} for s, c, e in rows]
        typer.echo(json.dumps(payload, indent=2))
        return
    table = Table(title="Config classes")
    table.add_column("step type", no_wrap=True)
    table.add_column("config class", no_wrap=True)
    table.add_column("essential fields (besides the pipeline's)")
    for step_type, class_name, essential in rows:
        table.add_row(step_type, class_name, ", ".join(essential) or "-")
    terminal.console().print(table)


@app.command("schema")
def schema(
    step: StepArg,
    indent: Annotated[int, typer.Option(help="Indentation of the JSON.")] = 2,
    catalog: CatalogOpt = None,
) -> None:
    """Print the JSON Schema of a step type's config (for editors and validators)."""
    cls = config_class_for(step, _classes(catalog))
    document: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    document.update(cls.model_json_schema())
    typer.echo(json.dumps(document, indent=indent or None))


@app.command("show")
def show(
    step: StepArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    catalog: CatalogOpt = None,
) -> None:
    """Show a step type's config fields: tier (essential, default, derived), type, default, rule."""
    cls = config_class_for(step, _classes(catalog))
    sections: list[tuple[str, type[ConfigModel]]] = [(f"{cls.STEP_TYPE} ({cls.__name__})", cls)]
    sections += [
        (f"{name} ({model.__name__})", model)
        for name in cls.model_fields
        if (model := nested_model(cls, name)) is not None
    ]
    if as_json:
        payload = {title: [_doc_dict(d) for d in _sorted_docs(model)] for title, model in sections}
        typer.echo(json.dumps(payload, indent=2, default=repr))
        return
    console = terminal.console()
    for title, model in sections:
        console.print(_table(title, model))


# --------------------------------------------------------------------------- helpers

_PIPELINE_FIELDS = frozenset(BasePipelineConfig.PIPELINE_FIELDS)


def _sorted_docs(model: type[ConfigModel]) -> list[FieldDoc]:
    # Essential first: what a person must fill in is what they look for.
    return sorted(model.describe_fields(), key=lambda d: _TIER_ORDER[d.tier])


def _doc_dict(doc: FieldDoc) -> dict[str, Any]:
    return {
        "name": doc.name,
        "tier": doc.tier.value,
        "type": doc.type,
        "default": doc.default if doc.tier is FieldTier.DEFAULT else None,
        "rule": doc.rule,
        "description": doc.description,
    }


def _table(title: str, model: type[ConfigModel]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("field", no_wrap=True)
    table.add_column("tier", no_wrap=True)
    table.add_column("type", overflow="fold")
    table.add_column("default", overflow="fold")
    table.add_column("description", overflow="fold")
    for doc in _sorted_docs(model):
        note = doc.description + (f" ({doc.rule})" if doc.rule else "")
        # Text cells, not markup: "dict[str, str]" would otherwise be read as a style tag.
        nested = doc.name in model.model_fields and nested_model(model, doc.name) is not None
        default = "(its own defaults, below)" if nested and doc.tier is FieldTier.DEFAULT else doc.default_text
        cells = (doc.name, doc.tier.value, doc.type, default, note)
        table.add_row(*(Text(c) for c in cells), style=_TIER_STYLE[doc.tier])
    return table

"""The public API for adding step types in Python: plugins, found by the `specwire.plugins` entry point.

A package declares, in its pyproject.toml,

    [project.entry-points."specwire.plugins"]
    my_steps = "my_steps:plugin"

where `my_steps.plugin` is a `Plugin` (or a function returning one). A plugin gives:

- `spec_packs`: spec pack files (what its steps need and produce), added to the built-in catalog;
- `config_classes`: `StepConfig` subclasses (from `specwire.configs`: `ProcessingStepConfig`,
  `TrainingStepConfig`, ...), one per step type, paired by `STEP_TYPE`;
- `builders`: `StepBuilder` subclasses (from `specwire.builders`: `ProcessingBuilder`,
  `StepBuilder` with the `model_trainer` helper, ...), paired by `STEP_TYPE`;
- scripts: a config's `source_dir` names the folder of its `entry_point` (`scripts_dir(__file__)`).

specwire's own steps are described the same way (`builtin_plugin()`). Installed plugins are
loaded once per process by the CLI and by `Pipeline` (`load_plugins`); one that fails to load is
reported by name (`plugin_problems()`, and a warning on the CLI) and the others still work.

This module lives in `pipeline/` (the layer that may import specs, configs and builders alike),
not at the package root, which holds at most five modules.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from specwire.errors import SpecwireError
from specwire.specs.registry import PLUGIN_PACKS, builtin_catalog_files

if TYPE_CHECKING:
    from specwire.builders.base import (
        BuildContext,
        BuiltStep,
        OutputRef,
        StepBuilder,
        job_environment,
        step_options,
    )
    from specwire.builders.processing import ProcessingBuilder
    from specwire.builders.training import _trainer as model_trainer
    from specwire.configs.base import ProcessingStepConfig, StepConfig, TrainingStepConfig

#: The entry point group specwire reads plugins from.
ENTRY_POINT_GROUP = "specwire.plugins"

#: The names this module offers plugin authors from the builders and configs, imported on first use
#: (PEP 562): loading plugins when none is installed, as every `specwire resolve` of the built-in
#: catalog does, must not import the config models and builders (about 0.2 s).
_REEXPORTED = {
    "BuildContext": ("specwire.builders.base", "BuildContext"),
    "BuiltStep": ("specwire.builders.base", "BuiltStep"),
    "OutputRef": ("specwire.builders.base", "OutputRef"),
    "StepBuilder": ("specwire.builders.base", "StepBuilder"),
    "job_environment": ("specwire.builders.base", "job_environment"),
    "step_options": ("specwire.builders.base", "step_options"),
    "ProcessingBuilder": ("specwire.builders.processing", "ProcessingBuilder"),
    "model_trainer": ("specwire.builders.training", "_trainer"),
    "ProcessingStepConfig": ("specwire.configs.base", "ProcessingStepConfig"),
    "StepConfig": ("specwire.configs.base", "StepConfig"),
    "TrainingStepConfig": ("specwire.configs.base", "TrainingStepConfig"),
}


def __getattr__(name: str) -> Any:
    if name not in _REEXPORTED:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _REEXPORTED[name]
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


@dataclass(frozen=True)
class Plugin:
    """What a plugin adds: spec packs, config classes and builders (see the module docstring)."""

    name: str
    spec_packs: Sequence[str | Path] = ()
    config_classes: Sequence[type[StepConfig]] = ()
    builders: Sequence[type[StepBuilder]] = ()
    description: str = ""


@dataclass(frozen=True)
class PluginProblem:
    """A plugin that could not be loaded, and why."""

    name: str
    message: str


def scripts_dir(module_file: str, folder: str = "scripts") -> str:
    """The folder of a plugin's scripts beside its module: `source_dir=scripts_dir(__file__)`."""
    return str(Path(module_file).resolve().parent / folder)


def install(plugin: Plugin) -> None:
    """Register a plugin's config classes, builders and spec packs (what loading an entry point does)."""
    if not isinstance(plugin, Plugin):
        raise TypeError(f"expected a specwire.pipeline.plugins.Plugin, got {type(plugin).__name__}")
    packs = tuple(Path(p) for p in plugin.spec_packs)
    missing = [str(p) for p in packs if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"spec pack(s) not found: {', '.join(missing)}")
    from specwire.builders.registry import register_builder
    from specwire.configs.registry import register_config_class

    for cls in plugin.config_classes:
        register_config_class(cls)
    for builder in plugin.builders:
        register_builder(builder)
    if packs and not all(p in builtin_catalog_files() for p in packs):
        PLUGIN_PACKS[plugin.name] = packs


def builtin_plugin() -> Plugin:
    """specwire's own step types, described with the same API as any plugin."""
    from specwire.builders.registry import BUILDERS
    from specwire.configs.registry import CONFIG_CLASSES

    return Plugin("specwire", spec_packs=builtin_catalog_files(), config_classes=tuple(CONFIG_CLASSES.values()),
                  builders=tuple(BUILDERS.values()), description="the built-in steps")


_LOADED: dict[str, str] = {}
_PROBLEMS: list[PluginProblem] = []
_DONE = False


def load_plugins(*, reload: bool = False) -> list[PluginProblem]:
    """Load every installed plugin once per process; returns the ones that failed (by name)."""
    global _DONE
    if _DONE and not reload:
        return list(_PROBLEMS)
    _DONE = True
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        if entry.name in _LOADED:
            continue
        try:
            loaded = entry.load()
            plugin = loaded() if callable(loaded) and not isinstance(loaded, Plugin) else loaded
            install(plugin)
            _LOADED[entry.name] = plugin.name
        except Exception as exc:  # a broken plugin must not break specwire: report it by name
            message = exc.message if isinstance(exc, SpecwireError) else f"{type(exc).__name__}: {exc}"
            _PROBLEMS.append(PluginProblem(entry.name, f"{entry.value}: {message}"))
    return list(_PROBLEMS)


def loaded_plugins() -> dict[str, str]:
    """Entry point name -> plugin name of every plugin loaded so far."""
    return dict(_LOADED)


def plugin_problems() -> list[PluginProblem]:
    return list(_PROBLEMS)


__all__ = [
    "ENTRY_POINT_GROUP",
    "BuildContext",
    "BuiltStep",
    "OutputRef",
    "Plugin",
    "PluginProblem",
    "ProcessingBuilder",
    "ProcessingStepConfig",
    "StepBuilder",
    "StepConfig",
    "TrainingStepConfig",
    "builtin_plugin",
    "install",
    "job_environment",
    "load_plugins",
    "model_trainer",
    "plugin_problems",
    "scripts_dir",
    "step_options",
]


"""An example specwire plugin: the WordCount step (its spec pack, config class, builder and script).

Installed, it is found through the `specwire.plugins` entry point in pyproject.toml; every
command then knows WordCount (`specwire steps list` shows it as `plugin word-count`).
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from specwire.pipeline.plugins import Plugin, ProcessingBuilder, ProcessingStepConfig, StepConfig, scripts_dir

HERE = Path(__file__).resolve().parent


class WordCountConfig(ProcessingStepConfig):
    """Counts words; the builder passes `min_count` to the script as `--min-count`."""

    STEP_TYPE: ClassVar[str] = "WordCount"

    min_count: int = 1
    """Words seen fewer times are left out."""
    entry_point: str = "word_count.py"
    """The plugin's script."""
    source_dir: str | None = scripts_dir(__file__)
    """The plugin's scripts folder."""


class WordCountBuilder(ProcessingBuilder):
    STEP_TYPE: ClassVar[str] = "WordCount"
    CONFIG_CLASS: ClassVar[type[StepConfig]] = WordCountConfig
    INPUTS: ClassVar[dict[str, str]] = {"input_data": "input_data"}
    OUTPUTS: ClassVar[dict[str, str]] = {"word_counts": "word_counts"}


def plugin() -> Plugin:
    return Plugin("word-count", spec_packs=[HERE / "word_count.yaml"], config_classes=[WordCountConfig],
                  builders=[WordCountBuilder], description="an example plugin")

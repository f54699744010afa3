"""File-only step types: the `implementation:` block is validated where it is written (errors name
the pack file and field), and becomes a config class with the built-in tiers, validation and
overrides. No SageMaker SDK here."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from specwire.cli import app
from specwire.configs import ConfigNode, GenerationContext, generate_configs, load_configs, save_configs
from specwire.configs.generated import FileProcessingConfig, FileTrainingConfig, registry_config_classes
from specwire.configs.model import FieldTier
from specwire.errors import ConfigError, SpecPackError
from specwire.specs.registry import load_registry

PACK_DIR = Path(__file__).resolve().parents[1] / "builders" / "file_steps"
PACK = PACK_DIR / "pack.yaml"
CONTEXT = GenerationContext(pipeline_name="p", region="us-east-1", role_arn="arn:aws:iam::123456789012:role/r",
                            bucket="bkt", data_location="s3://bkt/data/")


def _pack(tmp_path: Path, implementation: str, kind_ports: str = "") -> Path:
    path = tmp_path / "team.yaml"
    path.write_text(
        "specs:\n  - step_type: Embed\n    outputs: [{logical_name: out}]\n" + kind_ports
        + "    implementation:\n" + "".join(f"      {line}\n" for line in implementation.strip().splitlines()),
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("kind: batch\nscript: a.py", r"team\.yaml: specs\[0\] \(Embed\)\.implementation\.kind: Input should be "
                                      r"'processing', 'training', 'transform' or 'model'"),
        ("kind: processing\nscript: a.py\nimage_uri: my-image:latest",
         r"implementation\.image_uri: 'my-image:latest' is not a container registry URI"),
        ("kind: training\ninstance_type: ml.m5.xlarge",
         r"implementation: a training step needs a script .* or an algorithm image_uri"),
        ("kind: processing\nscript: ../outside.py", r"implementation\.script: '\.\./outside\.py' must be a relative"),
        ("kind: processing\nscript: a.py\nhyperparameters: {k: 1}", r"use `arguments:`"),
        ("kind: processing\nscript: a.py\nscirpt: b.py", r"implementation\.scirpt: unknown field 'scirpt' \(did you"),
    ],
)
def test_a_bad_implementation_block_names_the_pack_file_and_field(tmp_path: Path, block: str, expected: str) -> None:
    with pytest.raises(SpecPackError, match=expected):
        load_registry([_pack(tmp_path, block)])


def test_an_unknown_framework_names_the_pack_file_and_field(tmp_path: Path) -> None:
    registry = load_registry([_pack(tmp_path, "kind: processing\nscript: a.py\nframework: sklaern")])
    with pytest.raises(SpecPackError, match=r"team\.yaml: Embed\.implementation\.framework: unknown framework "
                                            r"'sklaern' \(did you mean 'sklearn'\?\)"):
        registry_config_classes(registry)


def test_generated_classes_take_the_blocks_values_as_defaults_with_built_in_tiers() -> None:
    classes = registry_config_classes(load_registry(["builtin", str(PACK)]))
    embed, knn = classes["TextEmbedding"], classes["KNNTraining"]
    assert issubclass(embed, FileProcessingConfig) and issubclass(knn, FileTrainingConfig)
    assert classes["XGBoostTraining"].__name__ == "XGBoostTrainingConfig"  # built-ins untouched
    configs = generate_configs([ConfigNode("embed", "TextEmbedding"), ConfigNode("knn", "KNNTraining")], CONTEXT,
                               {"knn": {"hyperparameters": {"k": 3}}}, classes=classes)
    config = configs["embed"]
    assert isinstance(config, embed)
    assert (config.image_uri, config.entry_point, config.arguments) == (
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/embed:1.0", "embed.py", {"dim": 64})
    assert config.source_dir == str(PACK_DIR / "scripts")
    assert config.script_s3_uri == "s3://bkt/p/1.0.0/embed/code/embed.py"
    assert configs["knn"].hyperparameters == {"k": 3}  # type: ignore[attr-defined]
    assert configs["knn"].entry_point is None  # type: ignore[attr-defined]
    tiers = embed.field_tiers()
    # The pipeline's own fields, as on built-in configs: left to the pipeline a config is given to.
    assert tiers["role_arn"] is FieldTier.DEFAULT and "role_arn" in embed.ATTACHED_FIELDS
    assert embed.model_fields["role_arn"].default is None
    assert tiers["arguments"] is FieldTier.DEFAULT and tiers["output_s3_uri"] is FieldTier.DERIVED


def test_generated_configs_validate_overrides_like_built_in_ones() -> None:
    classes = registry_config_classes(load_registry(["builtin", str(PACK)]))
    with pytest.raises(ConfigError, match=r"TextEmbedding \(node 'embed'\)\.instance_type"):
        generate_configs([ConfigNode("embed", "TextEmbedding")], CONTEXT, {"embed": {"instance_type": "m5"}},
                         classes=classes)
    with pytest.raises(ConfigError, match=r"argumnets.*did you mean 'arguments'"):
        generate_configs([ConfigNode("embed", "TextEmbedding")], CONTEXT, {"embed": {"argumnets": {}}},
                         classes=classes)


def test_generated_configs_round_trip_through_a_configs_file(tmp_path: Path) -> None:
    classes = registry_config_classes(load_registry(["builtin", str(PACK)]))
    configs = generate_configs([ConfigNode("embed", "TextEmbedding")], CONTEXT, classes=classes)
    path = save_configs(configs, tmp_path / "configs.yaml")
    assert load_configs(path, classes) == configs
    with pytest.raises(ConfigError, match="no config class for step type 'TextEmbedding'"):
        load_configs(path)  # without the pack, the step type is unknown


def test_configs_show_lists_a_file_only_steps_fields() -> None:
    result = CliRunner().invoke(app, ["configs", "show", "TextEmbedding", "-c", "builtin", "-c", str(PACK), "--json"])
    assert result.exit_code == 0, result.output
    fields = {f["name"]: f for f in json.loads(result.output)["TextEmbedding (TextEmbeddingConfig)"]}
    assert fields["arguments"]["default"] == {"dim": 64}
    assert fields["image_uri"]["default"] == "123456789012.dkr.ecr.us-east-1.amazonaws.com/embed:1.0"
    listed = CliRunner().invoke(app, ["configs", "list", "-c", "builtin", "-c", str(PACK), "--json"])
    assert {"TextEmbedding", "KNNTraining", "XGBoostTraining"} <= {r["step_type"] for r in json.loads(listed.output)}


def test_build_names_every_missing_script_unless_allowed(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    shutil.copy(PACK, pack)
    output = tmp_path / "definition.json"
    args = ["build", str(PACK_DIR / "pipeline.yaml"), "-c", "builtin", "-c", str(pack), "-o", str(output)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "TextEmbedding.implementation.script" in result.output and "embed.py" in result.output
    assert "Traceback" not in result.output and not output.exists()

"""File-only step types (a spec pack's `implementation:` blocks, no Python) built offline next to
built-in steps: images, arguments and hyperparameters, script upload, and `Get` references wired
from built-in steps into the new ones and back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders_support import ROLE, NetworkGuard, references, steps_by_name

from specwire.errors import BuildError

HERE = Path(__file__).resolve().parent / "file_steps"
PACK = HERE / "pack.yaml"
CATALOG = ["builtin", str(PACK)]
EMBED_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/embed:1.0"
KNN_IMAGE = "382416733822.dkr.ecr.us-east-1.amazonaws.com/knn:1"


@pytest.fixture(scope="module")
def built(offline: NetworkGuard) -> tuple[str, str, list[tuple[str, str]], object]:
    from specwire.pipeline.api import Pipeline

    texts = []
    for _ in range(2):  # two pipelines, two builds: nothing may depend on the process's history
        pipeline = Pipeline.from_file(HERE / "pipeline.yaml", role_arn=ROLE, catalog=CATALOG)
        texts.append(pipeline.definition())
    assert not offline.attempts
    return texts[0], texts[1], pipeline.script_uploads(), pipeline.plan().resolved


def test_definition_is_byte_identical_across_builds(built: tuple[str, str, list[tuple[str, str]], object]) -> None:
    first, second, _, _ = built
    assert first == second


def test_processing_step_runs_the_pack_script_on_its_image_with_arguments(built: tuple) -> None:
    definition = json.loads(built[0])
    embed = steps_by_name(definition)["embed"]["Arguments"]
    assert embed["AppSpecification"]["ImageUri"] == EMBED_IMAGE
    # The pipeline file's node override (dim: 128) wins over the pack's default (64).
    assert embed["AppSpecification"]["ContainerArguments"] == ["--dim", "128"]
    assert embed["AppSpecification"]["ContainerEntrypoint"] == ["python3", "/opt/ml/processing/input/code/embed.py"]
    assert embed["Environment"] == {"MODE": "fast"}
    assert embed["StoppingCondition"] == {"MaxRuntimeInSeconds": 3600}
    code = next(i for i in embed["ProcessingInputs"] if i["InputName"] == "code")
    uploads = dict((uri, local) for local, uri in built[2])
    # The code URI the definition names is where the pack's script is uploaded, as for built-in steps.
    assert uploads[code["S3Input"]["S3Uri"]] == str(HERE / "scripts" / "embed.py")
    assert [o["OutputName"] for o in embed["ProcessingOutputConfig"]["Outputs"]] == ["embeddings"]


def test_training_step_runs_the_algorithm_image_without_a_script(built: tuple) -> None:
    definition = json.loads(built[0])
    knn = steps_by_name(definition)["knn"]["Arguments"]
    assert knn["AlgorithmSpecification"]["TrainingImage"] == KNN_IMAGE
    # The step-type override replaced the pack's hyperparameters; no script-mode entries.
    assert knn["HyperParameters"] == {"k": "25", "feature_dim": "64", "predictor_type": "classifier"}
    assert not any("knn/code" in uri for _, uri in built[2])


def test_property_references_wire_built_in_and_file_only_steps_both_ways(built: tuple) -> None:
    definition = json.loads(built[0])
    steps = steps_by_name(definition)
    embed_out = "Steps.embed.ProcessingOutputConfig.Outputs['embeddings'].S3Output.S3Uri"
    # built-in -> file-only
    assert references(steps["embed"]["Arguments"]["ProcessingInputs"]) == [
        "Steps.prep.ProcessingOutputConfig.Outputs['train_data'].S3Output.S3Uri"
    ]
    # file-only -> file-only, and file-only -> built-in (XGBoost's training channel)
    assert references(steps["knn"]["Arguments"]["InputDataConfig"]) == [embed_out]
    xgb_channels = {c["ChannelName"]: references(c) for c in steps["xgb"]["Arguments"]["InputDataConfig"]}
    assert xgb_channels["training_data"] == [embed_out]
    # one step per node, one step reference per resolved edge
    resolved = built[3]
    assert sorted(steps) == sorted(n.name for n in resolved.nodes)
    step_refs = [r for r in references(definition["Steps"]) if r.startswith("Steps.")]
    assert len(step_refs) == len(resolved.edges)


def test_missing_pack_script_names_the_pack_file_and_field(offline: NetworkGuard, tmp_path: Path) -> None:
    from specwire.builders import script_uploads
    from specwire.builders.uploads import missing_scripts
    from specwire.pipeline.api import Pipeline

    pack = tmp_path / "pack.yaml"
    pack.write_text(PACK.read_text(encoding="utf-8"), encoding="utf-8")  # no scripts/ beside it
    pipeline = Pipeline.from_file(HERE / "pipeline.yaml", role_arn=ROLE, catalog=["builtin", str(pack)])
    plan = pipeline.plan()
    missing = missing_scripts(plan.configs)
    assert [(node, where) for node, _, where in missing] == [
        ("embed", f"{pack}: TextEmbedding.implementation.script")
    ]
    with pytest.raises(BuildError, match=r"pack\.yaml: TextEmbedding\.implementation\.script: .*embed\.py does not"):
        script_uploads(plan.resolved, plan.configs)


def test_model_and_transform_kinds_build_over_built_in_steps(offline: NetworkGuard) -> None:
    from specwire.pipeline.api import Pipeline

    pipeline = Pipeline.from_file(HERE / "model_pipeline.yaml", role_arn=ROLE,
                                  catalog=["builtin", str(HERE / "model_pack.yaml")])
    steps = steps_by_name(json.loads(pipeline.definition()))
    model, score = steps["model"], steps["score"]["Arguments"]
    assert model["Type"] == "Model"
    assert model["Arguments"]["PrimaryContainer"]["Image"] == KNN_IMAGE
    assert references(model["Arguments"]["PrimaryContainer"]) == ["Steps.xgb.ModelArtifacts.S3ModelArtifacts"]
    assert references(score["ModelName"]) == ["Steps.model.ModelName"]
    assert references(score["TransformInput"]) == [
        "Steps.prep.ProcessingOutputConfig.Outputs['test_data'].S3Output.S3Uri"
    ]
    assert not offline.attempts

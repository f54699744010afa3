"""What deploying uploads: each step's script (or script-mode archive) and its S3 location, without the SDK."""

from __future__ import annotations

import gzip
import io
import tarfile
from pathlib import Path

import pytest

from specwire.builders import script_uploads
from specwire.builders.code import archive_bytes, builtin_scripts_dir
from specwire.configs import ConfigNode, GenerationContext, generate_configs
from specwire.errors import BuildError

CONTEXT = GenerationContext(pipeline_name="fraud", region="us-east-1", role_arn="arn:aws:iam::123456789012:role/R",
                            bucket="ml-artifacts", data_location="s3://fraud-data/raw/")
FRAUD = [
    ConfigNode("load", "DataLoading"),
    ConfigNode("prep", "TabularPreprocessing"),
    ConfigNode("train", "XGBoostTraining"),
    ConfigNode("eval", "ModelEvaluation"),
    ConfigNode("gate", "QualityGate"),
    ConfigNode("model", "CreateModel"),
    ConfigNode("register", "ModelRegistration"),
    ConfigNode("score", "BatchTransform"),
]
EDGES = [("load", "prep"), ("prep", "train"), ("train", "eval"), ("prep", "eval"), ("eval", "gate"),
         ("train", "model"), ("train", "register"), ("eval", "register"), ("model", "score"), ("prep", "score")]


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}  # type: ignore[union-attr]


def test_the_fraud_pipeline_uploads_the_builtin_scripts(tmp_path: Path) -> None:
    configs = generate_configs(FRAUD, CONTEXT, edges=EDGES)
    uploads = dict((uri, local) for local, uri in script_uploads(None, configs, archive_dir=tmp_path))
    root = "s3://ml-artifacts/fraud/1.0.0"
    for node in ("load", "prep", "eval"):
        config = configs[node]
        local = uploads[f"{root}/{node}/code/{config.entry_point}"]
        assert local == builtin_scripts_dir() / config.entry_point
    archive = uploads[f"{root}/train/code/sourcedir.tar.gz"]
    assert archive.parent == tmp_path
    entry = configs["train"].entry_point
    assert members(archive) == {entry: (builtin_scripts_dir() / entry).read_bytes()}
    # the gate and the transform run no code; the models have no inference script here
    assert not any(f"/{node}/" in uri for uri in uploads for node in ("gate", "score"))
    if not (builtin_scripts_dir() / configs["model"].entry_point).exists():
        assert not any("/model/" in uri or "/register/" in uri for uri in uploads)


def test_archives_are_reproducible_and_carry_requirements(tmp_path: Path) -> None:
    script = tmp_path / "lightgbm_train.py"
    script.write_text("print('train')\n", encoding="utf-8")
    (tmp_path / "lightgbm_requirements.txt").write_text("lightgbm>=4\n", encoding="utf-8")
    first = archive_bytes(script)
    script.touch()  # a new modification time changes nothing
    assert archive_bytes(script) == first
    with tarfile.open(fileobj=io.BytesIO(first), mode="r:gz") as tar:
        names = sorted(m.name for m in tar.getmembers())
        assert all(m.mtime == 0 and m.uid == 0 for m in tar.getmembers())
    assert names == ["lightgbm_train.py", "requirements.txt"]
    assert gzip.decompress(first)  # a gzip stream with a fixed header


def test_a_source_dir_overrides_the_builtin_scripts(tmp_path: Path) -> None:
    (tmp_path / "my_prep.py").write_text("print('mine')\n", encoding="utf-8")
    configs = generate_configs([ConfigNode("prep", "TabularPreprocessing")], CONTEXT,
                               {"prep": {"entry_point": "my_prep.py", "source_dir": str(tmp_path)}})
    assert script_uploads(None, configs) == [
        (tmp_path / "my_prep.py", "s3://ml-artifacts/fraud/1.0.0/prep/code/my_prep.py")]


def test_a_missing_script_names_the_node_and_the_fix(tmp_path: Path) -> None:
    configs = generate_configs([ConfigNode("prep", "TabularPreprocessing")], CONTEXT,
                               {"prep": {"entry_point": "absent.py", "source_dir": str(tmp_path)}})
    with pytest.raises(BuildError) as err:
        script_uploads(None, configs)
    assert "'prep'" in err.value.message and "absent.py" in err.value.message
    assert err.value.suggested_fix and "source_dir" in err.value.suggested_fix


def test_an_inference_script_is_uploaded_when_there_is_one(tmp_path: Path) -> None:
    (tmp_path / "serve.py").write_text("def model_fn(d): ...\n", encoding="utf-8")
    configs = generate_configs([ConfigNode("model", "CreateModel")], CONTEXT,
                               {"model": {"entry_point": "serve.py", "source_dir": str(tmp_path)}})
    [(archive, uri)] = script_uploads(None, configs, archive_dir=tmp_path / "out")
    assert uri == "s3://ml-artifacts/fraud/1.0.0/model/code/sourcedir.tar.gz"
    assert list(members(archive)) == ["serve.py"]

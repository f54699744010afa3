"""Bad input through the real command line: one clear message, the right exit code, no traceback.

Each case writes its files, runs `specwire ...` (typer's runner on the main app, so lazily-mounted
sub-commands go through the same group as in a shell), and asserts the exit code (2: bad input,
1: the pipeline does not resolve, 0: a warning only) and the key part of the message, exactly as a
user reads it. A few cases run the installed entry point in a fresh process.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from specwire.cli import app

runner = CliRunner(env={"COLUMNS": "250", "NO_COLOR": "1"})

ROLE = "arn:aws:iam::111122223333:role/SageMaker"
TWO = "nodes:\n  - {name: a, step: DataLoading}\n  - {name: b, step: TabularPreprocessing}\n"
THREE = TWO + "  - {name: c, step: XGBoostTraining}\n"
PACK = "step_type: Foo\noutputs: [{logical_name: out}]\n"


@dataclass(frozen=True)
class Case:
    id: str
    #: Files to write under the test's folder, then the arguments ({d} is the folder).
    files: dict[str, str | bytes]
    args: tuple[str, ...]
    code: int
    expected: tuple[str, ...]


def alias_bomb(depth: int = 9) -> str:
    """A 1 KB pipeline file whose node name is a list of 10**depth strings (the billion laughs)."""
    lines = ["description:", '  - &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, depth):
        lines.append(f"  - &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    return "\n".join([*lines, "nodes:", f"  - {{name: *a{depth - 1}, step: DataLoading}}", ""])


def configs_file(tmp: Path, change: tuple[str, str] | None = None) -> str:
    """The fraud example's configs, saved as specwire does, with one text replacement."""
    from specwire.configs import save_configs
    from specwire.pipeline.api import Pipeline

    pipeline = Pipeline.from_file(example("fraud"), role_arn=ROLE, bucket="ml-artifacts")
    path = tmp / "fraud.configs.yaml"
    save_configs(pipeline.configs(), path)
    text = path.read_text(encoding="utf-8")
    if change is not None:
        assert change[0] in text
        text = text.replace(change[0], change[1], 1)
    return text


def example(name: str) -> Path:
    return Path(__file__).resolve().parents[2] / "specwire" / "examples" / f"{name}.yaml"


CASES = [
    # ---- malformed files
    Case("malformed YAML pipeline", {"p.yaml": "nodes: [a, b\n"}, ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml:2:1: invalid YAML in pipeline file: did not find expected ',' or ']'",)),
    Case("malformed JSON pipeline", {"p.json": '{"nodes": [}'}, ("resolve", "-p", "{d}/p.json"), 2,
         ("error: {d}/p.json:1:12: invalid JSON in pipeline file: Expecting value",)),
    Case("malformed YAML spec pack", {"s.yaml": "step_type: Foo\n  outputs: x\n"},
         ("resolve", "-c", "{d}/s.yaml", "Foo"), 2,
         ("error: {d}/s.yaml:2:10: invalid YAML in spec pack: mapping values are not allowed",)),
    # The words after the position are Python's and PyYAML's, and change between their versions.
    Case("malformed JSON spec pack", {"s.json": '{"step_type": "Foo",}'}, ("steps", "list", "-c", "{d}/s.json"), 2,
         ("error: {d}/s.json:1:21: invalid JSON in spec pack: ",)),
    Case("a key given twice", {"p.yaml": "nodes: []\nnodes: [x]\n"}, ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml:2:1: invalid YAML in pipeline file: duplicate key 'nodes'",)),
    Case("binary garbage", {"p.yaml": bytes(range(256)) * 8}, ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml: is not UTF-8 text (byte 128); a pipeline file must be YAML or JSON",)),
    Case("a NUL byte", {"s.yaml": b"step_type: Foo\x00\n"}, ("resolve", "-c", "{d}/s.yaml", "Foo"), 2,
         ("error: {d}/s.yaml: holds binary data (a NUL byte); a spec pack must be YAML or JSON text",)),
    Case("YAML that names a Python object", {"p.yaml": "nodes: !!python/object/apply:os.system [id]\n"},
         ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml:1:8: invalid YAML in pipeline file: could not determine a constructor for the tag "
          "'tag:yaml.org,2002:python/object/apply:os.system'",)),
    Case("a YAML alias bomb", {"p.yaml": alias_bomb()}, ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml: nodes[0].name: expected a non-empty string, found [[[[...], [...], [...]",)),
    # ---- missing or unknown fields
    Case("no nodes field", {"p.yaml": "name: x\n"}, ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml: required field 'nodes' is missing",)),
    Case("unknown pipeline field", {"p.yaml": "nodez: []\n"}, ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml: unknown field 'nodez' (did you mean 'nodes'?)",)),
    Case("unknown node field", {"p.yaml": "nodes:\n  - {name: a, stepp: DataLoading}\n"},
         ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml: nodes[0]: unknown field 'stepp' (did you mean 'step'?)",)),
    Case("spec without step_type", {"s.yaml": "outputs: [{logical_name: x}]\n"}, ("resolve", "-c", "{d}/s.yaml", "X"),
         2, ("error: {d}/s.yaml: step_type: required field is missing",)),
    Case("unknown spec field", {"s.yaml": "step_type: Foo\ndependencies: [{logical_name: x, kindd: y}]\n"},
         ("resolve", "-c", "{d}/s.yaml", "Foo"), 2,
         ("error: {d}/s.yaml: Foo.dependencies[0].kindd: unknown field 'kindd' (did you mean 'kind'?)",)),
    Case("a spec list field given a number", {"s.yaml": "step_type: Foo\noutputs: [{logical_name: x, aliases: 3}]\n"},
         ("resolve", "-c", "{d}/s.yaml", "Foo"), 2,
         ("error: {d}/s.yaml: Foo.outputs[0].aliases: Input should be a list",)),
    Case("edge to a node that does not exist", {"p.yaml": TWO + "edges: [[a, bb]]\n"}, ("resolve", "-p", "{d}/p.yaml"),
         2, ("error: {d}/p.yaml: edges[0]: no node named 'bb' (did you mean 'b'?)",)),
    # ---- duplicates
    Case("the same step type in two packs", {"a.yaml": PACK, "b.yaml": PACK},
         ("resolve", "-c", "{d}/a.yaml", "-c", "{d}/b.yaml", "Foo"), 2,
         ("error: {d}/b.yaml: step type 'Foo' is declared in both {d}/a.yaml and {d}/b.yaml",
          "  fix: keep one declaration, or rename one of the step types")),
    Case("a pack redeclaring a built-in step", {"a.yaml": "step_type: DataLoading\n"},
         ("resolve", "-c", "builtin", "-c", "{d}/a.yaml", "DataLoading"), 2,
         ("step type 'DataLoading' is declared in both", "{d}/a.yaml")),
    Case("duplicate node names", {"p.yaml": "nodes:\n  - {name: a, step: DataLoading}\n  - {name: a, step: "
                                            "XGBoostTraining}\n"},
         ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml: nodes: the node name 'a' is used twice", "  fix: give every node a unique name")),
    # ---- unknown names
    Case("unknown step type (did you mean)", {}, ("resolve", "DataLoadin", "XGBoostTraining"), 2,
         ("error unknown_step: node 'DataLoadin': unknown step type 'DataLoadin'", "fix: did you mean 'DataLoading'?")),
    Case("unknown step type in a file", {"p.yaml": "nodes:\n  - {name: t, step: XGBoostTrainer}\n"},
         ("resolve", "-p", "{d}/p.yaml"), 2,
         ("node 't': unknown step type 'XGBoostTrainer'", "fix: did you mean 'XGBoostTraining'?")),
    Case("steps show typo", {}, ("steps", "show", "XGBoostTrainin"), 2,
         ("error: unknown step type 'XGBoostTrainin'", "  fix: did you mean 'XGBoostTraining'?")),
    Case("configs schema typo (was a traceback)", {}, ("configs", "schema", "XGBoostTrainer"), 2,
         ("error: no config class for step type 'XGBoostTrainer'", "  fix: did you mean 'XGBoostTraining'?")),
    Case("configs show of no step", {}, ("configs", "show", "Nope"), 2,
         ("error: no config class for step type 'Nope'",)),
    Case("unknown example", {}, ("resolve", "--example", "fraudd"), 2,
         ("error: no built-in example named 'fraudd' (did you mean 'fraud'?)",)),
    Case("compatible source naming no known step", {
        "s.yaml": "step_type: Foo\ndependencies: [{logical_name: x, compatible_sources: [DataLoadng]}]\n"},
         ("resolve", "-c", "builtin", "-c", "{d}/s.yaml", "Foo"), 0,
         ("warning: {d}/s.yaml: Foo.dependencies.x.compatible_sources: 'DataLoadng' names no known step type "
          "(did you mean 'DataLoading'?)",)),
    # ---- pipelines that do not resolve
    Case("self-dependency", {"p.yaml": TWO + "edges: [[b, b]]\n"}, ("resolve", "-p", "{d}/p.yaml"), 1,
         ("error cycle: node 'b' depends on itself (edge b -> b)", "fix: remove the self-edge")),
    Case("cycle in explicit edges", {"p.yaml": THREE + "edges: [[b, c], [c, b]]\n"}, ("resolve", "-p", "{d}/p.yaml"), 1,
         ("error cycle: explicit edges form a cycle: b -> c -> b",
          "fix: remove one of these edges: a pipeline must be acyclic")),
    Case("unsatisfiable requirement", {}, ("resolve", "DataLoading", "XGBoostTraining"), 1,
         ("error missing_dependency: XGBoostTraining needs processed tabular data (training_data), but DataLoading "
          "produces raw tabular data. Add TabularPreprocessing between DataLoading and XGBoostTraining?",)),
    Case("a requirement no step of the catalog provides", {
        "s.yaml": "step_type: Foo\ndependencies: [{logical_name: secret_sauce, data_types: [sauce]}]\n"},
         ("resolve", "-c", "{d}/s.yaml", "Foo", "--fill-gaps"), 1,
         ("Foo needs sauce data (secret_sauce), but no step of the pipeline provides it.",
          "fix: no step of the catalog provides it: add a spec pack with a step that does")),
    Case("explicit edge between steps that do not connect", {"p.yaml": THREE + "edges: [[c, a]]\n"},
         ("resolve", "-p", "{d}/p.yaml"), 1, ("error incompatible:",)),
    Case("a chain longer than the insertion depth is missing, not a cycle", {
        "chain.json": json.dumps({"specs": [
            {"step_type": f"Step{i}", "outputs": [{"logical_name": "output_data", "data_type": "tabular"}],
             "dependencies": [{"logical_name": "input_data", "data_types": ["tabular"],
                               "compatible_sources": [f"Step{i - 1}"]}] if i else []} for i in range(8)]})},
         ("resolve", "-c", "{d}/chain.json", "Step5", "Step7", "--fill-gaps"), 1,
         ("error missing_dependency: Step5 needs tabular data (input_data), but no step of the pipeline provides it.",
          "fix: add a step that provides it: Step4")),
    # ---- empty things
    Case("empty pipeline", {"p.yaml": "nodes: []\n"}, ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml: nodes: the pipeline is empty", "  fix: add at least one node")),
    Case("empty pipeline file", {"p.yaml": ""}, ("resolve", "-p", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml: expected a mapping with 'nodes', found nothing",)),
    Case("empty spec pack", {"s.yaml": "# nothing\n"}, ("resolve", "-c", "{d}/s.yaml", "Foo"), 2,
         ("error: {d}/s.yaml: the spec pack is empty",)),
    Case("no pipeline given", {}, ("resolve",), 2,
         ("error: no pipeline: name step types (specwire resolve DataLoading XGBoostTraining) or give --pipeline "
          "FILE",)),
    Case("a folder of no spec packs", {"packs/readme.txt": "x"}, ("resolve", "-c", "{d}/packs", "Foo"), 2,
         ("error: {d}/packs: the folder holds no .yaml, .yml or .json spec pack",)),
    # ---- paths
    Case("a path that does not exist", {}, ("resolve", "-p", "{d}/nope.yaml"), 2,
         ("error: {d}/nope.yaml: no such file", "  fix: check the path of the pipeline file")),
    Case("a directory instead of a file", {"sub/x.yaml": "nodes: [DataLoading]\n"}, ("resolve", "-p", "{d}/sub"), 2,
         ("error: {d}/sub: is a folder, expected a pipeline file",)),
    Case("a spec pack that does not exist", {}, ("steps", "list", "-c", "{d}/nope.yaml"), 2,
         ("error: {d}/nope.yaml: no such file", "  fix: check the path of the spec pack")),
    # ---- rules
    Case("rule file with a syntax error", {"bad.lp": "violation(a, \"m\", N) :- node(N\n"},
         ("resolve", "--rules", "{d}/bad.lp", "DataLoading"), 2,
         ("error: {d}/bad.lp:2:1: syntax error, unexpected EOF, expecting ) or ;",
          "  fix: fix the rule file {d}/bad.lp")),
    Case("rules check of a syntax error", {"bad.lp": "violation(a, \"m\", N) :- node(N\n"},
         ("rules", "check", "{d}/bad.lp"), 1,
         ("{d}/bad.lp:2:1: syntax error, unexpected EOF, expecting ) or ;", "1 file checked: 1 error, 0 warnings")),
    Case("a rule file that does not exist", {}, ("rules", "check", "{d}/none.lp"), 2,
         ("error: {d}/none.lp: no such rule file",)),
    # ---- config values, S3 URIs, role ARNs
    Case("invalid role ARN", {}, ("build", "--example", "fraud", "--role", "not-an-arn"), 2,
         ("error: --role: must be an IAM role ARN such as 'arn:aws:iam::123456789012:role/SageMakerRole', "
          "got 'not-an-arn'",)),
    Case("invalid bucket", {}, ("build", "--example", "fraud", "--role", ROLE, "--bucket", "Bad_Bucket!"), 2,
         ("error: --bucket: must be an S3 bucket name: lowercase letters, digits, dots and hyphens, starting and "
          "ending with a letter or digit, got 'Bad_Bucket!'",)),
    Case("invalid region", {}, ("build", "--example", "fraud", "--role", ROLE, "--region", "mars-1"), 2,
         ("error: --region: must be an AWS region such as 'us-east-1', got 'mars-1'",)),
    Case("invalid instance type in overrides", {
        "p.yaml": "name: x\nnodes: [{name: a, step: DataLoading}]\noverrides: {a: {instance_type: m5.large}}\n"},
         ("build", "{d}/p.yaml", "--role", ROLE), 2,
         ("error: DataLoading (node 'a').instance_type: must be a SageMaker instance type 'ml.<family>.<size>' such as "
          "'ml.m5.xlarge', got 'm5.large' (did you mean 'ml.m5.large'?)",)),
    Case("invalid S3 URI in overrides", {
        "p.yaml": "name: x\nnodes: [{name: a, step: DataLoading}]\noverrides: {a: {source_s3_uri: 'http://x/y'}}\n"},
         ("build", "{d}/p.yaml", "--role", ROLE), 2,
         ("error: DataLoading (node 'a').source_s3_uri: must be an S3 URI 's3://<bucket>/<key>', got 'http://x/y'",)),
    Case("invalid role ARN in the pipeline's context", {
        "p.yaml": "name: x\ncontext: {role_arn: 'arn:aws:iam::12:role/x'}\nnodes: [{name: a, step: DataLoading}]\n"},
         ("build", "{d}/p.yaml"), 2,
         ("error: {d}/p.yaml: context.role_arn: must be an IAM role ARN such as "
          "'arn:aws:iam::123456789012:role/SageMakerRole', got 'arn:aws:iam::12:role/x'",)),
    Case("config file with a bad S3 URI", {"c.yaml": "<configs:source_s3_uri: s3://fraud-data/transactions/|"
                                                     "source_s3_uri: s3:/ml-artifacts//data>"},
         ("build", "--example", "fraud", "--role", ROLE, "--config", "{d}/c.yaml", "-o", "{d}/out.json"), 2,
         ("error: {d}/c.yaml: DataLoading (node 'DataLoading').source_s3_uri: must be an S3 URI 's3://<bucket>/<key>', "
          "got 's3:/ml-artifacts//data' (did you mean 's3://ml-artifacts/data'?)",)),
    Case("config file with a bad role ARN", {"c.yaml": "<configs:arn:aws:iam::111122223333:role/SageMaker|"
                                                       "arn:aws:iam::1111:role/SageMaker>"},
         ("build", "--example", "fraud", "--config", "{d}/c.yaml"), 2,
         ("error: {d}/c.yaml: DataLoading (node 'DataLoading').role_arn: must be an IAM role ARN such as "
          "'arn:aws:iam::123456789012:role/SageMakerRole', got 'arn:aws:iam::1111:role/SageMaker'",)),
    Case("config file with an invalid count", {"c.yaml": "<configs:instance_count: 1|instance_count: -3>"},
         ("build", "--example", "fraud", "--config", "{d}/c.yaml"), 2,
         ("error: {d}/c.yaml: DataLoading (node 'DataLoading').instance_count: must be at least 1, got -3",)),
    Case("config file of the wrong layout", {"c.yaml": "specwire_configs: 7\npipeline: {}\nnodes: {}\n"},
         ("build", "--example", "fraud", "--config", "{d}/c.yaml"), 2,
         ("error: {d}/c.yaml: specwire_configs must be 1, got 7", "  fix: start the file with 'specwire_configs: 1'")),
    Case("config file with no known format", {"c.txt": "x"}, ("build", "--example", "fraud", "--config", "{d}/c.txt"),
         2, ("error: {d}/c.txt: cannot tell the config file format from '.txt'",
             "  fix: name the file *.json, *.yaml or *.yml")),
    Case("a bad --parameter", {}, ("deploy", str(example("fraud")), "--role", ROLE, "-P", "novalue"), 2,
         ("error: --parameter 'novalue': expected NAME=VALUE", "  fix: e.g. -P Threshold=0.8")),
    Case("an option of the wrong type", {}, ("resolve", "--timeout", "abc", "DataLoading"), 2,
         ("Invalid value for '--timeout'",)),
]


def _materialise(case: Case, folder: Path) -> None:
    for name, content in case.files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str) and content.startswith("<configs:"):
            old, new = content[len("<configs:"):-1].split("|")
            content = configs_file(folder, (old, new))
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def run_cli(args: list[str]) -> Result:
    return runner.invoke(app, args)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPECWIRE_ROLE_ARN", raising=False)
    monkeypatch.delenv("SPECWIRE_POLICY_PATH", raising=False)
    _materialise(case, tmp_path)
    started = time.perf_counter()
    result = run_cli([a.format(d=tmp_path) for a in case.args])
    elapsed = time.perf_counter() - started
    output = result.output
    assert "Traceback" not in output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), \
        f"{type(result.exception).__name__}: {result.exception}"
    assert result.exit_code == case.code, output
    for expected in case.expected:
        assert expected.format(d=tmp_path) in output, output
    assert elapsed < 10, f"{case.id} took {elapsed:.1f} s"
    if case.code == 2 and "{d}/out.json" in case.args:
        assert not (tmp_path / "out.json").exists()


#: Counted in the closing note of issue 9 (the cases below add to it).
BAD_INPUTS = len(CASES)


# --------------------------------------------------------------------------- cases that need more set-up


def test_a_10_mb_spec_pack_with_one_large_spec_is_read(tmp_path: Path) -> None:
    pack = tmp_path / "big.yaml"
    pack.write_text('step_type: Big\ndescription: "' + "x" * 10_000_000 + '"\noutputs: [{logical_name: o}]\n',
                    encoding="utf-8")
    started = time.perf_counter()
    result = run_cli(["resolve", "-c", str(pack), "Big"])
    assert result.exit_code == 0, result.output[:500]
    assert "Big: resolves" in result.output or "pipeline: resolves" in result.output
    assert time.perf_counter() - started < 10


def test_a_10_mb_json_spec_pack_of_2000_steps_resolves(tmp_path: Path) -> None:
    steps = [{"step_type": f"Step{i}", "description": "d" * 4_900,
              "outputs": [{"logical_name": "output_data", "data_type": "tabular"}],
              "dependencies": [{"logical_name": "input_data", "data_types": ["tabular"],
                                "compatible_sources": [f"Step{i - 1}"]}] if i else []} for i in range(2_000)]
    pack = tmp_path / "big.json"
    pack.write_text(json.dumps({"specs": steps}), encoding="utf-8")
    assert pack.stat().st_size > 10_000_000
    started = time.perf_counter()
    result = run_cli(["resolve", "-c", str(pack), "Step0", "Step1", "Step2", "--format", "json"])
    assert result.exit_code == 0, result.output[:500]
    edges = json.loads(result.output)["edges"]
    assert [(e["from"], e["to"]) for e in edges] == [("Step0", "Step1"), ("Step1", "Step2")]
    assert time.perf_counter() - started < 20


@pytest.mark.parametrize("kind", ["binary", "json cut short"])
def test_a_10_mb_spec_pack_of_garbage_is_refused_quickly(tmp_path: Path, kind: str) -> None:
    if kind == "binary":
        pack = tmp_path / "big.yaml"
        pack.write_bytes(b"specs:\n" + bytes(range(128, 256)) * 80_000)
        message = f"error: {pack}: is not UTF-8 text (byte 7); a spec pack must be YAML or JSON"
    else:
        pack = tmp_path / "big.json"
        pack.write_text('{"specs": [' + '{"step_type": "S", "description": "xxxxxxxxxx"}, ' * 220_000, encoding="utf-8")
        message = f"error: {pack}:1:{pack.stat().st_size + 1}: invalid JSON in spec pack: "
    assert pack.stat().st_size > 10_000_000
    started = time.perf_counter()
    result = run_cli(["resolve", "-c", str(pack), "S"])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert time.perf_counter() - started < 5


def test_a_spec_pack_over_the_size_limit_is_refused_before_parsing(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from specwire.specs import files

    monkeypatch.setattr(files, "MAX_DOCUMENT_BYTES", 1_000_000)
    pack = tmp_path / "big.yaml"
    pack.write_text("#" * 2_000_000, encoding="utf-8")
    result = run_cli(["resolve", "-c", str(pack), "S"])
    assert result.exit_code == 2
    assert f"error: {pack}: 1.9 MiB is larger than the 976.6 KiB limit for a spec pack" in result.output or \
        f"error: {pack}: 1.9 MiB is larger than the" in result.output
    assert "fix: split it into several files in a folder" in result.output


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "secret.yaml"
    path.write_text("nodes: [DataLoading]\n", encoding="utf-8")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root (or with CAP_DAC_OVERRIDE): a mode-000 file is still readable")
        result = run_cli(["resolve", "-p", str(path)])
        assert result.exit_code == 2
        assert f"error: {path}: cannot be read (Permission denied)" in result.output
        assert "Traceback" not in result.output
    finally:
        path.chmod(0o600)


# --------------------------------------------------------------------------- the installed entry point

ENTRY = "import sys; from specwire.cli import main; sys.argv[0] = 'specwire'; main()"


def _entry_point(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", ENTRY, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1", "COLUMNS": "250", **(env or {})})


def test_the_configs_typo_prints_one_error_in_a_real_process() -> None:
    done = _entry_point("configs", "schema", "XGBoostTrainer")
    assert done.returncode == 2
    assert done.stderr == ("error: no config class for step type 'XGBoostTrainer'\n"
                           "  fix: did you mean 'XGBoostTraining'?\n")
    assert done.stdout == ""


def test_a_bug_is_one_line_and_exit_3_not_a_traceback(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """An exception that is not a specwire error (a bug) still reaches the user as one line."""
    import specwire.cli.configs as configs_cli
    from specwire import cli

    def broken(step: str, classes: object = None) -> type:
        raise KeyError("boom")

    monkeypatch.setattr(configs_cli, "config_class_for", broken)
    monkeypatch.setattr(sys, "argv", ["specwire", "configs", "schema", "XGBoostTraining"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 3
    err = capsys.readouterr().err
    assert "internal error: KeyError: 'boom'" in err
    assert "this is a bug in specwire; please report it with the command you ran" in err
    assert "Traceback" not in err


#: Cases outside the table: two 10 MB packs read, two refused, size limit, unreadable file, entry point, bug.
BAD_INPUTS_EXTRA = 8

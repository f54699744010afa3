"""Policies in `specwire resolve`: violations with their message and nodes, where policies come from
(settings file, SPECWIRE_POLICY_PATH, packs, --rules), preferences and --explain, the grounding
time limit, and the facts specwire gives policies."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from clingo import Function, Number, String
from policy_support import EXAMPLES, PACK, run

from specwire.engine import policy_runner as engine_policy
from specwire.policy.facts import pipeline_policy_facts
from specwire.policy.sources import discover_policies

GPU_PIPELINE = """
name: gpu-in-dev
context: {environment: dev}
nodes:
  - {name: load, step: DataLoading}
  - {name: prep, step: TabularPreprocessing}
  - {name: train, step: XGBoostTraining}
overrides:
  train: {instance_type: ml.p3.2xlarge}
"""

NO_GPU_MESSAGE = ("policy no_gpu_in_dev: GPU instances are not allowed in a dev pipeline: use a CPU instance "
                  "(e.g. ml.m5.xlarge) (train, ml.p3.2xlarge)")


@pytest.fixture
def gpu_pipeline(tmp_path: Path) -> Path:
    path = tmp_path / "gpu.yaml"
    path.write_text(GPU_PIPELINE)
    return path


def test_the_cli_shows_a_violation_with_its_message_and_nodes(gpu_pipeline: Path) -> None:
    result = run("resolve", "--pipeline", gpu_pipeline, "--policy-pack", "builtin")
    assert result.exit_code == 1, result.output
    assert "does not resolve" in result.output
    assert f"error policy: {NO_GPU_MESSAGE}" in result.output
    as_json = run("resolve", "--pipeline", gpu_pipeline, "--policy-pack", "builtin", "--format", "json")
    diagnostics = json.loads(as_json.stdout)["diagnostics"]
    assert diagnostics == [{"severity": "error", "kind": "policy", "message": NO_GPU_MESSAGE, "suggested_fix": None,
                            "nodes": ["train"]}]


def test_the_pack_is_off_unless_asked_for(gpu_pipeline: Path) -> None:
    result = run("resolve", "--pipeline", gpu_pipeline)
    assert result.exit_code == 0, result.output


def test_environment_option_wins_over_the_pipeline_context(gpu_pipeline: Path) -> None:
    # `staging` is no environment (refused as bad input, as `build` does); `prod` replaces the file's `dev`.
    result = run("resolve", "--pipeline", gpu_pipeline, "--policy-pack", "builtin", "--environment", "prod")
    assert NO_GPU_MESSAGE not in result.output and "prod_models_calibrated" in result.output, result.output


def test_a_violation_names_an_inserted_step(tmp_path: Path) -> None:
    rule = tmp_path / "no_insert.lp"
    rule.write_text('violation(no_inserted_steps, "every step must be written in the pipeline", X) :- insert(X).\n')
    code, data = _json("resolve", "DataLoading", "XGBoostTraining", "--fill-gaps", "--rules", rule)
    assert code == 1
    policy = [d for d in data["diagnostics"] if d["kind"] == "policy"]
    inserted = [n["name"] for n in data["nodes"] if n["inserted"]]
    assert inserted and [d["nodes"] for d in policy] == [[name] for name in sorted(inserted)]
    assert policy[0]["message"] == (f"policy no_inserted_steps: every step must be written in the pipeline "
                                    f"({sorted(inserted)[0]})")


def test_a_policy_forbidding_the_only_provider_reports_the_violation_not_a_missing_input(tmp_path: Path) -> None:
    rule = tmp_path / "forbid.lp"
    rule.write_text('violation(no_prep, "training must not read TabularPreprocessing", (P, T)) :-\n'
                    '    use(P, _, T, "training_data"), step_of(P, "TabularPreprocessing").\n')
    code, data = _json("resolve", "DataLoading", "TabularPreprocessing", "XGBoostTraining", "--rules", rule)
    assert code == 1
    assert [(d["kind"], d["nodes"]) for d in data["diagnostics"] if d["severity"] == "error"] == [
        ("policy", ["TabularPreprocessing", "XGBoostTraining"])]


def _json(*args: str | Path) -> tuple[int, dict[str, object]]:
    result = run(*args, "--format", "json")
    assert result.stdout.lstrip().startswith("{"), result.output
    return result.exit_code, json.loads(result.stdout)


# --------------------------------------------------------------------------- where policies come from


def _rule(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


ORG_RULE = ('banned_step("BatchTransform").\n'
            'violation(banned_step, "this step type is banned", N) :- step_of(N, S), banned_step(S).\n')


def test_env_var_folders_org_then_team_add_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    org = _rule(tmp_path / "org", "banned.lp", ORG_RULE).parent
    team = _rule(tmp_path / "team", "more_banned.lp", 'banned_step("CreateModel").\n').parent
    monkeypatch.setenv("SPECWIRE_POLICY_PATH", os.pathsep.join([str(org), "", str(team)]))
    code, data = _json("resolve", "--example", "fraud")
    assert code == 1
    assert sorted(tuple(d["nodes"]) for d in data["diagnostics"] if d["kind"] == "policy") == [
        ("BatchTransform",), ("CreateModel",)]
    listed = run("rules", "list")
    assert listed.output.splitlines() == [str(org / "banned.lp"), str(team / "more_banned.lp")]


def test_a_missing_env_var_folder_is_an_error_not_silence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPECWIRE_POLICY_PATH", str(tmp_path / "gone"))
    result = run("resolve", "--example", "fraud")
    assert result.exit_code == 2
    assert f"SPECWIRE_POLICY_PATH: {tmp_path / 'gone'}: no such folder" in result.output


def test_specwire_toml_in_the_current_folder(tmp_path: Path) -> None:
    _rule(Path.cwd() / "policies" / "org", "banned.lp", ORG_RULE)
    (Path.cwd() / "specwire.toml").write_text('[policies]\ndirs = ["policies/org"]\npacks = ["builtin"]\n')
    files = discover_policies()
    assert files == [(Path.cwd() / "policies/org/banned.lp").resolve(), *sorted(PACK.glob("*.lp"))]
    code, data = _json("resolve", "--example", "fraud")
    assert code == 1
    assert [d["nodes"] for d in data["diagnostics"] if d["kind"] == "policy"] == [["BatchTransform"]]


def test_pyproject_tool_table_and_specwire_toml_first(tmp_path: Path) -> None:
    _rule(Path.cwd() / "org", "banned.lp", ORG_RULE)
    (Path.cwd() / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.specwire.policies]\ndirs = ["org"]\n')
    assert [p.name for p in discover_policies()] == ["banned.lp"]
    (Path.cwd() / "specwire.toml").write_text("[policies]\ndirs = []\n")
    assert discover_policies() == []


def test_a_settings_typo_gets_did_you_mean() -> None:
    (Path.cwd() / "specwire.toml").write_text('[policies]\ndir = ["org"]\n')
    result = run("resolve", "--example", "fraud")
    assert result.exit_code == 2
    assert "specwire.toml: [policies]: unknown key 'dir' (did you mean 'dirs'?)" in result.output


def test_an_unknown_pack_gets_did_you_mean() -> None:
    result = run("resolve", "--example", "fraud", "--policy-pack", "builtn")
    assert result.exit_code == 2
    assert "no policy pack named 'builtn' (did you mean 'builtin'?)" in result.output


# --------------------------------------------------------------------------- preferences


def test_a_preference_steers_the_choice_and_explain_names_it(tmp_path: Path) -> None:
    steps = ["DataLoading", "TabularPreprocessing", "MissingValueImputation", "XGBoostTraining"]
    _, plain = _json("resolve", *steps)
    (before,) = [e for e in plain["edges"] if e["to"] == "XGBoostTraining" and e["dependency"] == "training_data"]
    assert before["from"] in ("TabularPreprocessing", "MissingValueImputation")
    other = ({"TabularPreprocessing", "MissingValueImputation"} - {before["from"]}).pop()
    rule = tmp_path / "prefer.lp"
    rule.write_text(f'prefer(avoid_{before["from"].lower()}, 7, (P, T)) :-\n'
                    f'    use(P, _, T, "training_data"), step_of(P, "{before["from"]}").\n')
    code, steered = _json("resolve", *steps, "--rules", rule)
    assert code == 0
    (after,) = [e for e in steered["edges"] if e["to"] == "XGBoostTraining" and e["dependency"] == "training_data"]
    assert after["from"] == other
    assert not any("preference" in r for r in after["reasons"])  # said only with --explain
    explained = run("resolve", *steps, "--rules", rule, "--explain")
    assert (f"preference: chosen over {before['from']}.{before['output']} because of the policy preference "
            f"avoid_{before['from'].lower()} (weight 7)") in explained.output


def test_explain_says_nothing_of_a_preference_that_decided_nothing(tmp_path: Path) -> None:
    rule = tmp_path / "prefer.lp"
    rule.write_text('prefer(no_gpus, 3, N) :- gpu_instance(N, _).\n')
    explained = run("resolve", "--example", "fraud", "--rules", rule, "--explain")
    assert explained.exit_code == 0
    assert "preference" not in explained.output


# --------------------------------------------------------------------------- bounded grounding


def test_a_rule_that_grounds_for_ever_is_stopped_by_the_time_limit(tmp_path: Path) -> None:
    rule = tmp_path / "count_forever.lp"
    rule.write_text('tick(0).\ntick(X+1) :- tick(X).\nviolation(never, "m", X) :- tick(X), X < 0.\n')
    start = time.monotonic()
    result = run("resolve", "--example", "fraud", "--rules", rule, "--timeout", "1")
    assert time.monotonic() - start < 10
    assert result.exit_code == 2
    assert (f"error: grounding did not finish within the time limit of 1 s: a rule makes the program too large to "
            f"ground (rules loaded: {rule.resolve()}, with specwire's 8 wiring rule files)") in result.output
    with pytest.raises(ChildProcessError):  # the child was stopped and reaped
        os.waitpid(-1, os.WNOHANG)


def test_a_rule_that_grounds_too_much_is_stopped_by_the_memory_limit(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    def tight() -> int:  # 100 MiB more than the child maps when it starts, instead of half the machine
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE") + (100 << 20)

    if not Path("/proc/self/statm").exists():
        pytest.skip("needs /proc")
    monkeypatch.setattr(engine_policy, "_memory_limit", tight)
    rule = tmp_path / "cross.lp"
    rule.write_text('pair(X, Y) :- X = 1..3000, Y = 1..3000.\nviolation(never, "m", X) :- pair(X, _), X < 0.\n')
    result = run("resolve", "DataLoading", "--rules", rule)
    assert result.exit_code == 2
    assert re.search(r"error: grounding ran out of memory \(limit \d+\.\d GiB\): a rule makes the program too "
                     r"large to ground", result.output), result.output
    assert f"(rules loaded: {rule.resolve()}, with specwire's 8 wiring rule files)" in result.output


def test_a_resolve_in_its_bounded_child_answers_as_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every CLI resolve runs in a forked child (engine/bounded.py); the answer is the same."""
    from specwire.engine import bounded

    forked = run("resolve", "--example", "fraud", "--format", "json")
    monkeypatch.setattr(bounded, "can_isolate", lambda: False)
    in_process = run("resolve", "--example", "fraud", "--format", "json")
    assert forked.exit_code == in_process.exit_code == 0
    assert json.loads(forked.stdout) == json.loads(in_process.stdout)


def test_in_process_and_forked_runs_agree(gpu_pipeline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    forked = _json("resolve", "--pipeline", gpu_pipeline, "--policy-pack", "builtin")
    monkeypatch.setattr(engine_policy, "can_isolate", lambda: False)
    assert _json("resolve", "--pipeline", gpu_pipeline, "--policy-pack", "builtin") == forked


# --------------------------------------------------------------------------- facts


def test_config_and_context_facts() -> None:
    from specwire.configs import ConfigNode

    nodes = [ConfigNode("prep", "TabularPreprocessing"), ConfigNode("train", "XGBoostTraining"),
             ConfigNode("custom", "NoConfigClassStep")]
    overrides = {"train": {"instance_type": "ml.g5.2xlarge", "hyperparameters": {"max_depth": 8}}}
    facts = set(pipeline_policy_facts(nodes, {"environment": "dev", "region": "eu-west-1"}, overrides))
    train, prep = String("train"), String("prep")
    assert {Function("environment", [Function("dev")]),
            Function("context", [Function("region"), String("eu-west-1")]),
            Function("config", [train, Function("instance_type"), String("ml.g5.2xlarge")]),
            Function("config", [train, String("hyperparameters.max_depth"), Number(8)]),
            Function("instance_type", [train, String("ml.g5.2xlarge")]),
            Function("instance_family", [train, String("g5")]),
            Function("gpu_instance", [train, String("ml.g5.2xlarge")]),
            Function("instance_family", [prep, String("m5")])} <= facts
    assert not any(f.name == "gpu_instance" and f.arguments[0] == prep for f in facts)
    # Pipeline-wide fields and the stand-ins for a missing role or bucket are never facts.
    assert not any(f.name == "config" and f.arguments[1] in (Function("role_arn"), Function("bucket")) for f in facts)
    assert not any(f.name == "config" and f.arguments[0] == String("custom") for f in facts)


def test_the_examples_resolve_with_the_pack_in_dev() -> None:
    result = run("resolve", "--pipeline", EXAMPLES / "fraud.yaml", "--policy-pack", "builtin", "--environment", "dev")
    assert result.exit_code == 0, result.output

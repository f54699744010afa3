"""A policy can only add violations and preferences: never `ok: true` for a wiring the specs reject."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from policy_support import EXAMPLES, PACK, run

from specwire.engine.policy_guard import engine_predicates, guard
from specwire.errors import RuleFileError

FRAUD = EXAMPLES / "fraud.yaml"


def _fact(signature: str) -> str:
    name, arity = signature.rsplit("/", 1)
    args = ",".join(f"a{i}" for i in range(int(arity)))
    return f"{name}({args})." if int(arity) else f"{name}."


def test_the_engine_predicates_include_what_the_audit_abused() -> None:
    found = engine_predicates()
    assert {"use/4", "external/2", "error/3", "node/1", "provided/2", "required/2", "port_match/5", "insert/1",
            "explicit/2", "wired/2", "node_profile/2", "environment/1"} <= found
    assert not {"violation/3", "prefer/3"} & found


def test_a_policy_defining_any_engine_predicate_is_refused_with_its_place(tmp_path: Path) -> None:
    for signature in sorted(engine_predicates()):
        path = tmp_path / "p.lp"
        path.write_text("% a policy\n\n" + _fact(signature) + "\n", encoding="utf-8")
        with pytest.raises(RuleFileError) as info:
            guard([path])
        assert f"{path}:3:1:" in info.value.message and f"`{signature}`" in info.value.message, signature


@pytest.mark.parametrize("head", [
    "{ use(N1,\"o\",N2,\"d\") } :- node(N1), node(N2).",  # a choice
    "external(P,D) ; helper(P) :- node_profile(P,D).",  # a disjunction
    "error(policy, x, y).",  # an error the engine would read (exit 3 before)
    "-provided(N, \"x\") :- node(N).",  # classical negation
])
def test_every_way_of_defining_is_caught(head: str, tmp_path: Path) -> None:
    path = tmp_path / "p.lp"
    path.write_text(head + "\n", encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"is specwire's own predicate"):
        guard([path])


@pytest.mark.parametrize("text,what", [
    ('#script (python)\ndef main(prg): pass\n#end.\n', "#script"),
    (":~ node(N). [1@9,N]\n", "optimisation"),
    ("#minimize { 1,N : node(N) }.\n", "optimisation"),
    ("#external foo(1).\n", "#external"),
    ("#heuristic node(N). [1,true]\n", "#heuristic"),
])
def test_statements_that_steer_without_a_violation_are_refused(text: str, what: str, tmp_path: Path) -> None:
    path = tmp_path / "p.lp"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleFileError, match=what):
        guard([path])
    result = run("rules", "check", path)
    assert result.exit_code == 2, result.output
    assert f"{path}:1:" in result.output and what in result.output


def test_rules_check_resolve_and_build_refuse_an_engine_predicate_alike(tmp_path: Path) -> None:
    path = tmp_path / "force.lp"
    path.write_text('% forces an edge\nuse("DataLoading","data","QualityGate","evaluation_report").\n',
                    encoding="utf-8")
    check = run("rules", "check", path)
    assert check.exit_code == 2 and f"{path}:2:1:" in check.output and "`use/4`" in check.output
    for command in (["resolve", "--example", "fraud", "--rules", path, "--format", "json"],
                    ["build", FRAUD, "--rules", path, "-o", tmp_path / "out.json"]):
        result = run(*command)
        assert result.exit_code == 2, (command, result.output)
        assert f"{path}:2:1" in result.output and "`use/4`" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "out.json").exists()


def test_a_policy_ruling_out_every_wiring_is_unsatisfiable_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "never.lp"
    path.write_text(":- node(N).\n", encoding="utf-8")
    result = run("resolve", "--example", "fraud", "--rules", path, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    kinds = [d["kind"] for d in data["diagnostics"]]
    assert "unsatisfiable" in kinds and "timeout" not in kinds
    message = next(d["message"] for d in data["diagnostics"] if d["kind"] == "unsatisfiable")
    assert str(path) in message
    assert data["ok"] is False


def test_resolve_names_every_policy_file_and_warns_about_a_predicate_nothing_defines(tmp_path: Path) -> None:
    path = tmp_path / "typo.lp"
    path.write_text('violation(x, "never", N) :- nod_step(N, "DataLoading").\n', encoding="utf-8")
    result = run("resolve", "--example", "fraud", "--rules", path, "--format", "json")
    data = json.loads(result.output)
    assert data["policies"] == [str(path.resolve())]
    warnings = [d for d in data["diagnostics"] if d["kind"] == "policy_rules"]
    assert warnings and "`nod_step/2`" in warnings[0]["message"] and f"{path}:1:" in warnings[0]["message"]
    text = run("resolve", "--example", "fraud", "--rules", path)
    assert f"policies: {path.resolve()}" in text.output
    plain = json.loads(run("resolve", "--example", "fraud", "--format", "json").output)
    assert plain["policies"] == []


def test_policies_picked_up_from_pyproject_are_named(tmp_path: Path) -> None:
    folder = Path.cwd() / "org"
    folder.mkdir()
    (folder / "gate.lp").write_text('violation(x, "m", N) :- node_step(N, "Nothing").\n', encoding="utf-8")
    (Path.cwd() / "pyproject.toml").write_text('[tool.specwire.policies]\ndirs = ["org"]\n', encoding="utf-8")
    data = json.loads(run("resolve", "--example", "fraud", "--format", "json").output)
    assert data["policies"] == [str((folder / "gate.lp").resolve())]


def test_the_builtin_pack_keeps_a_valid_two_trainer_pipeline_valid(tmp_path: Path) -> None:
    pipeline = tmp_path / "two.yaml"
    pipeline.write_text(
        "name: two-trainers\ncontext: {environment: dev}\nnodes:\n"
        "  - {name: DataLoading, step: DataLoading}\n"
        "  - {name: TabularPreprocessing, step: TabularPreprocessing}\n"
        "  - {name: XGBoostTraining, step: XGBoostTraining}\n"
        "  - {name: LightGBMTraining, step: LightGBMTraining}\n"
        "  - {name: ModelEvaluation, step: ModelEvaluation}\n", encoding="utf-8")
    result = run("resolve", "-p", pipeline, "--policy-pack", "builtin", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    assert json.loads(result.output)["policies"] == [str(p.resolve()) for p in sorted(PACK.glob("*.lp"))]


@pytest.mark.parametrize("value", ["prod ", "PROD", "pr\u200bod", "\u0440rod", "production"])
def test_an_unknown_environment_is_refused_the_same_way_everywhere(value: str, tmp_path: Path) -> None:
    result = run("resolve", "--example", "fraud", "--policy-pack", "builtin", "--environment", value)
    assert result.exit_code == 2, result.output
    assert "unknown environment" in result.output and "dev, prod" in result.output
    assert run("resolve", "--example", "fraud", "--environment", value).exit_code == 2
    pipeline = tmp_path / "p.yaml"
    # The example has a context (its data location): the environment joins it.
    text = FRAUD.read_text(encoding="utf-8").replace(
        "\ncontext:\n", f"\ncontext:\n  environment: {json.dumps(value)}\n", 1)
    assert json.dumps(value) in text
    pipeline.write_text(text, encoding="utf-8")
    for command in (["resolve", "-p", pipeline, "--policy-pack", "builtin"],
                    ["build", pipeline, "-o", tmp_path / "out.json"]):
        result = run(*command)
        assert result.exit_code == 2, (command, result.output)
        assert "unknown environment" in result.output

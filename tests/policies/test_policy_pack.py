"""The built-in example pack: each policy has passing and failing tests, run through `specwire rules test`,
and a test that expects the wrong thing fails with the violated message."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml
from policy_support import PACK, run


def _ids(path: Path) -> set[str]:
    return set(re.findall(r"^violation\((\w+)", path.read_text(), re.M))


def test_the_pack_has_the_four_policies_and_its_checks_are_clean() -> None:
    ids = set().union(*(_ids(p) for p in PACK.glob("*.lp")))
    assert {"registration_needs_evaluation", "registration_needs_gate", "no_gpu_in_dev", "prod_models_calibrated",
            "no_training_on_raw_data"} <= ids
    result = run("rules", "check", PACK)
    assert result.exit_code == 0, result.output
    assert "no problems" in result.output


def test_every_policy_of_the_pack_has_a_failing_and_a_passing_test() -> None:
    produced: set[str] = set()
    spared: set[str] = set()
    for path in (PACK / "tests").glob("*.yaml"):
        document = yaml.safe_load(path.read_text())
        for test in document.get("tests", []) if isinstance(document, dict) else []:
            expect = test["expect"]
            for item in expect.get("violations", []):
                produced.add(item if isinstance(item, str) else item["id"])
            spared.update(expect.get("absent", []))
            if expect.get("violations") == []:  # no violation at all: spares every policy of the file
                spared.update(_ids(PACK / f"{path.stem}.lp"))
    ids = set().union(*(_ids(p) for p in PACK.glob("*.lp")))
    assert ids <= produced, f"no test produces {sorted(ids - produced)}"
    assert ids <= spared, f"no test shows a pipeline that passes {sorted(ids - spared)}"


def test_rules_test_runs_the_pack_tests_and_they_pass() -> None:
    result = run("rules", "test", PACK)
    assert result.exit_code == 0, result.output
    passed = re.search(r"^(\d+) passed, 0 failed$", result.output, re.M)
    assert passed and int(passed[1]) >= 16, result.output
    assert "FAIL" not in result.output
    for name in ("registration_gate.yaml", "dev_no_gpu.yaml", "prod_calibration.yaml", "processed_training_data.yaml"):
        assert name in result.output


def test_a_wrong_expectation_fails_with_the_violated_message(tmp_path: Path) -> None:
    shutil.copy(PACK / "registration_gate.lp", tmp_path)
    (tmp_path / "gate_test.yaml").write_text("""
tests:
  - name: claims an ungated registration passes
    pipeline:
      nodes:
        - {name: load, step: DataLoading}
        - {name: prep, step: TabularPreprocessing}
        - {name: train, step: XGBoostTraining}
        - {name: evaluate, step: ModelEvaluation}
        - {name: register, step: ModelRegistration}
    expect:
      violations: []
  - name: expects the gate violation on the wrong node
    pipeline:
      nodes:
        - {name: train, step: XGBoostTraining}
        - {name: register, step: ModelRegistration}
    expect:
      violations: [{id: registration_needs_gate, nodes: [train]}]
  - name: expects what the policy reports
    pipeline:
      nodes:
        - {name: train, step: XGBoostTraining}
        - {name: register, step: ModelRegistration}
    expect:
      violations: [{id: registration_needs_gate, nodes: [register]}]
""")
    result = run("rules", "test", tmp_path)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert "  FAIL  claims an ungated registration passes" in lines
    assert "  FAIL  expects the gate violation on the wrong node" in lines
    assert "  PASS  expects what the policy reports" in lines
    assert ("        unexpected violation: policy registration_needs_gate: ModelRegistration must be approved by a "
            "QualityGate step (wire its approval input) (register)") in lines
    assert "        expected violation registration_needs_gate on train, not reported" in lines
    # A failing test lists what was reported, so the author sees the message that fired, and on which node.
    assert ("        reported: policy registration_needs_gate: ModelRegistration must be approved by a QualityGate "
            "step (wire its approval input) (register)") in lines
    assert lines[-1] == "1 passed, 2 failed"


def test_a_test_file_with_an_unknown_key_is_bad_input(tmp_path: Path) -> None:
    shutil.copy(PACK / "dev_no_gpu.lp", tmp_path)
    (tmp_path / "t.yaml").write_text("tests:\n  - pipeline: {nodes: [{name: a, step: DataLoading}]}\n"
                                     "    expect: {violation: [no_gpu_in_dev]}\n")
    result = run("rules", "test", tmp_path)
    assert result.exit_code == 2
    assert "unknown key 'violation' (did you mean 'violations'?)" in result.output
    assert "Traceback" not in result.output


def test_a_folder_without_tests_is_bad_input(tmp_path: Path) -> None:
    shutil.copy(PACK / "dev_no_gpu.lp", tmp_path)
    result = run("rules", "test", tmp_path)
    assert result.exit_code == 2
    assert "no policy test file" in result.output


def test_the_guide_documents_every_predicate_of_the_vocabulary_and_every_pack_rule() -> None:
    from specwire.policy.vocabulary import VOCABULARY

    guide = (Path(__file__).resolve().parents[2] / "docs" / "policies.md").read_text()
    for predicate in VOCABULARY:
        name, arity = predicate.signature.rsplit("/", 1)
        assert re.search(rf"`{name}\(" + ", ".join(["[^,`)]+"] * int(arity)) + r"\)`", guide), predicate.signature
    for vid in set().union(*(_ids(p) for p in PACK.glob("*.lp"))):
        assert f"`{vid}`" in guide, vid

"""`specwire rules check`: syntax errors, unsafe variables and misspelled predicates at their exact
file:line:col, and the same syntax error from `specwire resolve --rules`."""

from __future__ import annotations

from pathlib import Path

import pytest
from policy_support import PACK, run

from specwire.policy.check import check_files


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_syntax_error_is_reported_at_its_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "team.lp", '% a missing comma\nviolation(x, "m", N) :- node(N) node_step(N, "X").\n')
    result = run("rules", "check", path)
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"{path}:2:33: syntax error, unexpected <IDENTIFIER>"


def test_resolve_reports_the_same_syntax_error_and_exits_2(tmp_path: Path) -> None:
    path = _write(tmp_path, "team.lp", '% a missing comma\nviolation(x, "m", N) :- node(N) node_step(N, "X").\n')
    result = run("resolve", "DataLoading", "--rules", path)
    assert result.exit_code == 2
    assert f"error: {path}:2:33: syntax error, unexpected <IDENTIFIER>" in result.output
    assert "Traceback" not in result.output


def test_a_misspelled_body_predicate_gets_did_you_mean(tmp_path: Path) -> None:
    path = _write(tmp_path, "team.lp", '% big instances for XGBoost only\n'
                                       'violation(big, "too big", N) :-\n'
                                       '    node_stp(N, "LightGBMTraining"), instance_type(N, "ml.m5.24xlarge").\n')
    result = run("rules", "check", path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}:3:5: warning: `node_stp/2` is neither in the policy vocabulary nor defined in the files checked, "
        "so it is never true: did you mean `node_step/2`?",
        "1 file checked: 0 errors, 1 warning",
    ]


def test_a_misspelled_or_misnumbered_head_is_never_read(tmp_path: Path) -> None:
    path = _write(tmp_path, "team.lp", 'violaton(a, "m", N) :- node(N).\n'
                                       'violation(b, "m") :- node(_).\n')
    findings = [str(f) for f in check_files([path])]
    assert findings == [
        f"{path}:1:1: warning: `violaton/3` is defined but never read: specwire reads only `violation/3` and "
        "`prefer/3`: did you mean `violation/3`?",
        f"{path}:1:1: warning: no rule derives `violation/3` or `prefer/3`: these files can neither fail nor steer "
        "a pipeline",
        f"{path}:2:1: warning: `violation/2` is defined but never read: specwire reads only `violation/3` and "
        "`prefer/3`: did you mean `violation/3`?",
    ]


def test_an_unsafe_variable_is_reported_where_it_stands(tmp_path: Path) -> None:
    path = _write(tmp_path, "team.lp", 'violation(gpu, "m", (N, T)) :- gpu_instance(N, _).\n')
    assert [str(f) for f in check_files([path])] == [
        f"{path}:1:25: unsafe variable T: it must occur in a positive body atom of the rule"]


def test_files_checked_together_may_use_each_others_predicates(tmp_path: Path) -> None:
    org = _write(tmp_path, "org.lp", 'costly_family("p4d").\n'
                                     'violation(costly, "no p4d", N) :- instance_family(N, F), costly_family(F).\n')
    team = _write(tmp_path, "team.lp", 'costly_family("p5").\n')
    assert check_files([org, team]) == []
    # Alone, the team file defines a predicate nobody reads: worth a warning.
    alone = [str(f) for f in check_files([team])]
    assert alone[0].startswith(f"{team}:1:1: warning: `costly_family/1` is defined but never read")


def test_internal_predicates_of_the_wiring_rules_are_flagged_as_unstable(tmp_path: Path) -> None:
    path = _write(tmp_path, "team.lp", 'violation(x, "m", N) :- link_ok(N, _, _, _, Q), Q < 10.\n')
    assert [str(f) for f in check_files([path])] == [
        f"{path}:1:25: warning: `link_ok/5` is an internal predicate of the wiring rules, not part of the policy "
        "vocabulary (docs/policies.md): it may change without notice"]


def test_choices_aggregates_and_preferences_are_understood(tmp_path: Path) -> None:
    path = _write(tmp_path, "team.lp",
                  '% a soft rule, an aggregate and a conditional literal\n'
                  'prefer(few_gpus, G, gpus) :- G = #count { N : gpu_instance(N, _) }, G > 0.\n'
                  'violation(trains_alone, "m", T) :- step_of(T, S), step_kind(S, "Training"),\n'
                  '    not wired(T, _) : present(T).\n'
                  '#show violation/3.\n')
    assert check_files([path]) == []


def test_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    result = run("rules", "check", tmp_path / "nope.lp")
    assert result.exit_code == 2
    assert "no such rule file" in result.output


@pytest.mark.parametrize("name", sorted(p.name for p in PACK.glob("*.lp")))
def test_each_pack_file_is_clean_on_its_own(name: str) -> None:
    assert check_files([PACK / name]) == []

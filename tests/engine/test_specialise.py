"""Leaving out the rules that cannot fire (engine/specialise.py) never changes an answer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from clingo import Control, ast

from specwire.engine.fast import builtin_rules
from specwire.engine.fast.rule_analysis import analyse
from specwire.engine.fast.specialise import Analysed, specialise
from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode, load_pipeline_file
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.specs.registry import SpecRegistry, load_registry


def _statements(text: str) -> list[Any]:
    statements: list[Any] = []
    ast.parse_string(text, statements.append)
    return statements


def _analysed(text: str) -> list[Analysed]:
    found = analyse(_statements(text))
    assert found is not None
    return found


def _kept(text: str, facts: set[tuple[str, int]]) -> list[str]:
    return [s[0] for s in specialise(_analysed(text), facts) if not s[0].startswith("#program")]


def _answer(statements: Sequence[Analysed], facts: str) -> list[str]:
    ctl = Control(["--warn=none"])
    ctl.add("base", [], "\n".join(text for text, _, _ in statements))
    ctl.add("base", [], facts)
    ctl.ground([("base", [])])
    found: list[str] = []
    ctl.solve(on_model=lambda m: found.extend(sorted(str(s) for s in m.symbols(shown=True))))
    return found


def test_a_rule_over_a_predicate_nothing_can_make_true_is_left_out() -> None:
    program = "b(X) :- a(X). c(X) :- b(X). d(X) :- e(X). f(X) :- d(X), a(X). #show c/1."
    assert _kept(program, {("a", 1)}) == ["b(X) :- a(X).", "c(X) :- b(X).", "#show c/1."]


def test_what_a_kept_rule_derives_keeps_the_rules_that_read_it_whatever_their_order() -> None:
    program = "z(X) :- y(X). y(X) :- x(X). x(X) :- a(X)."
    assert len(_kept(program, {("a", 1)})) == 3
    assert _kept(program, {("b", 1)}) == []


def test_negation_aggregates_and_conditions_never_drop_a_rule() -> None:
    program = ("p(X) :- a(X), not e(X). s(N) :- N = #count { X : e(X) }, a(_). "
               "t :- a(X) : e(X). { u(X) : e(X) } :- a(_). :- a(X), e(X).")
    kept = _kept(program, {("a", 1)})
    assert len(kept) == 4  # only the constraint, which needs e/1, goes
    assert not any(k.startswith("#false") for k in kept)


def test_a_choice_head_makes_its_atoms_possible() -> None:
    program = "{ pick(X) } :- a(X). w(X) :- pick(X). #minimize { 1,X : pick(X) }."
    assert len(_kept(program, {("a", 1)})) == 3
    assert _kept(program, {("b", 1)}) == []


def test_predicates_taken_as_never_true_leave_out_what_derives_or_reads_them() -> None:
    program = "{ pick(X) } :- a(X). w(X) :- pick(X). q(X) :- a(X), not pick(X). v(X) :- q(X)."
    kept = _kept_without(program, {("a", 1)}, {("pick", 1)})
    assert kept == ["q(X) :- a(X); not pick(X).", "v(X) :- q(X)."]
    # What is left derives what the whole program derives when nothing is picked.
    whole = "{ pick(X) } :- a(X). w(X) :- pick(X). q(X) :- a(X), not pick(X). v(X) :- q(X). :- pick(_)."
    assert _answer(_analysed(whole), "a(1). a(2).") == _answer(
        specialise(_analysed(program), {("a", 1)}, frozenset({("pick", 1)})), "a(1). a(2).")


def _kept_without(text: str, facts: set[tuple[str, int]], without: set[tuple[str, int]]) -> list[str]:
    return [s[0] for s in specialise(_analysed(text), facts, frozenset(without)) if not s[0].startswith("#program")]


def test_heads_it_cannot_read_keep_every_statement() -> None:
    for program in ("p(1;2). q(X) :- p(X). r(X) :- e(X).", "#external e(1). r(X) :- e(X)."):
        assert analyse(_statements(program)) is None


@pytest.mark.parametrize("facts", ["a(1). a(2).", "a(1). e(1).", "e(3)."])
def test_the_answer_of_a_specialised_program_is_the_answer_of_the_whole(facts: str) -> None:
    program = ("b(X) :- a(X), not e(X). c(X) :- b(X). d(X) :- e(X). { pick(X) : b(X) } 1. "
               "n(N) :- N = #count { X : d(X) }. #minimize { 1,X : pick(X) }. :- not pick(_), b(_). "
               "#show c/1. #show n/1. #show pick/1. #show d/1.")
    present = {(part.split("(")[0].strip(), 1) for part in facts.split(".") if part.strip()}
    statements = _analysed(program)
    assert _answer(specialise(statements, present), facts) == _answer(statements, facts)


# --------------------------------------------------------------------------- the real rules

NODES = [("load_t", "DataLoading", "training"), ("prep_t", "TabularPreprocessing", "training"),
         ("load_c", "DataLoading", "calibration"), ("prep_c", "TabularPreprocessing", "calibration"),
         ("train", "XGBoostTraining", None), ("eval", "ModelEvaluation", "calibration"),
         ("calib", "ModelCalibration", "calibration"), ("gate", "QualityGate", None),
         ("model", "CreateModel", None), ("reg", "ModelRegistration", None)]

_CASES: list[tuple[str, list[tuple[str, str, str | None]], list[tuple[str, str]], ResolveOptions]] = [
    ("plain", NODES, [], ResolveOptions()),
    ("gaps filled", [NODES[0], NODES[4], NODES[7]], [], ResolveOptions(fill_gaps=True)),
    ("why not", NODES, [], ResolveOptions(why_not=(("load_t", "train"), ("prep_c", "train")))),
    ("explicit edges", NODES, [("load_t", "prep_t"), ("prep_t", "train"), ("reg", "load_t")], ResolveOptions()),
    ("strict", NODES, [("load_t", "prep_t"), ("prep_t", "train")], ResolveOptions(strict_edges=True)),
]


def _both(registry: SpecRegistry, definition: PipelineDefinition, options: ResolveOptions,
          monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, int]:
    """The answer with specialisation, the answer without, and how many statements it left out."""
    resolver = Resolver(registry)
    dropped: list[int] = []
    real = builtin_rules.specialise

    def counting(statements: Sequence[Analysed], facts: Any, without: Any = frozenset()) -> list[Analysed]:
        kept = real(statements, facts, without)
        dropped.append(len(statements) - len(kept))
        return kept

    builtin_rules._program.cache_clear()
    monkeypatch.setattr(builtin_rules, "specialise", counting)
    special = resolver.resolve(definition, options)
    builtin_rules._program.cache_clear()
    monkeypatch.setattr(builtin_rules, "specialise", lambda statements, facts, without=(): list(statements))
    whole = resolver.resolve(definition, options)
    builtin_rules._program.cache_clear()
    return special, whole, sum(dropped)


def _assert_same_optimum(special: Any, whole: Any) -> None:
    """Both are proven optimal at the same cost, with the same diagnostics."""
    assert special.stats.proven_optimal and whole.stats.proven_optimal
    assert special.stats.cost == whole.stats.cost
    assert special.ok == whole.ok
    assert sorted((d.kind, d.message) for d in special.diagnostics if d.kind != "ambiguous") == \
        sorted((d.kind, d.message) for d in whole.diagnostics if d.kind != "ambiguous")
    assert len(special.edges) == len(whole.edges)


@pytest.mark.parametrize("name", [case[0] for case in _CASES])
def test_resolving_with_the_rules_that_can_fire_gives_the_answer_of_all_rules(
        name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, nodes, edges, options = next(case for case in _CASES if case[0] == name)
    definition = PipelineDefinition(tuple(PipelineNode(*n) for n in nodes), tuple(edges), name)
    special, whole, dropped = _both(load_registry(), definition, options, monkeypatch)
    assert dropped > 0, "nothing was left out: the comparison tests nothing"
    _assert_same_optimum(special, whole)
    assert special.to_json() == whole.to_json()  # ties are broken by name: the same wiring


def test_every_corpus_pipeline_resolves_the_same_with_and_without_specialising(
        cursus_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    registry = load_registry([cursus_dir / "specs.json"])
    for path in sorted((cursus_dir / "dags").glob("*.json")):
        definition = load_pipeline_file(path)
        for options in (ResolveOptions(ignore_edges=True), ResolveOptions()):
            special, whole, _ = _both(registry, definition, options, monkeypatch)
            _assert_same_optimum(special, whole)
            assert special.to_json() == whole.to_json(), f"{path.name} {options}"


# --------------------------------------------------------------------------- the shipped analysis


def test_the_shipped_analysis_is_the_rule_files_analysis_today() -> None:
    assert builtin_rules.PATH.read_text(encoding="utf-8") == builtin_rules.encode(), (
        "specwire/engine/builtin_rules.json is stale (a rule file changed): "
        "run `python -m specwire.engine.fast.builtin_rules` and commit the file")


def test_every_shipped_statement_reads_back_as_itself() -> None:
    for path in builtin_rules.rule_files():
        _, statements = builtin_rules._statements(path, builtin_rules._stamp(path))
        assert statements is not None, path.name
        for text, _, _ in statements:
            assert [str(s) for s in _statements(text) if s.ast_type != ast.ASTType.Program] in ([text], []), text


def test_an_edited_rule_file_is_analysed_instead_of_trusting_the_shipped_table(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    files = builtin_rules.rule_files()
    facts = frozenset({("node", 1), ("node_profile", 2), ("dep", 2), ("port_match", 5)})
    shipped = builtin_rules.program(files, facts)
    builtin_rules._program.cache_clear()
    builtin_rules._statements.cache_clear()
    monkeypatch.setattr(builtin_rules, "PATH", tmp_path / "missing.json")
    builtin_rules._shipped.cache_clear()
    try:
        assert builtin_rules.program(files, facts) == shipped  # analysed from the files: the same program
        monkeypatch.undo()
        builtin_rules._shipped.cache_clear()
        edited = tmp_path / "choose.lp"
        edited.write_text(files[0].read_text(encoding="utf-8") + "\nextra(N) :- node(N).\n", encoding="utf-8")
        _, statements = builtin_rules._statements(edited, builtin_rules._stamp(edited))
        assert statements is not None and statements[-1][0] == "extra(N) :- node(N)."
    finally:
        builtin_rules._program.cache_clear()
        builtin_rules._statements.cache_clear()
        builtin_rules._shipped.cache_clear()


@pytest.mark.parametrize("entry", ['"choose.lp": "x"', '"choose.lp": {"statements": []}',
                                   '"choose.lp": {"sha256": "SHA", "statements": [["a."]]}',
                                   '"choose.lp": {"sha256": "SHA", "statements": [["a.", [["a"]], null]]}'])
def test_a_damaged_entry_of_the_shipped_analysis_is_analysed_instead(
        entry: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    files = builtin_rules.rule_files()
    facts = frozenset({("node", 1), ("node_profile", 2), ("dep", 2), ("port_match", 5)})
    expected = builtin_rules.program(files, facts)
    digest = builtin_rules._digest(files[0].read_text(encoding="utf-8"))
    damaged = tmp_path / "builtin_rules.json"
    damaged.write_text('{"files": {' + entry.replace("SHA", digest) + "}}", encoding="utf-8")
    monkeypatch.setattr(builtin_rules, "PATH", damaged)
    for cached in (builtin_rules._program, builtin_rules._statements, builtin_rules._shipped):
        cached.cache_clear()
    try:
        assert builtin_rules.program(files, facts) == expected
    finally:
        for cached in (builtin_rules._program, builtin_rules._statements, builtin_rules._shipped):
            cached.cache_clear()


def test_a_built_in_rule_file_edited_into_a_syntax_error_is_reported_with_file_and_line(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from specwire.engine import solver
    from specwire.errors import RuleFileError

    for path in builtin_rules.rule_files():
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = tmp_path / "objective.lp"
    lines = broken.read_text(encoding="utf-8").splitlines()
    broken.write_text("\n".join([*lines, "oops :- (((."]) + "\n", encoding="utf-8")
    monkeypatch.setattr(solver, "builtin_rule_file", lambda name: tmp_path / name)
    messages = solver.Messages()
    ctl = solver.new_control([], messages)
    with pytest.raises(RuleFileError) as err:
        solver.load_rules(ctl, [tmp_path / "choose.lp", broken], messages, frozenset({("node", 1)}))
    assert f"objective.lp:{len(lines) + 1}:" in err.value.message
    builtin_rules._program.cache_clear()

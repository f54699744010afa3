"""Messages live in the rules: every adjustment a wiring rule makes has its words (`reason_text/2`)
and every optimisation level its name (`level_name/2`), beside the rules themselves."""

from __future__ import annotations

import re

from rulekit import ground_one, pipeline

from specwire.engine.solver import builtin_rule_file


def _texts(file: str, predicate: str) -> dict[str, str]:
    atoms = ground_one(file, "", show=predicate)
    return {m.group(1): m.group(2) for m in (re.match(r'\w+\(([-\w]+),"(.*)"\)$', a) for a in atoms) if m}


def test_every_adjustment_rule_has_its_words_in_the_rules() -> None:
    texts = {**_texts("jobs.lp", "reason_text/2"), **_texts("choose.lp", "reason_text/2")}
    for file in ("jobs.lp", "choose.lp"):
        source = builtin_rule_file(file).read_text()
        for name in re.findall(r"^(?:job|edge)_points\(N1,N2,D,(\w+),", source, re.M):
            assert name in texts, f"{file}: {name} has no reason_text"


def test_every_objective_level_has_a_name() -> None:
    names = {int(k) for k in _texts("objective.lp", "level_name/2")}
    source = builtin_rule_file("objective.lp").read_text()
    levels = {int(p) for p in re.findall(r"@(-?\d+)\b", source)}
    assert {p for p in levels if p >= 0} <= names and -2 in names


def test_explain_prints_the_words_of_the_rules(resolve, builtin) -> None:
    nodes = [("load", "DataLoading", "training"), ("prep", "TabularPreprocessing", "training")]
    result = resolve(builtin, pipeline(*nodes))
    words = _texts("jobs.lp", "reason_text/2")["same_job"]
    assert any(f"{words} (+6)" in r for e in result.edges for r in e.reasons)

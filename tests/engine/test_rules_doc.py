"""docs/rules.md is generated from the rule files, and every input predicate is declared."""

from __future__ import annotations

from specwire.engine import rules_doc


def test_docs_rules_md_is_current() -> None:
    assert rules_doc.DOC.read_text(encoding="utf-8") == rules_doc.render(), \
        "docs/rules.md is stale: run `python -m specwire.engine.rules_doc`"


def test_every_input_predicate_is_declared_defined_where_it_is_read() -> None:
    table, _ = rules_doc.collect()
    missing = {name: [f"{p}/{a}" for p, a in rules_doc.inputs(table, name) if name not in table[(p, a)].declared_in]
               for name in rules_doc.FILES}
    assert not any(missing.values()), missing


def test_the_doc_names_the_arguments_of_the_wiring_predicates() -> None:
    table, _ = rules_doc.collect()
    assert table[("use", 4)].arguments == "N1,O,N2,D"
    assert "choose.lp" in table[("use", 4)].derived_in
    assert ("split_job", 1) in rules_doc.inputs(table, "jobs.lp")

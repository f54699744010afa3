"""`specwire resolve --show-facts`: the printed program, run by plain clingo, makes the same decisions."""

from __future__ import annotations

from pathlib import Path

import clingo
from rulekit import pipeline
from typer.testing import CliRunner

from specwire.cli import app
from specwire.engine.pipeline_def import load_pipeline_file
from specwire.engine.program import program_text
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.specs.registry import load_registry


def _clingo_uses(text: str) -> set[tuple[str, str, str, str]]:
    """Run the printed program the way its header says, with clingo's own Python API."""
    header = text.splitlines()[2].removeprefix("%   ").split()
    options = [a for a in header[1:] if a.startswith("-") and not a.startswith("-c")]
    files = [a for a in header[1:] if a.endswith(".lp") and a != "facts.lp"]
    ctl = clingo.Control([*options, "-c", "max_insert_depth=3"])
    for f in files:
        ctl.load(f)
    ctl.add("base", [], text)
    ctl.ground([("base", [])])
    best: list[clingo.Symbol] = []
    ctl.solve(on_model=lambda m: best.__setitem__(slice(None), m.symbols(shown=True)))
    return {(u.arguments[0].string, u.arguments[1].string, u.arguments[2].string, u.arguments[3].string)
            for u in best if u.name == "use" and u.arguments[0].type == clingo.SymbolType.String
            and u.arguments[2].type == clingo.SymbolType.String}


def test_the_printed_program_reproduces_the_wiring_of_a_corpus_pipeline(cursus_dir: Path) -> None:
    resolver = Resolver(load_registry([cursus_dir / "specs.json"]))
    name = "xgboost_complete_e2e_with_percentile_calibration_and_testing.json"
    definition = load_pipeline_file(cursus_dir / "dags" / name)
    options = ResolveOptions(ignore_edges=True)
    result = resolver.resolve(definition, options)
    expected = {(e.source, e.output, e.target, e.dependency) for e in result.edges}
    assert expected and _clingo_uses(program_text(resolver, definition, options)) == expected


def test_show_facts_prints_the_rule_files_and_facts() -> None:
    out = CliRunner().invoke(app, ["resolve", "DataLoading:training", "TabularPreprocessing:training",
                                   "XGBoostTraining", "--show-facts"])
    assert out.exit_code == 0, out.output
    assert "jobs.lp" in out.output and 'node("XGBoostTraining").' in out.output
    assert "split_job(training)." in out.output
    resolver = Resolver(load_registry())
    nodes = pipeline(("DataLoading_training", "DataLoading", "training"),
                     ("TabularPreprocessing_training", "TabularPreprocessing", "training"), "XGBoostTraining")
    expected = {(e.source, e.output, e.target, e.dependency) for e in resolver.resolve(nodes).edges}
    assert len(expected) >= 2 and _clingo_uses(out.output) == expected

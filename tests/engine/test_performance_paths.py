"""What the performance work must not change: answers, imports, and the time limit.

Timings themselves are measured by benchmarks/ (never asserted here).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from specwire.engine import part_facts, resolver
from specwire.engine.fast import components
from specwire.engine.order import find_cycle
from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode, from_step_args
from specwire.engine.resolver import ResolveOptions, Resolver
from specwire.engine.solver import Messages, add_facts, builtin_rule_file, ground, load_rules, new_control
from specwire.plan import ResolvedPipeline
from specwire.specs.models import StepSpecification
from specwire.specs.registry import SpecRegistry, load_registry

HEAVY = ("sagemaker", "boto3", "botocore", "s3transfer")


def _run_child(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_resolve_never_imports_the_sagemaker_sdk_boto3_or_clingo_ast(tmp_path: Path) -> None:
    out = _run_child(f"""
        import json, os, sys
        os.environ["SPECWIRE_CACHE_DIR"] = {str(tmp_path)!r}
        from specwire.cli import app
        for args in (["resolve", "--example", "fraud"],
                     ["resolve", "--example", "fraud", "--format", "json", "--explain"],
                     ["resolve", "--example", "calibrated", "--fill-gaps", "--format", "mermaid"]):
            try:
                app(args)
            except SystemExit:
                pass
        print(json.dumps(sorted(sys.modules)))
    """)
    modules = set(json.loads(out))
    assert "specwire.engine.resolver" in modules and "clingo" in modules  # the commands did resolve...
    assert not {m for m in modules if m.split(".")[0] in HEAVY}  # ...without the SDK or boto3
    assert "clingo.ast" not in modules  # 15 ms: built-in rules are shipped analysed (engine/builtin_rules.py)
    # Loading plugins when none is installed imports no config model or builder (about 0.2 s), and
    # `import specwire` leaves the fluent Pipeline API to its first use.
    assert not _rooms_not_needed(modules)


#: specwire's rooms a resolve never needs: the fluent API, the configs and builders, deployment, local runs.
NOT_ON_RESOLVE = ("pipeline", "configs", "builders", "deploy", "local")


def _rooms_not_needed(modules: set[str]) -> set[str]:
    """The modules of NOT_ON_RESOLVE's rooms among `modules`, but for the plugin loader (and its package)."""
    allowed = {"specwire.pipeline", "specwire.pipeline.plugins"}
    return {m for m in modules if m.startswith("specwire.") and m.split(".")[1] in NOT_ON_RESOLVE} - allowed


def test_a_team_catalog_resolve_reads_and_imports_only_what_it_needs(tmp_path: Path, cursus_dir: Path) -> None:
    dag = cursus_dir / "dags" / "xgboost_complete_e2e_with_percentile_calibration_and_testing.json"
    out = _run_child(f"""
        import contextlib, io, json, os, sys
        os.environ["SPECWIRE_CACHE_DIR"] = {str(tmp_path)!r}
        from specwire.cli import main
        sys.argv = ["specwire", "resolve", "-p", {str(dag)!r}, "-c", {str(cursus_dir / "specs.json")!r},
                    "--ignore-edges"]
        shown = io.StringIO()
        with contextlib.redirect_stdout(shown), contextlib.redirect_stderr(io.StringIO()):
            try:
                main()
            except SystemExit as done:
                code = done.code
        print(json.dumps([code, shown.getvalue(), sorted(sys.modules)]))
    """)
    code, shown, found = json.loads(out)
    modules = set(found)
    assert code == 0 and "resolves" in shown and "Edges" in shown  # it resolved and printed the wiring
    assert "clingo" in modules
    assert not _rooms_not_needed(modules)
    # A JSON catalog and a JSON pipeline are read without PyYAML; no SDK, no boto3.
    assert not {m for m in modules if m.split(".")[0] in ("yaml", *HEAVY)}
    # Stage one was read scoped to the pipeline (cli/common.py scoped_stage_one): every cache entry
    # covers a scope ("complete" lists its inputs), none is the whole catalog's ("complete": null).
    entries = [json.loads(path.read_text()) for path in tmp_path.glob("index-*.json")]
    assert entries and all(entry["complete"] for entry in entries)


def _chain_registry() -> SpecRegistry:
    """Two families (Load -> Prep -> Train), each step naming its own family's source."""
    registry = SpecRegistry()
    for family in ("Alpha", "Beta"):
        specs = [
            {"step_type": f"{family}Load", "outputs": [{"logical_name": "raw", "data_type": "raw_tabular"}]},
            {"step_type": f"{family}Prep",
             "dependencies": [{"logical_name": "raw_in", "data_types": ["raw_tabular"],
                               "compatible_sources": [f"{family}Load"]}],
             "outputs": [{"logical_name": "clean", "data_type": "processed_tabular"}]},
            {"step_type": f"{family}Train",
             "dependencies": [{"logical_name": "train_in", "kind": "training_data",
                               "data_types": ["processed_tabular"], "compatible_sources": [f"{family}Prep"]}],
             "outputs": [{"logical_name": "model", "kind": "model_artifacts", "data_type": "model_artifacts"}]},
        ]
        for spec in specs:
            registry.add(StepSpecification.model_validate(spec), "<test>")
    return registry


def _shape(result: ResolvedPipeline) -> tuple[object, ...]:
    return (sorted((e.source, e.output, e.target, e.dependency) for e in result.edges),
            sorted((n.name, n.step_type, n.job_type or "", n.inserted) for n in result.nodes),
            sorted((d.kind, d.message) for d in result.diagnostics))


@pytest.mark.parametrize("fill_gaps", [False, True])
def test_independent_components_are_solved_apart_with_the_same_answer(monkeypatch: pytest.MonkeyPatch,
                                                                     fill_gaps: bool) -> None:
    registry = _chain_registry()
    pipeline = PipelineDefinition(tuple(PipelineNode(n.lower(), n) for n in
                                        ("AlphaLoad", "AlphaTrain", "BetaLoad", "BetaPrep", "BetaTrain")))
    monkeypatch.setattr(resolver, "BATCH_NODES", 1)
    apart = Resolver(registry).resolve(pipeline, ResolveOptions(fill_gaps=fill_gaps))
    monkeypatch.setattr(resolver, "BATCH_NODES", 10**6)
    together = Resolver(registry).resolve(pipeline, ResolveOptions(fill_gaps=fill_gaps))
    assert apart.stats.components == 2 and together.stats.components == 1
    assert _shape(apart) == _shape(together)
    assert ("betaload", "betaprep") in apart.node_edges()
    if fill_gaps:  # AlphaPrep is missing: inserted between AlphaLoad and AlphaTrain in the Alpha part
        assert [n.step_type for n in apart.nodes if n.inserted] == ["AlphaPrep"]


def _rule_gaps(registry: SpecRegistry, pipeline: PipelineDefinition) -> set[tuple[str, str]]:
    """gap/2 as gaps.lp derives it, from the whole pipeline's facts."""
    r = Resolver(registry)
    nodes = sorted(pipeline.nodes, key=lambda n: n.name)
    part = components.Part(list(nodes))
    messages = Messages()
    ctl = new_control(["-c max_insert_depth=3"], messages)
    files = [builtin_rule_file(name) for name in resolver.WIRING_RULES]
    load_rules(ctl, files, messages)
    jobs = sorted({n.job_type.lower() for n in nodes if n.job_type})
    add_facts(ctl, part_facts.part_facts(r.index, registry, part, [], ResolveOptions(), jobs,
                                   {n.name: i for i, n in enumerate(nodes)}, set()))
    ground(ctl, messages, files)
    return {(sa.symbol.arguments[0].string, sa.symbol.arguments[1].string)
            for sa in ctl.symbolic_atoms.by_signature("gap", 2)}


@pytest.mark.parametrize("steps", [
    ["DataLoading", "XGBoostTraining"],
    ["XGBoostTraining", "ModelEvaluation", "QualityGate"],
    ["DataLoading:training", "TabularPreprocessing:training", "XGBoostTraining", "ModelEvaluation:calibration",
     "DataLoading:calibration", "ModelCalibration"],
    ["CreateModel", "BatchTransform", "ModelRegistration"],
])
def test_the_gaps_computed_before_the_solver_are_the_rules_gaps(steps: list[str]) -> None:
    registry = load_registry()
    pipeline = from_step_args(steps)
    index = Resolver(registry).index
    found = {(node.name, dep) for node, dep in components.gaps(index, sorted(pipeline.nodes, key=lambda n: n.name))}
    assert found == _rule_gaps(registry, pipeline)


def test_a_time_limit_returns_the_best_wiring_so_far_marked_not_optimal() -> None:
    """Twelve steps that could each feed any other: finding the best acyclic wiring is a search for
    a Hamiltonian path, which the solver cannot prove optimal in a fraction of a second."""
    out = _run_child("""
        import json
        from specwire.specs.models import StepSpecification
        from specwire.specs.registry import SpecRegistry
        from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
        from specwire.engine.resolver import ResolveOptions, Resolver
        names = [f"Stage{i:02d}" for i in range(12)]
        registry = SpecRegistry()
        for name in names:
            registry.add(StepSpecification.model_validate({
                "step_type": name, "outputs": [{"logical_name": "data"}],
                "dependencies": [{"logical_name": "data", "compatible_sources": [n for n in names if n != name]}]}),
                "<test>")
        pipeline = PipelineDefinition(tuple(PipelineNode(n.lower(), n) for n in names))
        result = Resolver(registry).resolve(pipeline, ResolveOptions(timeout=0.3))
        print(json.dumps({"timed_out": result.stats.timed_out, "proven": result.stats.proven_optimal,
                          "kinds": [d.kind for d in result.diagnostics], "edges": result.node_edges(),
                          "order": result.order}))
    """)
    data = json.loads(out)
    assert data["timed_out"] and not data["proven"]
    assert "not_optimal" in data["kinds"] and "timeout" not in data["kinds"]
    edges = [tuple(e) for e in data["edges"]]
    assert len(edges) >= 6  # a wiring came back, not an empty answer
    assert find_cycle(edges) is None
    assert len(data["order"]) == 12


@pytest.mark.parametrize("steps", [["DataLoading"], ["DataLoading", "NoSuchStep"], ["ModelEvaluation"]])
def test_a_part_with_nothing_to_choose_is_proven_optimal_not_timed_out(steps: list[str]) -> None:
    """Such a part grounds no minimize statement, so clingo stops at its first model without
    exhausting the search; it used to be reported as having hit the time limit."""
    result = Resolver(load_registry()).resolve(from_step_args(steps), ResolveOptions(timeout=60))
    assert result.stats.proven_optimal and not result.stats.timed_out
    assert "not_optimal" not in [d.kind for d in result.diagnostics]

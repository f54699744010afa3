"""Names that are ASP syntax, shell metacharacters or non-ASCII stay names."""

from __future__ import annotations

import pytest

from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.engine.resolver import ResolveOptions, Resolver

PLAIN = ["load", "prep", "train"]
STEPS = ["DataLoading", "TabularPreprocessing", "XGBoostTraining"]


@pytest.mark.parametrize("names", [
    ['a"). b(', "x.y.z", "100%"],
    [":- .", "#show", "% comment"],
    ["Ünïcødé", "步骤", "ñ"],
    ["$(rm -rf /)", "; ls", "`id`"],
    ["n" * 500, "'quoted'", "back\\slash"],
])
def test_odd_names_resolve_as_names(builtin, names):
    def run(node_names):
        nodes = tuple(PipelineNode(n, s, "training" if s == "DataLoading" else None) for n, s in zip(node_names, STEPS,
                                                                                                   strict=True))
        return Resolver(builtin).resolve(PipelineDefinition(nodes), ResolveOptions())

    plain, odd = run(PLAIN), run(names)
    rename = dict(zip(PLAIN, names, strict=True))
    assert odd.ok == plain.ok
    assert {(e.source, e.output, e.target, e.dependency) for e in odd.edges} == {
        (rename[e.source], e.output, rename[e.target], e.dependency) for e in plain.edges}
    assert {n.name for n in odd.nodes} == set(names)

"""order.lp and engine.order: acyclic wiring, named cycles, a stable topological order."""

from __future__ import annotations

from rulekit import catalog, dep, out, pipeline, spec

from specwire.engine.order import find_cycle, topological_order


def test_the_solver_never_closes_a_cycle(resolve):
    # A needs B's output and B needs A's: one of the two must stay unprovided, as a cycle error.
    reg = catalog(
        spec("A", deps=[dep("from_b", ["b"], sources=["B"])], outs=[out("a_out", "a")]),
        spec("B", deps=[dep("from_a", ["a"], sources=["A"])], outs=[out("b_out", "b")]),
    )
    result = resolve(reg, pipeline("A", "B"))
    assert len(result.edges) == 1
    (err,) = result.errors
    assert err.kind == "cycle" and "would make a cycle" in err.message


def test_explicit_edges_that_form_a_cycle_are_named(resolve, builtin):
    nodes = ("DataLoading", "TabularPreprocessing", "XGBoostTraining")
    edges = [("DataLoading", "TabularPreprocessing"), ("TabularPreprocessing", "XGBoostTraining"),
             ("XGBoostTraining", "DataLoading")]
    result = resolve(builtin, pipeline(*nodes, edges=edges))
    cycles = [d for d in result.errors if d.kind == "cycle"]
    assert len(cycles) == 1
    assert cycles[0].message == ("explicit edges form a cycle: DataLoading -> TabularPreprocessing -> "
                                 "XGBoostTraining -> DataLoading")


def test_a_self_edge_is_a_self_dependency(resolve, builtin):
    result = resolve(builtin, pipeline("DataLoading", edges=[("DataLoading", "DataLoading")]))
    assert [d.message for d in result.errors] == ["node 'DataLoading' depends on itself (edge DataLoading -> "
                                                  "DataLoading)"]


def test_topological_order_is_stable_and_complete():
    edges = [("b", "c"), ("a", "c"), ("c", "d")]
    assert topological_order(["d", "c", "b", "a", "e"], edges) == ["a", "b", "c", "d", "e"]
    assert topological_order(["x"], []) == ["x"]


def test_find_cycle():
    assert find_cycle([("a", "b"), ("b", "c")]) is None
    cycle = find_cycle([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    assert cycle is not None and sorted(cycle) == ["a", "b", "c"]
    # In edge direction, from the first node by name: each node feeds the next, the last the first.
    assert find_cycle([("n3", "n1"), ("n2", "n3"), ("n1", "n2"), ("n1", "z")]) == ["n1", "n2", "n3"]
    assert find_cycle([("y", "x"), ("x", "y")]) == ["x", "y"]


def test_topological_order_leaves_out_an_edge_closing_a_cycle_with_the_earlier_ones():
    # The wiring first (acyclic), then an explicit edge back: the order follows the wiring.
    order = topological_order(["a", "b", "c"], [("b", "a"), ("a", "c"), ("c", "b")])
    assert order.index("b") < order.index("a") < order.index("c")

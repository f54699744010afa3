"""Orders and cycles of a node graph, with the standard library's `graphlib`.

The solver keeps the chosen edges acyclic (`#edge` in order.lp); reading an order off an acyclic
graph is linear work. `graphlib.TopologicalSorter` does it; a heap over its ready nodes makes the
order stable (among ready nodes, the first by name), and its `CycleError` names a cycle.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from graphlib import CycleError, TopologicalSorter


def topological_order(names: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """Providers before consumers; among ready nodes, the first by name.

    Edges are given most important first (the resolver passes the wiring, which the solver keeps
    acyclic, then the explicit edges): an edge that would close a cycle with the edges before it
    is left out of the order, so the order never contradicts the wiring.
    """
    nodes = sorted(set(names))
    known = set(nodes)
    unique = list(dict.fromkeys((s, t) for s, t in edges if s != t and s in known and t in known))
    order = _ordered(nodes, unique)
    if order is not None:
        return order
    # A cycle: keep the longest acyclic prefix (binary search, one linear pass per step), then each
    # later edge that closes no cycle with what is kept.
    lo, hi = 0, len(unique)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _ordered(nodes, unique[:mid]) is not None:
            lo = mid
        else:
            hi = mid - 1
    kept = unique[:lo]
    successors: dict[str, set[str]] = defaultdict(set)
    for source, target in kept:
        successors[source].add(target)
    for source, target in unique[lo + 1:]:
        if not _reaches(successors, target, source):
            successors[source].add(target)
            kept.append((source, target))
    order = _ordered(nodes, kept)
    assert order is not None  # every kept edge closes no cycle
    return order


def _ordered(nodes: list[str], edges: Iterable[tuple[str, str]]) -> list[str] | None:
    """All of `nodes` (sorted), providers first and ties by name; None when the edges close a cycle."""
    sorter: TopologicalSorter[str] = TopologicalSorter()
    for node in nodes:
        sorter.add(node)
    for source, target in edges:
        sorter.add(target, source)
    try:
        sorter.prepare()
    except CycleError:
        return None
    ready = list(sorter.get_ready())
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        sorter.done(node)
        for succ in sorter.get_ready():
            heapq.heappush(ready, succ)
    return order


def _reaches(successors: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, stack = {start}, [start]
    while stack:
        node = stack.pop()
        if node == goal:
            return True
        for succ in successors.get(node, ()):
            if succ not in seen:
                seen.add(succ)
                stack.append(succ)
    return False


def find_cycle(edges: Sequence[tuple[str, str]]) -> list[str] | None:
    """One cycle of the graph as a list of nodes in edge direction (first node not repeated), or None."""
    # graphlib's graph maps a node to its predecessors; given each node's *successors* instead,
    # the cycle CycleError names runs against the edges, so it is reversed below.
    successors: dict[str, list[str]] = defaultdict(list)
    for source, target in sorted(set(edges)):
        successors[source].append(target)
    try:
        TopologicalSorter(successors).prepare()
    except CycleError as exc:
        cycle: list[str] = list(exc.args[1])[:-1][::-1]
        first = cycle.index(min(cycle))  # a stable start, whatever node graphlib met first
        return cycle[first:] + cycle[:first]
    return None

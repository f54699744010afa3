"""Orders and cycles of a node graph.

The solver keeps the chosen edges acyclic (`#edge` in order.lp); reading an order off an acyclic
graph is linear work, done here with Kahn's algorithm and the node names as a stable tie-break.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence


def topological_order(names: Iterable[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """Providers before consumers; among ready nodes, the first by name.

    Edges are given most important first (the resolver passes the wiring, which the solver keeps
    acyclic, then the explicit edges): an edge that would close a cycle with the edges before it
    is left out of the order, so the order never contradicts the wiring.
    """
    nodes = sorted(set(names))
    unique = list(dict.fromkeys((s, t) for s, t in edges if s != t))
    order = _kahn(nodes, unique)
    if len(order) == len(nodes):
        return order
    # A cycle: keep the longest acyclic prefix (binary search, one linear pass per step), then each
    # later edge that closes no cycle with what is kept.
    lo, hi = 0, len(unique)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(_kahn(nodes, unique[:mid])) == len(nodes):
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
    return _kahn(nodes, kept)


def _kahn(nodes: list[str], edges: Iterable[tuple[str, str]]) -> list[str]:
    """Kahn's algorithm over `nodes` (sorted); the nodes left in a cycle are not returned."""
    successors: dict[str, set[str]] = defaultdict(set)
    indegree = dict.fromkeys(nodes, 0)
    for source, target in edges:
        if source in indegree and target in indegree and target not in successors[source]:
            successors[source].add(target)
            indegree[target] += 1
    ready = [n for n in nodes if indegree[n] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for succ in sorted(successors[node]):
            indegree[succ] -= 1
            if indegree[succ] == 0:
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
    """One cycle of the graph as a list of nodes (first node not repeated), or None."""
    successors: dict[str, list[str]] = defaultdict(list)
    for source, target in sorted(set(edges)):
        successors[source].append(target)
    state: dict[str, int] = {}
    for start in sorted(successors):
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            nexts = successors.get(node, [])
            if i < len(nexts):
                stack.append((node, i + 1))
                succ = nexts[i]
                if state.get(succ) == 1:
                    return path[path.index(succ):]
                if not state.get(succ):
                    stack.append((succ, 0))
            else:
                state[node] = 2
                path.pop()
    return None

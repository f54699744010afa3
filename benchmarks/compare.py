"""Compare a resolved pipeline with a hand-written one, edge by edge.

An inferred edge counts as right when its provider node -> consumer node pair is one of the
hand-written edges. Used by the conformance benchmark and tests, and by anyone migrating a
catalog who wants to know how far the specs alone reproduce their DAGs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class EdgeScore:
    """Counts for one pipeline (or a sum over many): micro-averaging adds the counts."""

    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0
    extra: tuple[tuple[str, str], ...] = field(default=())
    missed: tuple[tuple[str, str], ...] = field(default=())

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0

    def __add__(self, other: EdgeScore) -> EdgeScore:
        return EdgeScore(self.true_positive + other.true_positive, self.false_positive + other.false_positive,
                         self.false_negative + other.false_negative, self.extra + other.extra,
                         self.missed + other.missed)


def score_edges(inferred: Iterable[tuple[str, str]], expected: Iterable[tuple[str, str]]) -> EdgeScore:
    got, want = set(inferred), set(expected)
    return EdgeScore(len(got & want), len(got - want), len(want - got),
                     tuple(sorted(got - want)), tuple(sorted(want - got)))


def count_cycles(edges: Iterable[tuple[str, str]]) -> int:
    """The number of strongly connected components with more than one node (or a self-loop)."""
    graph: dict[str, list[str]] = {}
    loops = 0
    for source, target in edges:
        graph.setdefault(source, []).append(target)
        graph.setdefault(target, [])
        loops += source == target
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components = 0
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        # Iterative Tarjan: pipelines are small, but recursion limits are not ours to spend.
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = graph[node]
            if i < len(successors):
                work.append((node, i + 1))
                succ = successors[i]
                if succ not in index:
                    work.append((succ, 0))
                elif succ in on_stack:
                    low[node] = min(low[node], index[succ])
                continue
            if low[node] == index[node]:
                size = 0
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    size += 1
                    if member == node:
                        break
                components += size > 1
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return components + loops

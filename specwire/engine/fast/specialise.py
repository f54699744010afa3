"""Drop the rules that cannot fire, given which predicates have facts.

A rule with a positive body literal over a predicate that no fact and no firable rule can make
true never derives anything, so leaving it out changes no answer. clingo would find that out
while grounding, but only after rewriting every statement, and for a pipeline of a dozen steps
that fixed cost is most of the grounding time: a corpus pipeline without explicit edges, strict
mode, gap filling or --why-not has no facts for a quarter of the wiring rules, and grounding
them costs about a fifth of the time (benchmarks/RESULTS.md, perf history).

Only specwire's own rule files are specialised, and only when no other file takes part (a policy
file may derive any predicate the built-in rules read). engine/builtin_rules.py ships their
statements analysed, since reading a syntax tree through clingo's API costs more (about 20 ms)
than the whole grounding it saves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: A predicate: name and arity.
Signature = tuple[str, int]

#: What specialising needs of one statement: its text, the predicates its head can make true, and
#: the predicates of its body's plain positive literals (None: it has no body, it is always kept).
Analysed = tuple[str, tuple[Signature, ...], tuple[Signature, ...] | None]


def specialise(statements: Sequence[Analysed], facts: Iterable[Signature],
               without: frozenset[Signature] = frozenset()) -> list[Analysed]:
    """The statements that can fire when only the predicates of `facts` have facts.

    Predicates in `without` are taken as never true, whatever rule could derive them: what is left
    derives exactly what the whole program derives without them (engine/narrow.py's probe reads the
    link qualities of a program in which nothing is chosen, `use/4` and `insert/1` left out).
    """
    present = set(facts) - without
    changed = True
    while changed:
        changed = False
        for _, heads, body in statements:
            if heads and body is not None and all(signature in present for signature in body):
                for signature in heads:
                    if signature not in present and signature not in without:
                        present.add(signature)
                        changed = True
    return [s for s in statements if (s[2] is None or all(signature in present for signature in s[2]))
            and not (s[1] and all(signature in without for signature in s[1]))]

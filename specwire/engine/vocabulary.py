"""The job-type vocabulary as facts: what the rules read about split chains, from one definition.

`specwire.specs.models.SPLIT_JOB_STEMS` is the one list of split job types. The rules read it as
`split_job/1` facts (jobs.lp, gaps.lp, words.lp declare them `#defined`), and the Python that
pre-computes for speed (engine/fast/components.py) reads the same table, so the two cannot disagree.

Job-type names are free text, and ASP has no substring test: which custom job types name a split
chain ("pretrain" names training) or come first ("pre...") is read off the names here and handed
to jobs.lp as `job_hint/2` and `job_first/1` facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from clingo import Function, Symbol

from specwire.engine.terms import atom
from specwire.specs.models import SPLIT_JOB_STEMS, StepKind

#: `split_job/1`: job types that split one data set into chains that must not mix.
SPLIT_JOBS = frozenset(SPLIT_JOB_STEMS)

#: Step kinds that learn from their input data (`trains/1`): jobs.lp keeps other chains' data out.
LEARNING_KINDS = frozenset({StepKind.TRAINING, StepKind.TUNING})

#: The prefix of a job type that comes before its siblings of the same step type ("pretrain").
FIRST_PREFIX = "pre"


def split_job_facts() -> Iterator[Symbol]:
    """`split_job(training).` and so on: the split vocabulary for both stages' rules."""
    for job in SPLIT_JOB_STEMS:
        yield Function("split_job", [atom(job)])


def job_hint_facts(jobs: Iterable[str]) -> Iterator[Symbol]:
    """`job_hint(pretrain, training)`: a job type of its own whose name names a split chain of the
    pipeline; `job_first(pretrain)`: a job type whose name says it comes before its siblings."""
    present = set(jobs)
    for job in sorted(present):
        if job.startswith(FIRST_PREFIX) and len(job) > len(FIRST_PREFIX):
            yield Function("job_first", [atom(job)])
        if job in SPLIT_JOBS:
            continue
        for split, stem in SPLIT_JOB_STEMS.items():
            if stem in job and split in present:
                yield Function("job_hint", [atom(job), atom(split)])

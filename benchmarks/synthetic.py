"""Realistic synthetic catalogs and pipelines for the scale benchmarks (deterministic by seed).

A catalog is a set of *families*: the step types one team or product line owns, named after a
domain word (``KoravDataLoading``, ``KoravPreprocessing``, ``KoravTraining`` ...). Families come
in three shapes, drawn by the seed:

* ``e2e``    the cursus end-to-end shape: loading and preprocessing on three job-type chains
  (training, calibration, testing), an optional feature chain on each, training, inference on
  the calibration and testing chains, calibration, metrics, packaging and registration;
* ``fanout`` one preprocessed data set feeding two trainers (fan-out) whose models an ensemble
  step joins (fan-in), scored on the testing chain;
* ``deep``   a long feature chain (8-20 steps) with shared vocabulary between every stage, so the
  solver must find the one acyclic order among many candidate links.

Ports carry the evidence real catalogs carry: compatible sources (some qualified by job type,
``KoravInference:calibration``), aliases, semantic keywords, kinds and data types; some
dependencies are fed from outside the pipeline. Most families name their ports after their
domain; a few (``generic_families``, the platform team's steps) use the shared names
(``processed_data``, ``model_artifacts``) so that step types of different families match each
other too, as they do in an organisation's catalog. Their number is fixed, not a share of the
catalog: were it a share, the candidate links between them would grow with the square of the
pipeline (which no wiring engine can then do in n^1.3, and no person could read either).
Step types not used by the pipeline fill the catalog to its size.

A pipeline takes families in turn until it has the number of nodes asked for; when the catalog
runs out of families a family's types are used again by a second copy; the edges of a family used
twice are written in the pipeline (as a person would write them: the specs alone cannot tell two
copies apart). `Synthetic.expected` holds the intended node-level edges.

    python benchmarks/synthetic.py --nodes 100 --types 60 --seed 0   # prints a summary
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from specwire.engine.pipeline_def import PipelineDefinition, PipelineNode
from specwire.specs.models import StepSpecification
from specwire.specs.registry import SpecRegistry

SPLITS = ("training", "calibration", "testing")
_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "kr", "st", "tr")
_VOWELS = ("a", "e", "i", "o", "u", "ai", "ou")


@dataclass
class Family:
    """The step types of one family and the sub-pipeline that uses them."""

    word: str
    shape: str
    generic: bool = False
    specs: list[dict[str, Any]] = field(default_factory=list)
    #: (node suffix, step type, job type) of the family's sub-pipeline.
    nodes: list[tuple[str, str, str | None]] = field(default_factory=list)
    #: Intended edges between node suffixes.
    edges: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Synthetic:
    registry: SpecRegistry
    pipeline: PipelineDefinition
    expected: frozenset[tuple[str, str]]
    families: int
    reused: int


def _words(rng: random.Random) -> Iterator[str]:
    seen: set[str] = set()
    while True:
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(rng.choice((2, 3))))
        word += rng.choice(("", "n", "r", "s", "x"))
        if word not in seen:
            seen.add(word)
            yield word


def _dep(name: str, sources: list[str], keywords: list[str], aliases: list[str], *, kind: str = "processing_output",
         types: tuple[str, ...] = ("S3Uri",), required: bool = True) -> dict[str, Any]:
    return {"logical_name": name, "kind": kind, "required": required, "data_types": list(types),
            "compatible_sources": sources, "semantic_keywords": keywords, "aliases": aliases}


def _out(name: str, keywords: list[str], *, kind: str = "processing_output", data_type: str = "S3Uri",
         aliases: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"logical_name": name, "kind": kind, "data_type": data_type, "semantic_keywords": keywords,
            "aliases": list(aliases), "property_path": f"properties.Outputs['{name}']"}


class _Builder:
    """Builds one family: its specs and its sub-pipeline."""

    def __init__(self, word: str, shape: str, generic: bool, rng: random.Random) -> None:
        self.family = Family(word, shape, generic)
        self.w = word
        self.cap = word.capitalize()
        self.generic = generic
        self.rng = rng

    def name(self, role: str) -> str:
        """A port name: the shared one for generic families, the domain's own otherwise."""
        return role if self.generic else f"{self.w}_{role}"

    def spec(self, suffix: str, kind: str, deps: list[dict[str, Any]], outs: list[dict[str, Any]],
             variants: dict[str, Any] | None = None) -> str:
        step = f"{self.cap}{suffix}"
        spec: dict[str, Any] = {"step_type": step, "sagemaker_step_kind": kind, "dependencies": deps,
                                "outputs": outs, "description": f"{suffix} for the {self.w} domain"}
        if variants:
            spec["job_type_variants"] = variants
        self.family.specs.append(spec)
        return step

    def node(self, step: str, job: str | None) -> str:
        suffix = step + (f"_{job}" if job else "")
        self.family.nodes.append((suffix, step, job))
        return suffix

    def edge(self, a: str, b: str) -> None:
        self.family.edges.append((a, b))

    def split_variants(self, out: str, words: list[str]) -> dict[str, Any]:
        """Job-type variants that add the chain's word to an output's keywords (as cursus specs do)."""
        if self.rng.random() < 0.5:
            return {}
        return {job: {"outputs": {out: {"semantic_keywords": [*words, job]}}} for job in SPLITS}

    # ------------------------------------------------------------------ shared pieces

    def loading(self) -> str:
        w = self.w
        outs = [_out(self.name("raw_data"), ["raw", "dataset", w], data_type="raw_tabular"),
                _out(self.name("metadata"), ["metadata", "schema", w])]
        return self.spec("DataLoading", "Processing", [], outs, self.split_variants(self.name("raw_data"),
                                                                                      ["raw", "dataset", w]))

    def preprocessing(self, loader: str) -> str:
        w = self.w
        deps = [_dep("input_data", [loader], ["raw", w], [self.name("raw_data")], types=("raw_tabular",)),
                _dep("metadata", [loader], ["schema", w], [self.name("metadata")], required=False),
                _dep("config_file", ["ConfigUpload"], ["config"], ["config"], required=False)]
        out = self.name("processed_data")
        outs = [_out(out, ["processed", "tabular", w], data_type="processed_tabular")]
        return self.spec("Preprocessing", "Processing", deps, outs,
                         self.split_variants(out, ["processed", "tabular", w]))

    def features(self, previous: str, previous_out: str, k: int) -> tuple[str, str]:
        w = self.w
        out = self.name(f"features_{k}")
        deps = [_dep("input_data", [previous], [w, "features"], [previous_out], types=("processed_tabular",))]
        outs = [_out(out, ["features", w, f"stage{k}"], data_type="processed_tabular")]
        return self.spec(f"FeatureStage{k}", "Processing", deps, outs), out

    def training(self, suffix: str, data_source: str, data_out: str) -> str:
        w = self.w
        deps = [_dep("training_data", [data_source], ["training", "processed", w], [data_out], kind="training_data",
                     types=("processed_tabular",)),
                _dep("hyperparameters", ["HyperparameterUpload"], ["hyperparameters"], [], kind="hyperparameters",
                     required=False)]
        outs = [_out(self.name(f"{suffix.lower()}_model"), ["model", "artifacts", w], kind="model_artifacts",
                     data_type="model_artifacts", aliases=(self.name("model_artifacts"),))]
        return self.spec(suffix, "Training", deps, outs)

    def inference(self, trainer: str, model_out: str, data_source: str, data_out: str) -> str:
        w = self.w
        deps = [_dep("model_input", [trainer], ["model", w], [model_out], kind="model_artifacts",
                     types=("model_artifacts",)),
                _dep("processed_data", [data_source], ["processed", "evaluation", w], [data_out],
                     types=("processed_tabular",))]
        outs = [_out(self.name("predictions"), ["predictions", "scores", w], data_type="predictions")]
        return self.spec("Inference", "Processing", deps, outs)


def _e2e(b: _Builder) -> None:
    rng = b.rng
    depth = rng.choice((0, 0, 1, 2, 3))
    loader = b.loading()
    prep = b.preprocessing(loader)
    last, last_out = prep, b.name("processed_data")
    stages = []
    for k in range(1, depth + 1):
        last, last_out = b.features(last, last_out, k)
        stages.append(last)
    trainer = b.training("Training", last, last_out)
    model_out = b.name("training_model")
    infer = b.inference(trainer, model_out, last, last_out)
    preds = b.name("predictions")
    w = b.w
    calib = b.spec("Calibration", "Processing",
                   [_dep("predictions", [f"{infer}:calibration"], ["predictions", "calibration", w], [preds],
                         types=("predictions",))],
                   [_out(b.name("calibration_model"), ["calibration", "model", w])])
    metrics = b.spec("Metrics", "Processing",
                     [_dep("predictions", [infer], ["predictions", "testing", w], [preds], types=("predictions",))],
                     [_out(b.name("metrics"), ["metrics", "report", w], data_type="metrics")])
    package = b.spec("Package", "Processing",
                     [_dep("model", [trainer], ["model", w], [model_out], kind="model_artifacts",
                           types=("model_artifacts",)),
                      _dep("calibration_model", [calib], ["calibration", w], [b.name("calibration_model")],
                           required=False)],
                     [_out(b.name("packaged_model"), ["packaged", "model", w])])
    register = b.spec("Registration", "RegisterModel",
                      [_dep("packaged_model", [package], ["packaged", w], [b.name("packaged_model")]),
                       _dep("metrics", [metrics], ["metrics", w], [b.name("metrics")], types=("metrics",),
                            required=False)],
                      [_out(b.name("model_package"), ["registered", w], data_type="model_package")])
    # The sub-pipeline: three chains up to the data, one model, two scored chains.
    chain_end: dict[str, str] = {}
    for job in SPLITS:
        a = b.node(loader, job)
        p = b.node(prep, job)
        b.edge(a, p)
        previous = p
        for stage in stages:
            s = b.node(stage, job)
            b.edge(previous, s)
            previous = s
        chain_end[job] = previous
    t = b.node(trainer, None)
    b.edge(chain_end["training"], t)
    scored: dict[str, str] = {}
    for job in ("calibration", "testing"):
        i = b.node(infer, job)
        b.edge(t, i)
        b.edge(chain_end[job], i)
        scored[job] = i
    c = b.node(calib, "calibration")
    b.edge(scored["calibration"], c)
    m = b.node(metrics, "testing")
    b.edge(scored["testing"], m)
    pk = b.node(package, None)
    b.edge(t, pk)
    b.edge(c, pk)
    r = b.node(register, None)
    b.edge(pk, r)
    b.edge(m, r)


def _fanout(b: _Builder) -> None:
    w = b.w
    loader = b.loading()
    prep = b.preprocessing(loader)
    data = b.name("processed_data")
    first = b.training("XGBTraining", prep, data)
    second = b.training("LGBMTraining", prep, data)
    first_out, second_out = b.name("xgbtraining_model"), b.name("lgbmtraining_model")
    ensemble = b.spec("Ensemble", "Processing",
                      [_dep("first_model", [first], ["xgb", w], [first_out], kind="model_artifacts",
                            types=("model_artifacts",)),
                       _dep("second_model", [second], ["lgbm", w], [second_out], kind="model_artifacts",
                            types=("model_artifacts",))],
                      [_out(b.name("ensemble_model"), ["ensemble", "model", w], kind="model_artifacts",
                            data_type="model_artifacts")])
    infer = b.inference(ensemble, b.name("ensemble_model"), prep, data)
    metrics = b.spec("Metrics", "Processing",
                     [_dep("predictions", [infer], ["predictions", w], [b.name("predictions")],
                           types=("predictions",))],
                     [_out(b.name("metrics"), ["metrics", "report", w], data_type="metrics")])
    chains = {}
    for job in ("training", "testing"):
        a = b.node(loader, job)
        p = b.node(prep, job)
        b.edge(a, p)
        chains[job] = p
    x = b.node(first, None)
    g = b.node(second, None)
    b.edge(chains["training"], x)
    b.edge(chains["training"], g)
    e = b.node(ensemble, None)
    b.edge(x, e)
    b.edge(g, e)
    i = b.node(infer, "testing")
    b.edge(e, i)
    b.edge(chains["testing"], i)
    m = b.node(metrics, "testing")
    b.edge(i, m)


def _deep(b: _Builder) -> None:
    depth = b.rng.randint(8, 20)
    loader = b.loading()
    prep = b.preprocessing(loader)
    last, last_out = prep, b.name("processed_data")
    types = []
    for k in range(1, depth + 1):
        last, last_out = b.features(last, last_out, k)
        types.append(last)
    trainer = b.training("Training", last, last_out)
    a = b.node(loader, None)
    p = b.node(prep, None)
    b.edge(a, p)
    previous = p
    for step in types:
        s = b.node(step, None)
        b.edge(previous, s)
        previous = s
    t = b.node(trainer, None)
    b.edge(previous, t)


_SHAPES = {"e2e": _e2e, "fanout": _fanout, "deep": _deep}


def make_families(n_types: int, seed: int = 0, generic_families: int = 3) -> tuple[list[Family], list[dict[
        str, Any]]]:
    """Families whose step types fill a catalog of about `n_types` types, then single filler types."""
    rng = random.Random(seed)
    words = _words(rng)
    families: list[Family] = []
    count = 0
    while True:
        shape = rng.choices(("e2e", "fanout", "deep"), weights=(6, 2, 1))[0]
        generic = len(families) % 8 == 3 and sum(f.generic for f in families) < generic_families
        builder = _Builder(next(words), shape, generic, rng)
        _SHAPES[shape](builder)
        if count + len(builder.family.specs) > n_types:
            break
        families.append(builder.family)
        count += len(builder.family.specs)
    fillers = []
    while count < n_types:  # a few stand-alone types: a data loader of a domain no pipeline uses
        word = next(words)
        fillers.append({"step_type": f"{word.capitalize()}Export", "sagemaker_step_kind": "Processing",
                        "dependencies": [_dep("input_data", [], ["export", word], [f"{word}_input"])],
                        "outputs": [_out(f"{word}_export", ["export", word])]})
        count += 1
    return families, fillers


def make_registry(families: list[Family], fillers: list[dict[str, Any]]) -> SpecRegistry:
    registry = SpecRegistry()
    for family in families:
        for spec in family.specs:
            registry.add(StepSpecification.model_validate(spec), f"<synthetic {family.word}>")
    for spec in fillers:
        registry.add(StepSpecification.model_validate(spec), "<synthetic filler>")
    return registry


def make(n_nodes: int, n_types: int, seed: int = 0, generic_families: int = 3) -> Synthetic:
    """A catalog of `n_types` step types and a pipeline of about `n_nodes` nodes over it."""
    families, fillers = make_families(n_types, seed, generic_families)
    if not families:
        raise ValueError(f"a catalog of {n_types} step types is too small for one family")
    registry = make_registry(families, fillers)
    rng = random.Random(seed + 1)
    chosen: list[Family] = []
    count = 0
    while count < n_nodes:
        family = families[len(chosen) % len(families)]
        chosen.append(family)
        count += len(family.nodes)
    uses = {f.word: chosen.count(f) for f in chosen}
    nodes: list[PipelineNode] = []
    expected: set[tuple[str, str]] = set()
    written: list[tuple[str, str]] = []
    copies: dict[str, int] = {}
    for family in chosen:
        copy = copies.get(family.word, 0)
        copies[family.word] = copy + 1
        tag = "" if copy == 0 else f"_copy{copy}"
        for suffix, step, job in family.nodes:
            nodes.append(PipelineNode(suffix + tag, step, job))
        for a, b in family.edges:
            expected.add((a + tag, b + tag))
            if uses[family.word] > 1:  # the specs cannot tell two copies apart: their edges are written
                written.append((a + tag, b + tag))
    used = len(chosen)
    rng.shuffle(nodes)
    pipeline = PipelineDefinition(tuple(nodes), tuple(sorted(written)), f"synthetic_{n_nodes}_{n_types}_{seed}",
                                  "<synthetic>")
    reused = sum(c - 1 for c in copies.values())
    return Synthetic(registry, pipeline, frozenset(expected), used, reused)


def with_gaps(synthetic: Synthetic, families: int = 1) -> tuple[PipelineDefinition, set[str]]:
    """One e2e family's sub-pipeline with its preprocessing steps left out: the gaps to fill.

    Returns the pipeline and the step types the removed nodes had.
    """
    nodes = synthetic.pipeline.nodes
    preps = sorted({n.step_type for n in nodes if n.step_type.endswith("Preprocessing")})
    chosen = []
    for step in preps:
        word = step.removesuffix("Preprocessing")
        members = [n for n in nodes if n.step_type.startswith(word) and "_copy" not in n.name]
        if any(n.step_type.endswith("Calibration") for n in members):
            chosen.append((step, members))
        if len(chosen) == families:
            break
    kept = tuple(n for step, members in chosen for n in members if n.step_type != step)
    return PipelineDefinition(kept, (), f"gaps_{families}", "<synthetic>"), {step for step, _ in chosen}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--nodes", type=int, default=100)
    parser.add_argument("--types", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    s = make(args.nodes, args.types, args.seed)
    jobs: dict[str, int] = {}
    for n in s.pipeline.nodes:
        jobs[n.job_type or "none"] = jobs.get(n.job_type or "none", 0) + 1
    print(f"{len(s.registry)} step types, {len(s.pipeline.nodes)} nodes, {len(s.expected)} intended edges, "
          f"{s.families} families ({s.reused} reused, {len(s.pipeline.edges)} written edges), jobs {jobs}")


if __name__ == "__main__":
    main()

"""The policy vocabulary: what a policy may read, and what it may derive for specwire to read.

docs/policies.md documents each predicate; `specwire rules check` checks files against this contract.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Predicate:
    """One predicate of the policy vocabulary."""

    signature: str
    meaning: str
    #: "pipeline", "wiring", "catalog", "context", "derived by specwire"; "output" for what a policy derives.
    group: str


#: What a policy may read, and (group "output") what it may derive. docs/policies.md documents each.
VOCABULARY: tuple[Predicate, ...] = (
    Predicate("node/1", "N is a node the pipeline names (a string)", "pipeline"),
    Predicate("node_step/2", "node N is of step type T (a string, e.g. \"XGBoostTraining\")", "pipeline"),
    Predicate("node_job/2", "node N has job type J (training, calibration, ...; `none` when it has none)",
              "pipeline"),
    Predicate("explicit/2", "the pipeline file has an edge N1 -> N2", "pipeline"),
    Predicate("use/4", "the chosen wiring: output O of N1 feeds dependency D of N2", "wiring"),
    Predicate("wired/2", "the chosen wiring at node level: N1 feeds N2", "wiring"),
    Predicate("provided/2", "dependency D of node N is wired", "wiring"),
    Predicate("insert/1", "step new(T, J) is inserted to fill a gap (with --fill-gaps)", "wiring"),
    Predicate("present/1", "N is a node of the final pipeline, written or inserted", "wiring"),
    Predicate("step_of/2", "node N of the final pipeline, written or inserted, is of step type T", "wiring"),
    Predicate("job_of/2", "node N of the final pipeline has job type J (`none` when it has none)", "wiring"),
    Predicate("edge_type/5", "chosen edge use(N1, O, N2, D) carries data of type DT", "wiring"),
    Predicate("step_kind/2", "step type T is built as a SageMaker step of kind K (\"Training\", "
              "\"Processing\", \"Tuning\", \"Transform\", \"CreateModel\", \"RegisterModel\", \"Condition\", ...)",
              "catalog"),
    Predicate("output_type/3", "output O of step type T holds data of type DT (raw_tabular, model_artifacts, ...)",
              "catalog"),
    Predicate("input_type/3", "dependency D of step type T accepts data of type DT", "catalog"),
    Predicate("environment/1", "the pipeline runs in environment E (dev, prod, ...), when its context names one",
              "context"),
    Predicate("context/2", "field F of the pipeline's context has value V (region, data_size_gb, ...)", "context"),
    Predicate("config/3", "field F of node N's generated config has value V (instance_type, "
              "\"hyperparameters.max_depth\", ...)", "context"),
    Predicate("instance_type/2", "node N runs on instance type T (\"ml.m5.xlarge\"; any config field named "
              "instance_type)", "context"),
    Predicate("instance_family/2", "node N runs on instances of family F (\"m5\", \"g5\", \"p3\", ...)", "context"),
    Predicate("gpu_instance/2", "node N runs on GPU instance type T (families g* and p*)", "context"),
    Predicate("violation/3", "violation(Id, Message, Args): a hard rule is broken; the pipeline fails", "output"),
    Predicate("prefer/3", "prefer(Id, Weight, Args): a soft cost; the wiring with the least total is chosen",
              "output"),
)

#: Signatures a policy derives for specwire to read.
OUTPUTS = frozenset(p.signature for p in VOCABULARY if p.group == "output")
#: Signatures a policy may read.
READABLE = frozenset(p.signature for p in VOCABULARY if p.group != "output")

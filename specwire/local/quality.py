"""A data-quality check (SageMaker's QualityCheck step) on this machine.

SageMaker runs Model Monitor's analyzer image (Deequ on Spark), which a local run cannot. This
emulation writes the same two files in the same format from the CSV baseline dataset, with the
Python standard library, so the steps after it (a model registration reading the baseline) run
as they would on SageMaker:

- `statistics.json`: per column its inferred type (Integral, Fractional, String), present and
  missing counts, and mean, sum, standard deviation, min and max of numbers or the distinct
  values (with counts) of strings;
- `constraints.json`: per column its type, completeness, `is_non_negative` for numbers and the
  domain of strings (the suggested constraints), with the analyzer's default `monitoring_config`.

With a supplied baseline and `SkipCheck` false, the data is checked against its constraints
(missing and extra columns, data type, completeness, negative values, values outside a string
domain) and `constraint_violations.json` written; violations fail the step when
`FailOnViolation` holds, as on SageMaker. The statistics are exact, not the analyzer's sketches
(its KLL distributions are left out), so numbers can differ from SageMaker's in the last digits.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from specwire.files import atomic_write
from specwire.local.context import Outcome, RunContext
from specwire.local.sandbox import StepFailed

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"
#: The analyzer's own defaults for a suggested baseline.
MONITORING_CONFIG = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "distribution_constraints": {"perform_comparison": "Enabled", "comparison_threshold": 0.1,
                                 "comparison_method": "Robust"},
}
#: Distinct values of a string column up to which its domain becomes a constraint.
MAX_DOMAIN = 20


def quality_check_problem(step: Mapping[str, Any]) -> str | None:
    """Why this QualityCheck step cannot run here, or None."""
    if step.get("CheckType") != "DATA_QUALITY":
        return f"a {step.get('CheckType')} check does not run locally (a DATA_QUALITY check does)"
    format_text = ((step.get("Arguments") or {}).get("Environment") or {}).get("dataset_format", "")
    if "csv" not in str(format_text):
        return "only a CSV baseline dataset is checked locally"
    skip = step.get("SkipCheck")
    if skip is not True and step.get("SuppliedBaselineStatistics") is None and step.get("ModelPackageGroupName"):
        return ("it checks against the latest approved model of a model package group, which only SageMaker's "
                "model registry knows; supply the baseline (baseline_statistics=, baseline_constraints=) or "
                "skip the check")
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _integral(text: str) -> bool:
    try:
        int(text)
    except ValueError:
        return False
    return True


def _type(values: list[str]) -> str:
    """The analyzer's inferred type of a column's present values."""
    if not values:
        return "Unknown"
    if any(_number(v) is None for v in values):
        return "String"
    return "Integral" if all(_integral(v) for v in values) else "Fractional"


def read_table(folder: Path, header: bool) -> tuple[list[str], list[list[str]]]:
    """Column names and rows of every CSV file under `folder` (files read in name order)."""
    # The analyzer reads every file of its input (the builder names the one data file).
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    if not files:
        raise StepFailed(f"the baseline dataset {folder} holds no file")
    names: list[str] | None = None
    rows: list[list[str]] = []
    for path in files:
        reader = csv.reader(io.StringIO(path.read_text(encoding="utf-8")))
        lines = [row for row in reader if row]
        if header and lines:
            found, lines = lines[0], lines[1:]
            if names is not None and found != names:
                raise StepFailed(f"{path.name} has other columns than the first file of the baseline dataset")
            names = found
        rows += lines
    width = max((len(r) for r in rows), default=len(names or []))
    names = names or [f"_c{i}" for i in range(width)]
    bad = next((i for i, r in enumerate(rows) if len(r) != len(names)), None)
    if bad is not None:
        raise StepFailed(f"record {bad + 1} of the baseline dataset has {len(rows[bad])} fields, "
                         f"the header {len(names)}")
    return names, rows


def statistics(names: list[str], rows: list[list[str]]) -> dict[str, Any]:
    features = []
    for i, name in enumerate(names):
        present = [r[i] for r in rows if r[i] != ""]
        kind = _type(present)
        common = {"num_present": len(present), "num_missing": len(rows) - len(present)}
        feature: dict[str, Any] = {"name": name, "inferred_type": kind}
        if kind in ("Integral", "Fractional"):
            values = [float(v) for v in present]
            mean = sum(values) / len(values)
            deviation = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
            feature["numerical_statistics"] = {"common": common, "mean": mean, "sum": sum(values),
                                               "std_dev": deviation, "min": min(values), "max": max(values)}
        else:
            counts = Counter(present)
            feature["string_statistics"] = {
                "common": common, "distinct_count": float(len(counts)),
                "distribution": {"categorical": {"buckets": [{"value": v, "count": c}
                                                             for v, c in sorted(counts.items())]}}}
        features.append(feature)
    return {"version": 0.0, "dataset": {"item_count": len(rows)}, "features": features}


def constraints(stats: Mapping[str, Any]) -> dict[str, Any]:
    features = []
    for feature in stats["features"]:
        entry: dict[str, Any] = {"name": feature["name"], "inferred_type": feature["inferred_type"]}
        if "numerical_statistics" in feature:
            numbers = feature["numerical_statistics"]
            common = numbers["common"]
            entry["num_constraints"] = {"is_non_negative": numbers["min"] >= 0}
        else:
            common = feature.get("string_statistics", {}).get("common", {"num_present": 0, "num_missing": 0})
            buckets = feature.get("string_statistics", {}).get("distribution", {}).get("categorical", {}).get(
                "buckets", [])
            if 0 < len(buckets) <= MAX_DOMAIN:
                entry["string_constraints"] = {"domains": [b["value"] for b in buckets]}
        total = common["num_present"] + common["num_missing"]
        entry["completeness"] = common["num_present"] / total if total else 1.0
        features.append(entry)
    return {"version": 0.0, "features": features, "monitoring_config": dict(MONITORING_CONFIG)}


def violations(current: Mapping[str, Any], baseline: Mapping[str, Any]) -> list[dict[str, str]]:
    """What the data (its statistics and suggested constraints) breaks of the baseline's constraints."""
    found: list[dict[str, str]] = []
    mine = {f["name"]: f for f in current["features"]}
    theirs = {f["name"]: f for f in baseline.get("features", [])}

    def add(name: str, check: str, description: str) -> None:
        found.append({"feature_name": name, "constraint_check_type": check, "description": description})

    for name in theirs.keys() - mine.keys():
        add(name, "missing_column_check", f"the baseline's column {name!r} is not in the data")
    for name in mine.keys() - theirs.keys():
        add(name, "extra_column_check", f"the data's column {name!r} is not in the baseline")
    for name in sorted(mine.keys() & theirs.keys()):
        have, want = mine[name], theirs[name]
        if want.get("inferred_type") in ("Integral", "Fractional") and have["inferred_type"] == "String":
            add(name, "data_type_check", f"{name!r} holds text; the baseline's type is {want['inferred_type']}")
        if have["completeness"] < float(want.get("completeness", 0.0)) - 1e-12:
            add(name, "completeness_check", f"{name!r} is {have['completeness']:.4f} complete; the baseline "
                                            f"requires {want['completeness']:.4f}")
        if want.get("num_constraints", {}).get("is_non_negative") and have.get(
                "num_constraints", {}).get("is_non_negative") is False:
            add(name, "negative_values_check", f"{name!r} has negative values; the baseline has none")
        domain = want.get("string_constraints", {}).get("domains")
        values = have.get("string_constraints", {}).get("domains")
        if domain and values and set(values) - set(domain):
            outside = sorted(set(values) - set(domain))[:5]
            add(name, "categorical_values_check", f"{name!r} has values outside the baseline's domain: {outside}")
    return sorted(found, key=lambda v: (v["feature_name"], v["constraint_check_type"]))


def run_quality_check(name: str, arguments: dict[str, Any], step: Mapping[str, Any], ctx: RunContext) -> Outcome:
    problem = quality_check_problem(step)
    if problem:
        raise StepFailed(problem)
    container = ctx.container(name)
    container.prepare()
    (dataset,) = arguments.get("ProcessingInputs") or [None]
    if not dataset or not dataset.get("S3Input"):
        raise StepFailed("the check has no baseline dataset input")
    uri = str(dataset["S3Input"]["S3Uri"])
    if not ctx.s3.exists(uri):
        raise StepFailed(f"baseline dataset: nothing at {uri}")
    folder = container.host(str(dataset["S3Input"]["LocalPath"]))
    ctx.s3.download(uri, folder, dataset["S3Input"].get("S3DataType", "S3Prefix"))
    data_format = json.loads(str((arguments.get("Environment") or {}).get("dataset_format") or "{}"))
    header = bool(data_format.get("csv", {}).get("header", True))
    names, rows = read_table(folder, header)
    stats = statistics(names, rows)
    suggested = constraints(stats)
    (output,) = (arguments.get("ProcessingOutputConfig") or {}).get("Outputs") or [None]
    if not output:
        raise StepFailed("the check has no output location")
    out_uri = str(output["S3Output"]["S3Uri"]).rstrip("/")
    target = ctx.s3.path(out_uri)
    atomic_write(target / STATISTICS_FILE, json.dumps(stats, indent=2) + "\n")
    atomic_write(target / CONSTRAINTS_FILE, json.dumps(suggested, indent=2) + "\n")
    container.note(f"baseline of {len(rows)} records, {len(names)} columns: {out_uri}/{STATISTICS_FILE}, "
                   f"{CONSTRAINTS_FILE}")
    scope = ctx.scope
    skip = bool(scope.evaluate(step.get("SkipCheck", False)))
    fail = bool(scope.evaluate(step.get("FailOnViolation", True)))
    register = bool(scope.evaluate(step.get("RegisterNewBaseline", False)))
    supplied = (scope.evaluate(step.get("SuppliedBaselineStatistics")),
                scope.evaluate(step.get("SuppliedBaselineConstraints")))
    calculated = (f"{out_uri}/{STATISTICS_FILE}", f"{out_uri}/{CONSTRAINTS_FILE}")
    files = {"statistics": str(target / STATISTICS_FILE), "constraints": str(target / CONSTRAINTS_FILE)}
    if not skip:
        if supplied[1] is None:
            raise StepFailed("the check is not skipped but no baseline constraints were supplied")
        found = violations(suggested, ctx.s3.read_json(str(supplied[1])))
        atomic_write(target / VIOLATIONS_FILE, json.dumps({"violations": found}, indent=2) + "\n")
        files["violations"] = str(target / VIOLATIONS_FILE)
        for violation in found:
            container.note(f"violation: {violation['constraint_check_type']}: {violation['description']}")
        if found and fail:
            first = found[0]
            raise StepFailed(f"{len(found)} data-quality violation(s) of the baseline {supplied[1]}, e.g. "
                             f"{first['constraint_check_type']}: {first['description']} (see {VIOLATIONS_FILE})")
    used = calculated if register or supplied[0] is None else (str(supplied[0]), str(supplied[1]))
    properties = {
        "CalculatedBaselineStatistics": calculated[0],
        "CalculatedBaselineConstraints": calculated[1],
        "BaselineUsedForDriftCheckStatistics": used[0],
        "BaselineUsedForDriftCheckConstraints": used[1],
    }
    return Outcome(properties, files)

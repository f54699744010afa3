"""Import of the cursus catalog format (`specs.json` with `step_specifications`).

Teams with an existing spec-driven catalog bring it over unchanged: the format is detected by
content and converted field by field into specwire's spec models. Job-type variants hold
`dependency_overrides` / `output_overrides` that are deep-merged over the base spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from specwire.errors import SpecPackError

_STEP_KINDS = {
    "processing": "Processing",
    "training": "Training",
    "tuning": "Tuning",
    "createmodel": "CreateModel",
    "transform": "Transform",
    "registermodel": "RegisterModel",
    "condition": "Condition",
    "fail": "Fail",
    "lambda": "Lambda",
}

_DEP_FIELDS = {
    "logical_name": "logical_name",
    "dependency_type": "kind",
    "type": "kind",
    "required": "required",
    "compatible_sources": "compatible_sources",
    "semantic_keywords": "semantic_keywords",
    "data_type": "data_types",
    "aliases": "aliases",
    "description": "description",
}

_OUT_FIELDS = {
    "logical_name": "logical_name",
    "output_type": "kind",
    "type": "kind",
    "data_type": "data_type",
    "aliases": "aliases",
    "property_path": "property_path",
    "semantic_keywords": "semantic_keywords",
    "description": "description",
}


def is_cursus_catalog(document: Mapping[str, Any]) -> bool:
    return "step_specifications" in document


def catalog_entries(document: Mapping[str, Any], source: str) -> list[Any]:
    entries = document["step_specifications"]
    if isinstance(entries, Mapping):
        return [entries[k] for k in entries]
    if not isinstance(entries, list):
        raise SpecPackError(f"{source}: step_specifications must be a list or a mapping of step specifications")
    return entries


def convert_spec(entry: Mapping[str, Any], source: str, where: str) -> dict[str, Any]:
    name = entry.get("step_type", "?")
    label = f"{where} ({name})"
    out: dict[str, Any] = {}
    for key, value in entry.items():
        if key == "step_type" or key == "description":
            out[key] = value
        elif key == "sagemaker_step_type":
            out["sagemaker_step_kind"] = _STEP_KINDS.get(str(value).lower().replace("_", ""), "Custom")
        elif key == "dependencies":
            out["dependencies"] = [_port(d, _DEP_FIELDS, source, f"{label}.dependencies[{i}]") for i, d in
                                   enumerate(_as_list(value, source, f"{label}.dependencies"))]
        elif key == "outputs":
            out["outputs"] = [_port(o, _OUT_FIELDS, source, f"{label}.outputs[{i}]") for i, o in
                              enumerate(_as_list(value, source, f"{label}.outputs"))]
        elif key == "job_type_variants":
            out["job_type_variants"] = _variants(value or {}, source, f"{label}.job_type_variants")
        elif key in ("node_type", "script_contract", "version"):
            continue  # cursus bookkeeping with no dependency meaning
        else:
            raise SpecPackError(f"{source}: {label}.{key}: unknown field in a cursus step specification")
    return out


def _as_list(value: Any, source: str, where: str) -> list[Any]:
    if isinstance(value, Mapping):
        return [dict(v, logical_name=v.get("logical_name", k)) if isinstance(v, Mapping) else v
                for k, v in value.items()]
    if not isinstance(value, list):
        raise SpecPackError(f"{source}: {where}: expected a list")
    return value


def _port(port: Any, fields: Mapping[str, str], source: str, where: str) -> dict[str, Any]:
    if not isinstance(port, Mapping):
        raise SpecPackError(f"{source}: {where}: expected a mapping, found {type(port).__name__}")
    out: dict[str, Any] = {}
    for key, value in port.items():
        target = fields.get(key)
        if target is None:
            raise SpecPackError(f"{source}: {where}.{key}: unknown field in a cursus port specification")
        if target == "data_types":
            value = [value] if isinstance(value, str) else value
        out[target] = value
    return out


def _variants(value: Any, source: str, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise SpecPackError(f"{source}: {where}: expected a mapping of job type to overrides")
    out: dict[str, Any] = {}
    for job, overrides in value.items():
        if not isinstance(overrides, Mapping):
            raise SpecPackError(f"{source}: {where}.{job}: expected a mapping")
        deps = overrides.get("dependency_overrides") or {}
        outs = overrides.get("output_overrides") or {}
        for name, given in (("dependency_overrides", deps), ("output_overrides", outs)):
            if not isinstance(given, Mapping):
                raise SpecPackError(f"{source}: {where}.{job}.{name}: expected a mapping of port name to fields, "
                                    f"found {type(given).__name__}",
                                    suggested_fix=f"write {name} as {{port_name: {{field: value}}}}")
        extra = sorted(set(overrides) - {"dependency_overrides", "output_overrides"}, key=str)
        if extra:
            raise SpecPackError(f"{source}: {where}.{job}.{extra[0]}: unknown field in a job-type variant")
        out[str(job)] = {
            "dependencies": {k: _port(v, _DEP_FIELDS, source, f"{where}.{job}.dependency_overrides.{k}")
                             for k, v in deps.items()},
            "outputs": {k: _port(v, _OUT_FIELDS, source, f"{where}.{job}.output_overrides.{k}")
                        for k, v in outs.items()},
        }
    return out


# --------------------------------------------------------------------------- migration to a spec pack

#: cursus `sagemaker_step_type` -> the `implementation:` kind of the migrated step.
_MIGRATED_KINDS = {"processing": "processing", "training": "training", "tuning": "training",
                   "createmodel": "model", "transform": "transform"}


def _snake(name: str) -> str:
    """`PyTorchModelEval` -> `pytorch_model_eval`: brand names stay one word."""
    for brand in ("PyTorch", "XGBoost", "LightGBM", "LightGBMMT"):
        name = name.replace(brand, brand[0] + brand[1:].lower())
    out = ""
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            out += "_"
        out += ch.lower()
    return "".join(c if c.isalnum() else "_" for c in out)


def _framework_of(step_type: str) -> str:
    lowered = step_type.lower()
    if "xgboost" in lowered:
        return "xgboost"
    if "pytorch" in lowered or "torch" in lowered:
        return "pytorch"
    return "sklearn"


def migrate_catalog(document: Any, source: str) -> tuple[dict[str, Any], list[str]]:
    """A cursus catalog as a specwire spec pack with an `implementation:` block per step type, and
    what the team must still fill in (one line each: images of steps on internal SDKs, scripts).

    The kind follows `sagemaker_step_type` (Tuning is migrated as a training job; a step type on
    an internal SDK as a processing job whose image the team must give); the script is named after
    the step type (`scripts/<step_type>.py`); the image is the SageMaker image of a framework
    guessed from the name (XGBoost, PyTorch, else scikit-learn).
    """
    if not isinstance(document, Mapping) or not is_cursus_catalog(document):
        raise SpecPackError(f"{source}: not a cursus catalog (no 'step_specifications')",
                            suggested_fix="give the cursus specs.json file")
    specs: list[dict[str, Any]] = []
    todo: list[str] = []
    for i, entry in enumerate(catalog_entries(document, source)):
        if not isinstance(entry, Mapping):
            raise SpecPackError(f"{source}: step_specifications[{i}] must be a mapping")
        spec = convert_spec(entry, source, f"step_specifications[{i}]")
        step_type = str(spec.get("step_type", f"step_{i}"))
        raw_kind = str(entry.get("sagemaker_step_type", "Processing"))
        kind = _MIGRATED_KINDS.get(raw_kind.lower().replace("_", ""))
        script = f"scripts/{_snake(step_type)}.py"
        framework = _framework_of(step_type)
        implementation: dict[str, Any]
        if kind is None:
            implementation = {"kind": "processing", "framework": "sklearn", "script": script}
            todo.append(f"{step_type}: runs on an internal SDK ({raw_kind}); set implementation.image_uri to its "
                        "image and check its script")
        elif kind == "transform":
            implementation = {"kind": "transform"}
        elif kind == "model":
            implementation = {"kind": "model", "framework": framework}
            todo.append(f"{step_type}: check the serving image (framework {framework}) or set image_uri")
        else:
            implementation = {"kind": kind, "framework": framework, "script": script}
            if raw_kind.lower() == "tuning":
                todo.append(f"{step_type}: a tuning step, migrated as one training job; tune it with a plugin")
        if "script" in implementation:
            todo.append(f"{step_type}: write {script} (the step's {implementation['kind']} script)")
        spec["implementation"] = implementation
        specs.append(spec)
    return {"description": f"Migrated from the cursus catalog {source} by `specwire migrate cursus`.",
            "specs": specs}, todo

"""The definition's expressions, evaluated as SageMaker Pipelines evaluates them.

A value in a step's arguments is plain JSON, or one of the pipeline functions the SDK writes:

- `{"Get": "Parameters.NAME"}`, `{"Get": "Execution.VARIABLE"}`, `{"Get": "Steps.STEP.<path>"}`
  (a property of a step that ran: `ProcessingOutputConfig.Outputs['train_data'].S3Output.S3Uri`,
  `ModelArtifacts.S3ModelArtifacts`, `TrainingJobSummaries[0].TrainingJobName`, ...);
- `{"Std:Join": {"On": SEP, "Values": [...]}}`;
- `{"Std:JsonGet": {"PropertyFile": {"Get": "Steps.STEP.PropertyFiles.NAME"}, "Path": "a.b[0]"}}`
  (or `"S3Uri"` instead of `"PropertyFile"`): a value read from a JSON file a step wrote.

Conditions (`ConditionStep`) are evaluated by `condition_holds`. Nothing here touches files
itself: reading a property file goes through the `read_json` callback the runner gives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from specwire.errors import BadInputError


class ExpressionError(Exception):
    """An expression that cannot be evaluated at run time (the step that holds it fails)."""


#: `Name`, `Name[0]`, `Name['key']`, `Name["key"]` segments of a property path.
_SEGMENT = re.compile(r"""\.?([A-Za-z_][A-Za-z0-9_:]*)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]""")

#: Execution variables SageMaker resolves (`Execution.*`), besides the pipeline's parameters.
EXECUTION_VARIABLES = (
    "PipelineName",
    "PipelineArn",
    "PipelineExecutionId",
    "PipelineExecutionArn",
    "StartDateTime",
    "CurrentDateTime",
    "PipelineExperimentName",
    "PipelineExperimentTrialName",
)


def path_segments(path: str) -> list[str | int]:
    """`Outputs['a'].S3Output.S3Uri` -> ['Outputs', 'a', 'S3Output', 'S3Uri'] (ints for [0])."""
    segments: list[str | int] = []
    position = 0
    while position < len(path):
        match = _SEGMENT.match(path, position)
        if match is None or match.end() == position:
            raise ExpressionError(f"cannot read the property path {path!r} at {path[position:]!r}")
        name, index, single, double = match.groups()
        if index is not None:
            segments.append(int(index))
        else:
            segments.append(next(v for v in (name, single, double) if v is not None))
        position = match.end()
    return segments


def _named(items: list[Any], key: str) -> Any:
    """A list element selected by name, as SageMaker does for `Outputs['train_data']`: the item
    whose `...Name` field (OutputName, ChannelName, ...) is `key`."""
    for item in items:
        if isinstance(item, Mapping) and any(k.endswith("Name") and v == key for k, v in item.items()):
            return item
    raise KeyError(key)


def walk(value: Any, segments: list[str | int], where: str) -> Any:
    """Follow property-path segments into nested dicts and lists."""
    current = value
    for segment in segments:
        try:
            if isinstance(current, list):
                current = current[segment] if isinstance(segment, int) else _named(current, segment)
            elif isinstance(current, Mapping):
                current = current[segment]
            else:
                raise KeyError(segment)
        except (KeyError, IndexError, TypeError):
            raise ExpressionError(f"{where}: no property {segment!r} there") from None
    return current


@dataclass
class Scope:
    """What expressions can read: parameters, execution variables, properties of steps that ran."""

    parameters: Mapping[str, Any]
    execution: Mapping[str, Any]
    #: Step name -> its properties, shaped like the Describe* answer of its job.
    properties: dict[str, Any] = field(default_factory=dict)
    #: Step name -> property file name -> local path of the file.
    property_files: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Reads a JSON document from a path or URI (the runner maps S3 URIs to its folder).
    read_json: Callable[[str], Any] | None = None

    def get(self, reference: str) -> Any:
        head, _, rest = reference.partition(".")
        if head == "Parameters":
            if rest not in self.parameters:
                raise ExpressionError(f"{reference}: the definition has no parameter {rest!r}")
            return self.parameters[rest]
        if head == "Execution":
            if rest not in self.execution:
                raise ExpressionError(f"{reference}: not an execution variable ({', '.join(EXECUTION_VARIABLES)})")
            return self.execution[rest]
        if head == "Steps":
            step, _, path = rest.partition(".")
            if step not in self.properties:
                raise ExpressionError(f"{reference}: step {step!r} has not run")
            segments = path_segments(path)
            if segments[:1] == ["PropertyFiles"] and len(segments) == 2:
                files = self.property_files.get(step, {})
                name = str(segments[1])
                if name not in files:
                    raise ExpressionError(f"{reference}: step {step!r} declares no property file {name!r}")
                return PropertyFileRef(step, name, files[name])
            return walk(self.properties[step], segments, reference)
        raise ExpressionError(f"{reference}: references start with Parameters., Execution. or Steps.")

    def evaluate(self, value: Any) -> Any:
        """`value` with every pipeline function in it replaced by its value."""
        if isinstance(value, list):
            return [self.evaluate(item) for item in value]
        if not isinstance(value, Mapping):
            return value
        if len(value) == 1:
            (key, body), = value.items()
            if key == "Get" and isinstance(body, str):
                return self.get(body)
            if key == "Std:Join" and isinstance(body, Mapping):
                separator = str(self.evaluate(body.get("On", "")))
                return separator.join(_text(self.evaluate(item)) for item in body.get("Values", []))
            if key == "Std:JsonGet" and isinstance(body, Mapping):
                return self._json_get(body)
        return {key: self.evaluate(item) for key, item in value.items()}

    def _json_get(self, body: Mapping[str, Any]) -> Any:
        path = str(self.evaluate(body.get("Path", "")))
        if "PropertyFile" in body:
            source = self.evaluate(body["PropertyFile"])
            if not isinstance(source, PropertyFileRef):
                raise ExpressionError(f"Std:JsonGet: PropertyFile {body['PropertyFile']!r} is not a property file")
            location, where = source.path, f"property file {source.name!r} of step {source.step!r}"
        elif "S3Uri" in body:
            location = str(self.evaluate(body["S3Uri"]))
            where = location
        else:
            raise ExpressionError("Std:JsonGet needs a PropertyFile or an S3Uri")
        if self.read_json is None:
            raise ExpressionError("Std:JsonGet: no files to read here")
        document = self.read_json(location)
        return walk(document, path_segments(path), f"Std:JsonGet {path!r} in {where}")


@dataclass(frozen=True)
class PropertyFileRef:
    """`Steps.STEP.PropertyFiles.NAME`: the JSON file a step declared, read by `Std:JsonGet`."""

    step: str
    name: str
    path: str


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# ---------------------------------------------------------------- conditions

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda a, b: a == b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanOrEqualTo": lambda a, b: a >= b,
    "LessThan": lambda a, b: a < b,
    "LessThanOrEqualTo": lambda a, b: a <= b,
}


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Numbers compare as numbers (a JSON metric against a Float parameter), the rest as given."""
    numbers = (int, float)
    if isinstance(left, numbers) and not isinstance(left, bool) and isinstance(right, str):
        return left, float(right)
    if isinstance(right, numbers) and not isinstance(right, bool) and isinstance(left, str):
        return float(left), right
    return left, right


def describe(condition: Mapping[str, Any], scope: Scope) -> str:
    """A comparison with the values it compared, for the step's log: `GreaterThanOrEqualTo: 0.91 vs 0.7`."""
    kind = condition.get("Type")
    if kind in _COMPARISONS:
        try:
            left, right = scope.evaluate(condition.get("LeftValue")), scope.evaluate(condition.get("RightValue"))
        except ExpressionError as exc:
            return f"{kind}: {exc}"
        return f"{kind}: {left!r} vs {right!r}"
    return str(kind)


def condition_holds(condition: Mapping[str, Any], scope: Scope) -> bool:
    """One entry of a ConditionStep's `Conditions` (all of them must hold)."""
    kind = condition.get("Type")
    if kind in _COMPARISONS:
        left, right = scope.evaluate(condition.get("LeftValue")), scope.evaluate(condition.get("RightValue"))
        try:
            return _COMPARISONS[kind](*_comparable(left, right))
        except (TypeError, ValueError):
            raise ExpressionError(f"{kind}: cannot compare {left!r} with {right!r}") from None
    if kind == "In":
        value = scope.evaluate(condition.get("QueryValue"))
        return value in [scope.evaluate(v) for v in condition.get("Values", [])]
    if kind == "Not":
        return not condition_holds(condition.get("Condition", {}), scope)
    if kind == "Or":
        return any(condition_holds(c, scope) for c in condition.get("Conditions", []))
    raise ExpressionError(f"condition type {kind!r} is not one SageMaker defines")


# ---------------------------------------------------------------- parameters

_TRUE, _FALSE = {"true", "1", "yes"}, {"false", "0", "no"}


def parameter_values(declared: list[Mapping[str, Any]], given: Mapping[str, Any]) -> dict[str, Any]:
    """The value of every declared parameter: given ones converted to the parameter's type (as
    SageMaker does when an execution starts), the others their default. Raises `BadInputError`
    for an unknown name, a value of the wrong type, or a value outside `EnumValues`."""
    from specwire.errors import suggestion_text

    by_name = {str(p["Name"]): p for p in declared}
    for name in given:
        if name not in by_name:
            hint = suggestion_text(name, by_name)
            raise BadInputError(
                f"-P {name}: the pipeline has no parameter {name!r}" + (f" ({hint})" if hint else ""),
                suggested_fix="parameters: " + ", ".join(sorted(by_name)),
            )
    values: dict[str, Any] = {}
    for name, spec in by_name.items():
        kind = str(spec.get("Type", "String"))
        if name not in given:
            if "DefaultValue" not in spec:
                raise BadInputError(f"parameter {name!r} has no default value",
                                    suggested_fix=f"pass -P {name}=VALUE")
            values[name] = spec["DefaultValue"]
            continue
        values[name] = _convert(name, kind, given[name])
        allowed = spec.get("EnumValues")
        if allowed and values[name] not in allowed:
            raise BadInputError(f"-P {name}={given[name]}: not one of {', '.join(map(str, allowed))}",
                                suggested_fix=f"choose one of {', '.join(map(str, allowed))}")
    return values


def _convert(name: str, kind: str, raw: Any) -> Any:
    if not isinstance(raw, str):
        return raw
    try:
        if kind == "Integer":
            return int(raw)
        if kind == "Float":
            return float(raw)
    except ValueError:
        raise BadInputError(f"-P {name}={raw}: {name} is a {kind} parameter", suggested_fix=f"e.g. -P {name}=1"
                            ) from None
    if kind == "Boolean":
        word = raw.strip().lower()
        if word not in _TRUE | _FALSE:
            raise BadInputError(f"-P {name}={raw}: {name} is a Boolean parameter",
                                suggested_fix=f"-P {name}=true or -P {name}=false")
        return word in _TRUE
    return raw

"""`ConfigModel`: the base of every config, with field tiers, strict names and `ConfigError`s.

Three tiers describe each field:

- essential: no default; the user (or the config generator, from its context) must give it;
- default: has a default a user may change;
- derived: computed from the others (a pydantic `computed_field`), read-only.

Configs are frozen value objects: change one with `replace(...)`, which validates again, so a
config that exists is always valid.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, Self, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ModelWrapValidatorHandler, ValidationError, model_validator
from pydantic_core import PydanticUndefined

from specwire.configs.messages import config_error
from specwire.configs.types import Between, invalid
from specwire.errors import ConfigError, did_you_mean


class FieldTier(StrEnum):
    ESSENTIAL = "essential"
    DEFAULT = "default"
    DERIVED = "derived"


@dataclass(frozen=True)
class FieldDoc:
    """One field of a config class, for `specwire configs show` and other tools."""

    name: str
    tier: FieldTier
    type: str
    default: Any
    description: str
    rule: str = ""

    @property
    def default_text(self) -> str:
        if self.tier is FieldTier.ESSENTIAL:
            return "(required)"
        if self.tier is FieldTier.DERIVED:
            return "(computed)"
        return repr(self.default)


class _Computed:
    """Marker for a default computed from the other inputs (a `default_factory` taking data)."""

    def __repr__(self) -> str:
        return "(from other fields)"


COMPUTED_DEFAULT = _Computed()


def _plain(value: Any) -> Any:
    """A JSON-ready copy of an input value: nested configs without their derived fields."""
    if isinstance(value, ConfigModel):
        return value.inputs()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class ConfigModel(BaseModel):
    """Base of every config model (and of nested ones such as hyperparameters)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        validate_default=True,
        use_attribute_docstrings=True,
        # NaN and infinity have no JSON spelling and compare unequal to themselves: refuse them.
        allow_inf_nan=False,
    )

    #: Names from other tools for this model's fields (LightGBM's `eta` is `learning_rate`), so an
    #: unknown-field error can point at the right one where spelling alone would not.
    SYNONYMS: ClassVar[dict[str, str]] = {}

    def __init__(self, /, **data: Any) -> None:
        # Building a config directly raises ConfigError, which the CLI prints without a traceback.
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise type(self)._error(exc, data) from None

    # Marks this __init__ as pydantic's own (as pydantic's RootModel does), so validating a nested
    # config (hyperparameters inside a step config) does not call it: the error must then stay a
    # ValidationError for the outer config to report at its own location.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Self:
        """Validate a mapping (from a file, an override, a dump); raise `ConfigError` if it is wrong."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"{cls._label({})}: expected a mapping of fields, got {type(data).__name__}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise cls._error(exc, data) from None

    def replace(self, changes: Mapping[str, Any]) -> Self:
        """A copy with `changes` applied (nested mappings merged) and validated again."""
        return self.from_data(merge_inputs(type(self), self.inputs(), changes))

    def inputs(self) -> dict[str, Any]:
        """The field values that rebuild this config (no derived fields), JSON-ready."""
        return {name: _plain(getattr(self, name)) for name in type(self).model_fields}

    @classmethod
    def _label(cls, data: Mapping[str, Any]) -> str:
        """How errors name this config; step configs add their step type and node."""
        return cls.__name__

    @classmethod
    def _error(cls, exc: ValidationError, data: Mapping[str, Any]) -> ConfigError:
        return config_error(exc, cls._label(data))

    # ------------------------------------------------------------------ strict field names

    @model_validator(mode="wrap")
    @classmethod
    def _check_field_names(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """Refuse unknown fields with a suggestion; accept a derived field only as an exact echo.

        The echo rule lets `model_validate(config.model_dump())` work (pydantic dumps computed
        fields), while a derived value that differs is refused rather than silently dropped.
        """
        echoes: dict[str, Any] = {}
        if isinstance(data, Mapping):
            data = cls._normalise_input(dict(data))
            inputs = cls.model_fields
            derived = cls.model_computed_fields
            unknown = [key for key in data if key not in inputs and key not in derived]
            if unknown:
                raise cls._unknown_field(unknown)
            echoes = {key: data[key] for key in data if key in derived}
            data = {key: value for key, value in data.items() if key not in derived}
        result = handler(data)
        for name, given in echoes.items():
            actual = _plain(getattr(result, name))
            if _plain(given) != actual:
                raise invalid(
                    f"is derived from the other fields and cannot be set (it is {actual!r})",
                    loc=(name,),
                    value=given,
                )
        return result

    @classmethod
    def _normalise_input(cls, data: dict[str, Any]) -> dict[str, Any]:
        """The input under this model's own field names, before any check: a subclass accepts the
        other names a field is known by here (a flat hyperparameter, `s3_bucket`, ...)."""
        return data

    @classmethod
    def _unknown_field(cls, unknown: list[Any]) -> Exception:
        first = unknown[0]
        close = cls.suggest_fields(str(first))
        hint = f"did you mean {' or '.join(repr(c) for c in close)}?" if close else None
        more = unknown[1:]
        others = f" (and {len(more)} more: {', '.join(repr(u) for u in more[:3])})" if more else ""
        return invalid(f"unknown field{others}", loc=(str(first),), show_input=False, hint=hint)

    @classmethod
    def suggest_fields(cls, name: str) -> list[str]:
        """Fields a misspelt or foreign `name` probably means: a known synonym, else close spellings."""
        if name in cls.SYNONYMS:
            return [cls.SYNONYMS[name]]
        return did_you_mean(name, cls.model_fields)

    # ------------------------------------------------------------------ tiers

    @classmethod
    def field_tiers(cls) -> dict[str, FieldTier]:
        """Each field's tier, in declaration order, derived fields last."""
        tiers = {
            name: FieldTier.ESSENTIAL if info.is_required() else FieldTier.DEFAULT
            for name, info in cls.model_fields.items()
        }
        tiers.update(dict.fromkeys(cls.model_computed_fields, FieldTier.DERIVED))
        return tiers

    @classmethod
    def fields_in_tier(cls, tier: FieldTier | str) -> list[str]:
        wanted = FieldTier(tier)
        return [name for name, t in cls.field_tiers().items() if t is wanted]

    @classmethod
    def describe_fields(cls) -> list[FieldDoc]:
        docs: list[FieldDoc] = []
        for name, info in cls.model_fields.items():
            if info.is_required():
                tier, default = FieldTier.ESSENTIAL, None
            elif info.default_factory is not None and info.default_factory_takes_validated_data:
                tier, default = FieldTier.DEFAULT, COMPUTED_DEFAULT
            else:
                tier = FieldTier.DEFAULT
                default = (
                    info.get_default(call_default_factory=True) if info.default is PydanticUndefined else info.default
                )
                default = _plain(default)
            rule = _rule_text(info.annotation, info.metadata)
            docs.append(FieldDoc(name, tier, _type_text(info.annotation), default, info.description or "", rule))
        for name, computed in cls.model_computed_fields.items():
            docs.append(
                FieldDoc(
                    name,
                    FieldTier.DERIVED,
                    _type_text(computed.return_type),
                    None,
                    computed.description or "",
                )
            )
        return docs


def nested_model(cls: type[ConfigModel], field: str) -> type[ConfigModel] | None:
    """The config model a field holds (e.g. hyperparameters), if it holds exactly one."""
    annotation = cls.model_fields[field].annotation
    candidates = [annotation]
    if get_origin(annotation) in (Union, types.UnionType):
        candidates = [a for a in get_args(annotation) if a is not type(None)]
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, ConfigModel)]
    return models[0] if len(models) == 1 else None


def merge_inputs(cls: type[ConfigModel], base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`changes` over `base`: a nested config (hyperparameters) merges field by field, so
    `{hyperparameters: {max_depth: 8}}` keeps the other hyperparameters; every other value,
    dicts such as `tags` or `parameter_ranges` included, is replaced whole (otherwise an entry
    could never be removed)."""
    merged = dict(base)
    for key, value in changes.items():
        nested = nested_model(cls, key) if key in cls.model_fields else None
        current = merged.get(key)
        if isinstance(current, ConfigModel):
            current = current.inputs()
        if nested is not None and isinstance(value, Mapping) and isinstance(current, Mapping):
            merged[key] = merge_inputs(nested, current, value)
        else:
            merged[key] = value
    return merged


def _type_text(annotation: Any) -> str:
    """A type as a person reads it: `int | None`, `list['auc' | 'f1']`, without validators."""
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return _type_text(args[0])
    if origin in (Union, types.UnionType):
        return " | ".join(_type_text(a) for a in args)
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if annotation is type(None):
        return "None"
    if origin is not None and isinstance(origin, type):
        return f"{origin.__name__}[{', '.join(_type_text(a) for a in args)}]"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation)


def _rule_text(annotation: Any, metadata: list[Any]) -> str:
    """The range rule of a field, also when it sits inside `X | None` or `list[X]`."""
    found = next((m for m in metadata if isinstance(m, Between)), None)
    if found is not None:
        return found.describe()
    origin = get_origin(annotation)
    if origin is Annotated:
        args = get_args(annotation)
        return _rule_text(args[0], list(args[1:]))
    for arg in get_args(annotation) if origin is not Literal else ():
        rule = _rule_text(arg, [])
        if rule:
            return rule
    return ""

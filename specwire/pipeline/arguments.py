"""The Python API's arguments checked against their own annotations, before anything uses them.

`Pipeline("fraud", tags=3)` used to fail deep inside with "'int' object is not iterable", and
`Pipeline("fraud", timeout="abc")` not at all until the first resolve. The annotations of the
signature are the one definition of what each argument takes: each value is validated against its
own (pydantic, strict: nothing is converted, so the body keeps the value it was given), and a wrong
one is a ConfigError that names the argument, what it got and what it takes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar, get_type_hints

from specwire.errors import ConfigError

if TYPE_CHECKING:
    from pydantic import TypeAdapter

Class = TypeVar("Class", bound=type)
_SPREAD = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def checked_methods(names: Callable[[], dict[str, Any]]) -> Callable[[Class], Class]:
    """A class decorator: each public method checks its arguments (`check_arguments`) before it runs."""
    def decorate(cls: Class) -> Class:
        for attribute, member in list(vars(cls).items()):
            if not attribute.startswith("_") and inspect.isfunction(member):
                setattr(cls, attribute, _checked(member, names))
        return cls

    return decorate


def _checked(method: Callable[..., Any], names: Callable[[], dict[str, Any]]) -> Callable[..., Any]:
    signature = inspect.signature(method)

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:
            return method(self, *args, **kwargs)  # a wrong count of arguments: Python's own error
        values = {name: value for name, value in list(bound.arguments.items())[1:]
                  if signature.parameters[name].kind not in _SPREAD}
        check_arguments(method, values, f"{method.__name__}()", names)
        return method(self, *args, **kwargs)

    return run


def check_arguments(function: Callable[..., Any], values: Mapping[str, Any], what: str,
                    names: Callable[[], dict[str, Any]]) -> None:
    """Raise a ConfigError for the first of `values` that its annotation in `function` rejects.

    A value that is its parameter's default is not checked (nor is a validator built for it: most
    calls pass a few arguments). `names` gives the names the annotations use that the module imports
    only for type checkers (read on the first check, so importing specwire stays fast).
    """
    parameters = inspect.signature(function).parameters
    given = {name: value for name, value in values.items()
             if name in parameters and value is not parameters[name].default}
    if not given:
        return
    from pydantic import ValidationError  # only once an argument is given: `import specwire` stays light

    for name, value in given.items():
        try:
            _adapter(function, name, names).validate_python(value)
        except ValidationError as exc:
            message = exc.errors()[0]["msg"]
            raise ConfigError(f"{what}: {name}={_shown(value)} is not accepted: {message[0].lower()}{message[1:]}",
                              suggested_fix=f"pass {name} as {_annotation(function, name)}") from None


@cache
def _adapter(function: Callable[..., Any], name: str, names: Callable[[], dict[str, Any]]) -> TypeAdapter[Any]:
    # One annotation at a time: `names` (which may import a module) only for one that needs it.
    def hint(localns: dict[str, Any] | None) -> Any:
        holder = type("_Holder", (), {"__annotations__": {name: _annotation(function, name)}})
        return get_type_hints(holder, globalns=function.__globals__, localns=localns)[name]

    from pydantic import ConfigDict, TypeAdapter

    try:
        found = hint(None)
    except NameError:
        found = hint(names())
    return TypeAdapter(found, config=ConfigDict(arbitrary_types_allowed=True, strict=True))


def _annotation(function: Callable[..., Any], name: str) -> str:
    annotation = inspect.signature(function).parameters[name].annotation
    return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."

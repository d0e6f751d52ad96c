"""Command-line values converted without pydantic (typer ≥ 0.29 converts them with it).

typer 0.29 converts every value a command receives (except a flag's True/False)
through a pydantic ``TypeAdapter`` built on first use; the first one imports
pydantic, pydantic_core (which imports asyncio) and pydantic's plugin loader
(importlib.metadata): about 150 ms of the 1.6 s an ``adcheck grad`` takes, for
values that are strings, lists of strings, a bounded number or one choice.

:func:`plain_values` gives each parameter of a command a converter that handles
exactly those cases in plain Python, with typer's own result, and hands every
other value -- a malformed or out-of-range number, an unknown choice, anything
unusual -- to typer's own conversion, so its messages and accepted spellings
are unchanged.  tests/cli/test_lazy_commands.py checks the results against
typer's for each parameter of each command.

This leans on typer internals (``typer._coercion.RuntimeParam`` and the
parameter's ``_runtime_param`` slot).  With a typer that has neither (older
ones convert through click types, without pydantic) it does nothing and typer
converts as usual.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any, Callable, List, Optional, get_args, get_origin

from typer.core import TyperCommand, TyperGroup

try:
    from typer._coercion import RuntimeParam, build_runtime_param
except ImportError:  # typer without pydantic coercion: nothing to do
    RuntimeParam = build_runtime_param = None

ASK_TYPER = object()  # "not a case handled here": typer converts the value
# Integers and decimal floats written the ordinary way; anything else (spaces, '+', '_',
# leading zeros, 'inf', long exponents) is left to typer.
_INT = r"0|-?[1-9][0-9]{0,17}"
_FLOAT = r"-?[0-9]+(?:\.[0-9]+)?(?:[eE]-?[0-9]{1,3})?"


def _in_range(value, info):
    if (info.min is not None and value < info.min) or (info.max is not None and value > info.max):
        return ASK_TYPER  # typer's message names the range
    return value


def converter(annotation, info) -> Optional[Callable[[Any, Any], Any]]:
    """``convert(value, ctx)`` for the annotations adcheck's commands use, else None.

    ``convert`` returns typer's result for the value or ``ASK_TYPER``.
    """
    if info.parser is not None or info.clamp:
        return None
    if annotation is str:
        return lambda value, ctx: value if type(value) is str else ASK_TYPER
    if annotation is bool:  # a flag's True/False never gets here; --install-completion's None does
        return lambda value, ctx: value if type(value) is bool else ASK_TYPER
    if get_origin(annotation) in (list, List) and get_args(annotation) == (str,):
        return lambda value, ctx: list(value) if isinstance(value, (list, tuple)) and all(
            type(v) is str for v in value) else ASK_TYPER
    if annotation is int or annotation is float:
        pattern = _INT if annotation is int else _FLOAT

        def convert_number(value, ctx):
            if type(value) is str and re.fullmatch(pattern, value):
                value = annotation(value)
            return _in_range(value, info) if type(value) is annotation else ASK_TYPER
        return convert_number
    if isinstance(annotation, type) and issubclass(annotation, Enum) and info.case_sensitive:
        def convert_choice(value, ctx):
            if isinstance(value, annotation):
                return value
            if type(value) is str and getattr(ctx, "token_normalize_func", None) is None:
                for member in annotation:
                    if str(member.value) == value:
                        return member
            return ASK_TYPER
        return convert_choice
    return None


if RuntimeParam is not None:

    class PlainRuntimeParam(RuntimeParam):
        """typer's RuntimeParam (None and multi-value checks kept) with a plain converter first."""

        def __init__(self, descriptor, convert: Callable[[Any, Any], Any]):
            super().__init__(parameter_info=descriptor.parameter_info, annotation=descriptor.annotation)
            # (not dataclass fields: no @dataclass to build)
            object.__setattr__(self, "convert", convert)
            object.__setattr__(self, "descriptor", descriptor)

        def _coerce_value(self, value, *args, **kwargs):
            # typer 0.29 calls this as (value, param=..., ctx=...); any other call shape is
            # passed on to typer's own converter untouched
            ctx = kwargs.get("ctx", args[1] if len(args) > 1 else None)
            result = self.convert(value, ctx)
            if result is ASK_TYPER:
                return build_runtime_param(self.descriptor)._coerce_value(value, *args, **kwargs)
            return result


def plain_values(command, ctx) -> None:
    """Give each parameter of ``command`` (its help option too) a plain converter where it has none."""
    if RuntimeParam is None:
        return
    for param in command.get_params(ctx):
        descriptor = getattr(param, "type_descriptor", None)
        if descriptor is None or getattr(param, "_runtime_param", False) is not None:
            continue
        try:
            convert = converter(descriptor.annotation, descriptor.parameter_info)
            if convert is not None:
                param._runtime_param = PlainRuntimeParam(descriptor, convert)
        except (AttributeError, TypeError):  # a typer whose internals differ: typer converts
            return                           # (tests/cli/test_lazy_commands.py would notice)


class Group(TyperGroup):
    """The app: its parameters get plain converters when it parses its arguments."""

    def parse_args(self, ctx, args):
        plain_values(self, ctx)
        return super().parse_args(ctx, args)


class Command(TyperCommand):
    """Each command: its parameters get plain converters when it parses its arguments."""

    def parse_args(self, ctx, args):
        plain_values(self, ctx)
        return super().parse_args(ctx, args)

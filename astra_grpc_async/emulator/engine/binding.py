"""Bound values: checking a request's `Values` against a statement's markers
the way Stargate does, and decoding them into stored values."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from astra_grpc_async._proto.stargate import query_pb2
from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.errors import BindCountError, InvalidRequest

from .terms import MarkerSpec
from .values import BadValue

__all__ = ["bind_values", "positional_decoders"]

Decoders = tuple[Callable[[query_pb2.Value], Any], ...]


def positional_decoders(
    markers: tuple[ast.BindMarker, ...], specs: dict[int, MarkerSpec]
) -> Decoders | None:
    """Each marker's decoder in order, for the common case of positional
    values (None if the statement has no markers or one lacks a type)."""
    if not markers or any(specs.get(i) is None for i in range(len(markers))):
        return None
    return tuple(specs[i].decode for i in range(len(markers)))


def _decode(spec: MarkerSpec | None, v: query_pb2.Value, position: int) -> Any:
    if spec is None:
        raise InvalidRequest(f"Invalid argument at position {position}: unexpected bind marker")
    try:
        return spec.decode(v)
    except BadValue as e:
        raise InvalidRequest(f"Invalid argument at position {position}: {e}") from None


def bind_values(
    markers: tuple[ast.BindMarker, ...],
    specs: dict[int, MarkerSpec],
    values: query_pb2.Values | None,
    decoders: Decoders | None = None,
) -> list[Any]:
    if decoders is not None and values is not None:
        given = values.values
        if len(given) == len(decoders) and not values.value_names:
            try:
                return [d(v) for d, v in zip(decoders, given, strict=True)]
            except BadValue:
                pass  # the general path below says which position
    n = len(markers)
    vals = values.values if values is not None else ()
    names = values.value_names if values is not None else ()
    if not vals and not names:
        if n:
            raise InvalidRequest("Invalid amount of bind variables")
        return []
    bound: list[Any] = [None] * n
    if names:
        if len(names) != n:
            raise BindCountError(
                f"Invalid number of bind names. Expected {n}, but received {len(names)}"
            )
        if len(vals) != n:
            raise BindCountError(
                f"Invalid number of bind values. Expected {n}, but received {len(vals)}"
            )
        by_name: dict[str, list[int]] = {}
        for m in markers:
            spec = specs.get(m.index)
            name = m.name if m.name is not None else (spec.receiver if spec else "")
            by_name.setdefault(name, []).append(m.index)
        for i, (name, v) in enumerate(zip(names, vals, strict=True)):
            idxs = by_name.get(name)
            if idxs is None:
                raise InvalidRequest(f"Unable to find bind marker with name '{name}'")
            for idx in idxs:
                bound[idx] = _decode(specs.get(idx), v, i + 1)
        return bound
    if len(vals) != n:
        raise BindCountError(
            f"Invalid number of bind values. Expected {n}, but received {len(vals)}"
        )
    for i, v in enumerate(vals):
        bound[i] = _decode(specs.get(i), v, i + 1)
    return bound

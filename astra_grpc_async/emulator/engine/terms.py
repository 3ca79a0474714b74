"""Compiling terms (literals, markers, collection literals, function calls)
against their receiver type; recording each bind marker's type on the way.

A compiled term is a function of the execution context returning the stored
value (None for null, UNSET for an unset marker).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.errors import InvalidRequest

from . import functions
from .context import Ctx
from .literals import convert_constant
from .types import CType, native
from .values import UNSET, decoder, sort_key

__all__ = ["Binder", "Evaluator", "MarkerSpec"]

Evaluator = Callable[[Ctx], Any]


class MarkerSpec:
    """A bind marker's receiver: its name (for named values) and type."""

    __slots__ = ("decode", "name", "receiver", "type")

    def __init__(self, name: str | None, receiver: str, type: CType) -> None:
        self.name = name
        self.receiver = receiver
        self.type = type
        self.decode = decoder(type)


class Binder:
    """Compiles the terms of one statement; `specs[i]` is marker i's type."""

    def __init__(self, markers: tuple[ast.BindMarker, ...], offset: int = 0) -> None:
        self.markers = markers
        self.specs: dict[int, MarkerSpec] = {}
        self.offset = offset

    def term(self, term: ast.Term, t: CType, receiver: str) -> Evaluator:
        if isinstance(term, ast.BindMarker):
            idx = term.index
            self.specs[idx] = MarkerSpec(term.name, receiver, t)
            return lambda ctx: ctx.bound[idx]
        if isinstance(term, ast.Constant):
            value = convert_constant(term, t, receiver)
            return lambda ctx: value
        if isinstance(term, ast.Cast):
            return self.term(term.term, t, receiver)
        if isinstance(term, ast.FunctionCall):
            return functions.compile_call(self, term, t, receiver)
        if isinstance(term, ast.ListLiteral):
            if t.kind != "list":
                raise InvalidRequest(f"Invalid list literal for {receiver} of type {t.cql()}")
            elems = [self.term(e, t.params[0], receiver) for e in term.items]
            return _collection(elems, None)
        if isinstance(term, ast.SetLiteral):
            if t.kind != "set":
                raise InvalidRequest(f"Invalid set literal for {receiver} of type {t.cql()}")
            elems = [self.term(e, t.params[0], receiver) for e in term.items]
            return _collection(elems, sort_key(t.params[0]))
        if isinstance(term, ast.MapLiteral):
            if t.kind == "set" and not term.entries:
                return lambda ctx: ()
            if t.kind == "udt" and not term.entries:
                return lambda ctx: tuple(None for _ in t.fields)
            if t.kind != "map":
                raise InvalidRequest(f"Invalid map literal for {receiver} of type {t.cql()}")
            pairs = [
                (self.term(k, t.params[0], receiver), self.term(v, t.params[1], receiver))
                for k, v in term.entries
            ]
            return _map(pairs, sort_key(t.params[0]))
        if isinstance(term, ast.TupleLiteral):
            if t.kind != "tuple":
                raise InvalidRequest(f"Invalid tuple type literal for {receiver} of type {t.cql()}")
            if len(term.items) > len(t.params):
                raise InvalidRequest(
                    f"Invalid tuple literal for {receiver}: too many elements. Type "
                    f"{t.cql()} expects {len(t.params)} but got {len(term.items)}"
                )
            items = [self.term(e, p, receiver) for e, p in zip(term.items, t.params, strict=False)]
            return lambda ctx: tuple(_no_unset(f(ctx)) for f in items)
        if isinstance(term, ast.UdtLiteral):
            if t.kind != "udt":
                raise InvalidRequest(f"Invalid user type literal for {receiver} of type {t.cql()}")
            given = dict(term.fields)
            for name in given:
                if name not in t.fields:
                    raise InvalidRequest(
                        f"Unknown field '{name}' in value of user defined type {t.name}"
                    )
            fields: list[Evaluator | None] = [
                self.term(given[f], p, f"{receiver}.{f}") if f in given else None
                for f, p in zip(t.fields, t.params, strict=True)
            ]
            return lambda ctx: tuple(None if f is None else _no_unset(f(ctx)) for f in fields)
        raise InvalidRequest(f"Invalid term for {receiver}")

    def int_term(self, term: ast.Term | None, receiver: str) -> Evaluator | None:
        if term is None:
            return None
        return self.term(term, native("int"), receiver)

    def bigint_term(self, term: ast.Term | None, receiver: str) -> Evaluator | None:
        if term is None:
            return None
        return self.term(term, native("bigint"), receiver)


def _no_unset(x: Any) -> Any:
    return None if x is UNSET else x


def _collection(elems: list[Evaluator], key: Callable[[Any], Any] | None) -> Evaluator:
    def build(ctx: Ctx) -> tuple[Any, ...]:
        out = []
        for f in elems:
            x = f(ctx)
            if x is None or x is UNSET:
                raise InvalidRequest("null is not supported inside collections")
            out.append(x)
        if key is None:
            return tuple(out)
        seen = {key(x): x for x in out}
        return tuple(seen[k] for k in sorted(seen))

    return build


def _map(pairs: list[tuple[Evaluator, Evaluator]], key: Callable[[Any], Any]) -> Evaluator:
    def build(ctx: Ctx) -> tuple[tuple[Any, Any], ...]:
        seen: dict[Any, tuple[Any, Any]] = {}
        for kf, vf in pairs:
            k, v = kf(ctx), vf(ctx)
            if k is None or v is None or k is UNSET or v is UNSET:
                raise InvalidRequest("null is not supported inside collections")
            seen[key(k)] = (k, v)
        return tuple(seen[s] for s in sorted(seen))

    return build

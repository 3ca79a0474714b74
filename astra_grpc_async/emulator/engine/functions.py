"""Native CQL scalar functions usable as terms (now(), toTimestamp(...), ...).

Values produced from "now" come from the call's clock, so they are
reproducible on replay.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.errors import InvalidRequest

from .context import Ctx
from .literals import EPOCH_DAYS_OFFSET
from .types import CType, native
from .values import UNSET, deserialize, serialize

if TYPE_CHECKING:
    from .terms import Binder, Evaluator

__all__ = ["compile_call", "return_type", "timeuuid_millis"]

_UUID_EPOCH = 0x01B21DD213814000
_MS_PER_DAY = 86_400_000

# name -> (argument types, return type)
_SIMPLE: dict[str, tuple[tuple[str, ...], str]] = {
    "now": ((), "timeuuid"),
    "currenttimeuuid": ((), "timeuuid"),
    "uuid": ((), "uuid"),
    "currenttimestamp": ((), "timestamp"),
    "currentdate": ((), "date"),
    "currenttime": ((), "time"),
    "mintimeuuid": (("timestamp",), "timeuuid"),
    "maxtimeuuid": (("timestamp",), "timeuuid"),
}
_BLOB_TYPES = (
    "ascii", "bigint", "boolean", "date", "decimal", "double", "float", "inet", "int",
    "smallint", "text", "time", "timestamp", "timeuuid", "tinyint", "uuid", "varint", "varchar",
)  # fmt: skip


def timeuuid_millis(b: bytes) -> int:
    msb = int.from_bytes(b[:8], "big")
    ticks = ((msb & 0xFFF) << 48) | (((msb >> 16) & 0xFFFF) << 32) | (msb >> 32)
    return (ticks - _UUID_EPOCH) // 10_000


def _bound_timeuuid(millis: int, low: bool) -> bytes:
    ticks = millis * 10_000 + _UUID_EPOCH + (0 if low else 9_999)
    time_low = ticks & 0xFFFFFFFF
    time_mid = (ticks >> 32) & 0xFFFF
    time_hi = ((ticks >> 48) & 0x0FFF) | 0x1000
    lsb = 0x8080808080808080 if low else 0x7F7F7F7F7F7F7F7F
    return (
        time_low.to_bytes(4, "big")
        + time_mid.to_bytes(2, "big")
        + time_hi.to_bytes(2, "big")
        + lsb.to_bytes(8, "big")
    )


def return_type(name: str, arg_types: list[CType]) -> CType | None:
    """The result type of a function over arguments of the given types."""
    if name in _SIMPLE:
        return native(_SIMPLE[name][1])
    if name == "totimestamp":
        return native("timestamp")
    if name == "todate":
        return native("date")
    if name == "tounixtimestamp":
        return native("bigint")
    if name.startswith("blobas"):
        target = name[6:]
        return native("text" if target == "varchar" else target) if target in _BLOB_TYPES else None
    if name.endswith("asblob"):
        return native("blob")
    return None


def _convert_time(name: str, arg_type: CType, x: Any) -> Any:
    """toTimestamp / toDate / toUnixTimestamp of a timeuuid, date or timestamp."""
    k = arg_type.kind
    if k == "timeuuid":
        ms = timeuuid_millis(x)
    elif k == "date":
        ms = (x - EPOCH_DAYS_OFFSET) * _MS_PER_DAY
    elif k == "timestamp":
        ms = x
    else:
        raise InvalidRequest(f"Invalid argument type {arg_type.cql()} for function {name}")
    if name == "todate":
        return ms // _MS_PER_DAY + EPOCH_DAYS_OFFSET
    return ms


def apply(name: str, arg_types: list[CType], args: list[Any], ctx: Ctx) -> Any:
    """Evaluate a function on stored values (used by terms and selectors)."""
    if name in ("now", "currenttimeuuid"):
        return ctx.clock.timeuuid(ctx.now_micros)
    if name == "uuid":
        return ctx.clock.random_uuid()
    if name == "currenttimestamp":
        return ctx.now_micros // 1000
    if name == "currentdate":
        return ctx.now_micros // 1000 // _MS_PER_DAY + EPOCH_DAYS_OFFSET
    if name == "currenttime":
        return (ctx.now_micros % (_MS_PER_DAY * 1000)) * 1000
    if any(a is None for a in args):
        return None
    if name in ("mintimeuuid", "maxtimeuuid"):
        return _bound_timeuuid(args[0], name == "mintimeuuid")
    if name in ("totimestamp", "todate", "tounixtimestamp"):
        return _convert_time(name, arg_types[0], args[0])
    if name.startswith("blobas"):
        target = return_type(name, arg_types)
        assert target is not None
        try:
            return deserialize(target, args[0])
        except Exception:
            raise InvalidRequest(
                f"In call to function system.{name}, value 0x{args[0].hex()} is not a "
                f"valid binary representation for type {target.cql()}"
            ) from None
    if name.endswith("asblob"):
        return serialize(arg_types[0], args[0])
    raise InvalidRequest(f"Unknown function '{name}'")


def arg_types_for(name: str, n: int) -> list[CType] | None:
    if name in _SIMPLE:
        return [native(a) for a in _SIMPLE[name][0]]
    if name in ("totimestamp", "todate", "tounixtimestamp"):
        return [native("timeuuid")] if n == 1 else None
    if name.endswith("asblob"):
        src = name[:-6]
        return [native("text" if src == "varchar" else src)] if src in _BLOB_TYPES else None
    if name.startswith("blobas"):
        return [native("blob")]
    return None


def _compatible(result: CType, receiver: CType) -> bool:
    if result == receiver:
        return True
    same = {frozenset({"text", "ascii"}), frozenset({"uuid", "timeuuid"})}
    return frozenset({result.kind, receiver.kind}) in same


def compile_call(binder: Binder, call: ast.FunctionCall, t: CType, receiver: str) -> Evaluator:
    name = call.name.split(".")[-1]
    arg_types = arg_types_for(name, len(call.args))
    if arg_types is None:
        raise InvalidRequest(f"Unknown function '{call.name}'")
    if len(arg_types) != len(call.args):
        raise InvalidRequest(
            f"Invalid number of arguments in call to function system.{name}: "
            f"{len(arg_types)} required but {len(call.args)} provided"
        )
    result = return_type(name, arg_types)
    assert result is not None
    if not _compatible(result, t):
        raise InvalidRequest(
            f"Type error: cannot assign result of function system.{name} "
            f"(type {result.cql()}) to {receiver} (type {t.cql()})"
        )
    args: list[Callable[[Ctx], Any]] = [
        binder.term(a, at, f"{name}(arg{i})")
        for i, (a, at) in enumerate(zip(call.args, arg_types, strict=True))
    ]
    if name in ("totimestamp", "todate", "tounixtimestamp") and call.args:
        inner = call.args[0]
        if isinstance(inner, ast.FunctionCall):
            inner_name = inner.name.split(".")[-1]
            inner_t = return_type(inner_name, [])
            if inner_t is not None:
                arg_types = [inner_t]
                args = [binder.term(inner, inner_t, f"{name}(arg0)")]

    def run(ctx: Ctx) -> Any:
        values = [a(ctx) for a in args]
        if any(v is UNSET for v in values):
            values = [None if v is UNSET else v for v in values]
        return apply(name, arg_types, values, ctx)

    return run

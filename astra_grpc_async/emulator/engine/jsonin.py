"""INSERT ... JSON: a JSON object -> stored column values, converted by
column type the way Cassandra's `fromJSONObject` methods do (with their
error wording, wrapped in "Error decoding JSON value for <col>: ...")."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from astra_grpc_async.emulator.cql import ast
from astra_grpc_async.emulator.cql.bignum import int_text, parse_int
from astra_grpc_async.emulator.errors import InvalidRequest

from .literals import convert_constant
from .types import CType
from .values import sort_key

__all__ = ["decode_json_object", "from_json"]

_STRING_KINDS = frozenset({"ascii", "text", "timestamp", "date", "time", "inet"})
_INTEGERS = frozenset({"tinyint", "smallint", "int", "bigint", "counter", "varint"})
_ARTICLE = {"int": "an int value", "ascii": "an ascii string", "text": "a UTF-8 string"}


class _Marshal(ValueError):
    pass


def _java_class(x: Any) -> str:
    """The Jackson class name Cassandra's messages print for a JSON value."""
    if isinstance(x, bool):
        return "Boolean"
    if isinstance(x, int):
        return "Integer" if -(2**31) <= x < 2**31 else "Long"
    if isinstance(x, float):
        return "Double"
    if isinstance(x, str):
        return "String"
    if isinstance(x, list):
        return "ArrayList"
    return "LinkedHashMap"


def _show(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, str):
        return x
    if isinstance(x, int):
        return int_text(x)
    return json.dumps(x, default=str) if isinstance(x, list | dict) else str(x)


def _expected(what: str, x: Any) -> _Marshal:
    return _Marshal(f"Expected {what}, but got a {_java_class(x)}: {_show(x)}")


def decode_json_object(text: str) -> dict[str, Any]:
    try:
        obj = json.loads(text, parse_float=Decimal, parse_int=parse_int)
    except ValueError as e:
        raise InvalidRequest(f"Could not decode JSON string as a map: {e}") from None
    if not isinstance(obj, dict):
        raise InvalidRequest(
            f"Could not decode JSON string as a map: expected an object, got {_java_class(obj)}"
        )
    return obj


def json_key(key: str) -> str:
    """A JSON object key as a column / field name (quoted keys keep their case)."""
    if len(key) >= 2 and key.startswith('"') and key.endswith('"'):
        return key[1:-1]
    return key.lower()


def from_json(t: CType, x: Any, column: str) -> Any:
    """The stored value of JSON value `x` for a column of type `t`."""
    try:
        return _convert(t, x)
    except _Marshal as e:
        raise InvalidRequest(f"Error decoding JSON value for {column}: {e}") from None
    except InvalidRequest as e:
        raise InvalidRequest(f"Error decoding JSON value for {column}: {e}") from None


def _scalar(t: CType, kind: ast.LiteralKind, value: object) -> Any:
    return convert_constant(ast.Constant(kind, value), t, "[json]")


def _convert(t: CType, x: Any) -> Any:
    if x is None:
        return None
    k = t.kind
    if k == "list" or k == "set":
        if not isinstance(x, list):
            raise _expected(f"a {k}", x)
        items = [_element(t.params[0], e) for e in x]
        if k == "list":
            return tuple(items)
        key = sort_key(t.params[0])
        seen = {key(v): v for v in items}
        return tuple(seen[s] for s in sorted(seen))
    if k == "map":
        if not isinstance(x, dict):
            raise _expected("a map", x)
        kt, vt = t.params
        key = sort_key(kt)
        entries: dict[Any, tuple[Any, Any]] = {}
        for raw_key, raw_value in x.items():
            mk = raw_key if kt.kind in _STRING_KINDS or kt.kind == "uuid" else _decode(raw_key)
            mkv = _element(kt, mk)
            entries[key(mkv)] = (mkv, _element(vt, raw_value))
        return tuple(entries[s] for s in sorted(entries))
    if k == "tuple":
        if not isinstance(x, list):
            raise _expected("a list representation of a tuple", x)
        if len(x) != len(t.params):
            raise _Marshal(
                f"Tuple contains extra items (expected {len(t.params)}): {_show(x)}"
                if len(x) > len(t.params)
                else f"Tuple is missing items (expected {len(t.params)}): {_show(x)}"
            )
        return tuple(_convert(p, e) for p, e in zip(t.params, x, strict=True))
    if k == "udt":
        if not isinstance(x, dict):
            raise _expected("a map", x)
        given = {json_key(n): v for n, v in x.items()}
        for name in given:
            if name not in t.fields:
                raise _Marshal(f"Unknown field '{name}' in value of user defined type {t.name}")
        return tuple(_convert(p, given.get(f)) for f, p in zip(t.fields, t.params, strict=True))
    return _native(t, x)


def _decode(text: str) -> Any:
    try:
        return json.loads(text, parse_float=Decimal, parse_int=parse_int)
    except ValueError:
        raise _Marshal(f"Could not decode JSON string '{text}'") from None


def _element(t: CType, x: Any) -> Any:
    if x is None:
        raise _Marshal("null is not supported inside collections")
    return _convert(t, x)


def _native(t: CType, x: Any) -> Any:
    k = t.kind
    if isinstance(x, list | dict):
        raise _expected(_ARTICLE.get(k, f"a {k} value"), x)
    if k in ("text", "ascii"):
        if not isinstance(x, str):
            raise _expected(_ARTICLE[k], x)
        return _scalar(t, "string", x)
    if k == "boolean":
        if isinstance(x, bool):
            return x
        if isinstance(x, str) and x.lower() in ("true", "false"):
            return x.lower() == "true"
        if isinstance(x, str):
            raise _Marshal(f"Unable to make boolean from '{x}'")
        raise _expected("a boolean value", x)
    if isinstance(x, bool):
        raise _expected(_ARTICLE.get(k, f"a {k} value"), x)
    if k in _INTEGERS or k in ("timestamp", "date", "time"):
        if isinstance(x, int):
            return _scalar(t, "integer", x)
        if isinstance(x, Decimal):
            if k in _INTEGERS:
                raise _expected(_ARTICLE.get(k, f"a {k} value"), float(x))
            return _scalar(t, "integer", int(x))
        if k in _INTEGERS:
            try:
                return _scalar(t, "integer", parse_int(x.strip()))
            except ValueError:
                raise _Marshal(f"Unable to make {k} from '{x}'") from None
        return _scalar(t, "string", x)
    if k in ("float", "double", "decimal"):
        if isinstance(x, int | Decimal):
            return _scalar(t, "float", int_text(x) if isinstance(x, int) else str(x))
        try:
            Decimal(x.strip())
        except ArithmeticError:
            if x.strip() not in ("NaN", "Infinity", "-Infinity"):
                raise _Marshal(f"Unable to make {k} from '{x}'") from None
        return _scalar(t, "float", x.strip())
    if not isinstance(x, str):
        raise _expected(_ARTICLE.get(k, f"a {k} value"), x)
    if k in ("uuid", "timeuuid"):
        try:
            u = uuid.UUID(x)
        except ValueError:
            raise _Marshal(f"Unable to make UUID from '{x}'") from None
        return _scalar(t, "uuid", u)
    if k == "blob":
        if not x.startswith("0x"):
            raise _Marshal(
                f"Value '{x}' is not a valid blob representation: String representation of "
                f"blob is missing 0x prefix: {x}"
            )
        try:
            return bytes.fromhex(x[2:])
        except ValueError:
            raise _Marshal(f"Value '{x}' is not a valid blob representation") from None
    if k == "duration":
        return _scalar(t, "duration", x)
    return _scalar(t, "string", x)

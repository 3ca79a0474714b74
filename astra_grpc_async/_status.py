"""gRPC status (+ `stargate.*-bin` trailers) -> the driver's typed errors.

The only place where a server answer becomes an exception: one table from
(code, detail message) to class, used for unary calls and for the in-stream
`google.rpc.Status` items of the bidirectional methods alike.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import betterproto2
from google.protobuf.message import Message

from . import errors
from ._proto.bp import stargate as bp
from ._proto.stargate import query_pb2

TRAILER_PREFIX = "stargate."
TRAILER_SUFFIX = "-bin"

# trailer key -> (betterproto detail class, error class)
_DETAILS: dict[str, tuple[type[betterproto2.Message], type[errors.ServerError]]] = {}
_WIRE: dict[str, type[Message]] = {}  # trailer key -> upb class, a strict parser


def _register(cls: type[betterproto2.Message], error: type[errors.ServerError]) -> None:
    key = f"{TRAILER_PREFIX}{cls.__name__.lower()}{TRAILER_SUFFIX}"
    if key in _DETAILS:  # refuse duplicates: one meaning per trailer
        raise RuntimeError(f"duplicate trailer registration: {key}")
    _DETAILS[key] = (cls, error)
    _WIRE[key] = getattr(query_pb2, cls.__name__)


_register(bp.Unavailable, errors.UnavailableError)
_register(bp.ReadTimeout, errors.ReadTimeoutError)
_register(bp.WriteTimeout, errors.WriteTimeoutError)
_register(bp.ReadFailure, errors.ReadFailureError)
_register(bp.WriteFailure, errors.WriteFailureError)
_register(bp.CasWriteUnknown, errors.CasWriteUnknownError)
_register(bp.FunctionFailure, errors.FunctionFailureError)
_register(bp.AlreadyExists, errors.AlreadyExistsError)

# code name -> class when no typed detail came with the status
_BY_CODE: dict[str, type[errors.ServerError]] = {
    "UNAUTHENTICATED": errors.AuthenticationError,
    "PERMISSION_DENIED": errors.AuthorizationError,
    "INVALID_ARGUMENT": errors.InvalidQueryError,
    "FAILED_PRECONDITION": errors.FailedPreconditionError,
    "ALREADY_EXISTS": errors.AlreadyExistsError,
    "UNAVAILABLE": errors.UnavailableError,
    "DEADLINE_EXCEEDED": errors.ServerTimeoutError,
    "ABORTED": errors.ServerFailureError,
    "RESOURCE_EXHAUSTED": errors.OverloadedError,
    "INTERNAL": errors.InternalServerError,
    "UNKNOWN": errors.InternalServerError,
}

# google.rpc.Code numbers, for the in-stream Status items
CODE_NAMES = {
    0: "OK", 1: "CANCELLED", 2: "UNKNOWN", 3: "INVALID_ARGUMENT", 4: "DEADLINE_EXCEEDED",
    5: "NOT_FOUND", 6: "ALREADY_EXISTS", 7: "PERMISSION_DENIED", 8: "RESOURCE_EXHAUSTED",
    9: "FAILED_PRECONDITION", 10: "ABORTED", 11: "OUT_OF_RANGE", 12: "UNIMPLEMENTED",
    13: "INTERNAL", 14: "UNAVAILABLE", 15: "DATA_LOSS", 16: "UNAUTHENTICATED",
}  # fmt: skip


def _refine(code: str, message: str) -> type[errors.ServerError] | None:
    """Sub-classes told apart by the contract's fixed message texts."""
    if code == "FAILED_PRECONDITION" and message.startswith(
        ("Invalid number of bind values", "Invalid number of bind names")
    ):
        return errors.BindCountError
    if code == "INVALID_ARGUMENT":
        if message.startswith(("Invalid argument at position", "Unable to find bind marker")):
            return errors.BindValueError
        if "not supported" in message and message.startswith("USE"):
            return errors.UnsupportedError
    return None


def server_error(
    code: str, message: str, trailers: Iterable[tuple[str, Any]] = ()
) -> errors.ServerError:
    """Build the typed error for a non-OK answer from the server."""
    for key, value in trailers:
        entry = _DETAILS.get(key)
        if entry is not None and isinstance(value, bytes):
            detail_cls, error_cls = entry
            try:
                _WIRE[key].FromString(value)  # betterproto accepts garbage silently
                detail = detail_cls.parse(value)
            except Exception:  # a garbled detail must not hide the error itself
                detail = None
            return error_cls(message, code=code, detail=detail)
    cls = _refine(code, message) or _BY_CODE.get(code, errors.InternalServerError)
    return cls(message, code=code)


def stream_status_error(code_number: int, message: str) -> errors.ServerError:
    """An in-stream google.rpc.Status item. Its message is "<CODE>: <server
    message>"; the server message alone is kept."""
    code = CODE_NAMES.get(code_number, "UNKNOWN")
    prefix = f"{code}: "
    text = message[len(prefix) :] if message.startswith(prefix) else message
    return server_error(code, text)

"""gRPC status (+ `stargate.*-bin` trailers) -> the driver's typed errors.

The one table. `_transport.py` calls `error_from_status` for every failed
unary or streaming call (its error boundary, the only place a grpc exception
is caught), and the pipeline calls `error_from_stream_status` for the
in-stream `google.rpc.Status` items; nothing else turns a status into an
error. This module does not import grpc: it sees code names, messages and
trailer pairs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, cast

import betterproto2
from google.protobuf.message import Message

from . import errors
from ._proto.bp import stargate as bp
from ._proto.stargate import query_pb2
from .codec.protoconv import detail_from_trailer

if TYPE_CHECKING:
    from .proto import ErrorDetail

# The trailer names, defined here once: stargate.<detail message name>-bin
TRAILER_PREFIX = "stargate."
TRAILER_SUFFIX = "-bin"


def trailer_key(detail_name: str) -> str:
    """The trailer that carries a detail message, e.g. `stargate.readtimeout-bin`."""
    return f"{TRAILER_PREFIX}{detail_name.lower()}{TRAILER_SUFFIX}"


# trailer key -> (betterproto detail class, upb class as a strict parser, error class)
_DETAILS: dict[str, tuple[type[betterproto2.Message], type[Message], type[errors.ServerError]]] = {}


def _register(cls: type[betterproto2.Message], error: type[errors.ServerError]) -> None:
    key = trailer_key(cls.__name__)
    if key in _DETAILS:  # refuse duplicates: one meaning per trailer
        raise RuntimeError(f"duplicate trailer registration: {key}")
    _DETAILS[key] = (cls, getattr(query_pb2, cls.__name__), error)


_register(bp.Unavailable, errors.UnavailableError)
_register(bp.ReadTimeout, errors.ReadTimeoutError)
_register(bp.WriteTimeout, errors.WriteTimeoutError)
_register(bp.ReadFailure, errors.ReadFailureError)
_register(bp.WriteFailure, errors.WriteFailureError)
_register(bp.CasWriteUnknown, errors.CasWriteUnknownError)
_register(bp.FunctionFailure, errors.FunctionFailureError)
_register(bp.AlreadyExists, errors.AlreadyExistsError)

TRAILER_KEYS = frozenset(_DETAILS)

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

# grpc's own texts for failures that happen in this process, not in the server
_TOO_LARGE = "larger than max"
_METADATA_TOO_LARGE = "metadata size exceeds"
# grpc.aio's status when a local operation fails (a write on a connection that
# just died): not an answer from the server
CORE_INTERNAL = "Internal error from Core"
_NOTHING_LISTENING = ("Connection refused", "failed to connect to all addresses")


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
    """The typed error for a non-OK answer from the server."""
    for key, value in trailers:
        entry = _DETAILS.get(key)
        if entry is not None and isinstance(value, bytes):
            detail_cls, wire_cls, error_cls = entry
            # parsed once, strictly (betterproto alone accepts garbage); a garbled
            # detail is None and must not hide the error itself
            detail = cast("ErrorDetail | None", detail_from_trailer(value, wire_cls, detail_cls))
            return error_cls(message, code=code, detail=detail)
    cls = _refine(code, message) or _BY_CODE.get(code, errors.InternalServerError)
    return cls(message, code=code)


def error_from_status(
    code: str, message: str, trailers: Iterable[tuple[str, Any]] = ()
) -> errors.AgaError:
    """A failed call's status -> the driver's error. Without a `stargate.*`
    trailer some codes describe this side of the wire (our deadline, no
    connection, a local size limit) rather than a database answer."""
    trailers = tuple(trailers)
    if not any(k in TRAILER_KEYS for k, _ in trailers):
        if code == "DEADLINE_EXCEEDED":
            return errors.ClientDeadlineError(f"deadline exceeded: {message}", code=code)
        if code == "UNAVAILABLE" and any(t in message for t in _NOTHING_LISTENING):
            return errors.ConnectionLostError(
                f"nothing is listening at the endpoint (connection refused): {message}",
                code=code,
            )
        if code in ("UNAVAILABLE", "CANCELLED") or (
            code == "INTERNAL" and message == CORE_INTERNAL
        ):
            return errors.ConnectionLostError(f"connection lost: {message}", code=code)
        if code == "RESOURCE_EXHAUSTED" and _METADATA_TOO_LARGE in message:
            return errors.MetadataTooLargeError(
                "the server's answer carried more status metadata than this client accepts "
                "(an error message echoing a large input, typically); the server's own error "
                f"was lost: {message}",
                code=code,
            )
        if code == "RESOURCE_EXHAUSTED" and _TOO_LARGE in message:
            return errors.MessageTooLargeError(message, code=code)
        if code == "UNIMPLEMENTED":
            return errors.ProtocolError(f"the server does not implement this method: {message}")
    return server_error(code, message, trailers)


def error_from_stream_status(code_number: int, message: str) -> errors.ServerError:
    """An in-stream google.rpc.Status item. Its message is "<CODE>: <server
    message>"; the server message alone is kept."""
    code = CODE_NAMES.get(code_number, "UNKNOWN")
    prefix = f"{code}: "
    text = message[len(prefix) :] if message.startswith(prefix) else message
    return server_error(code, text)


# the names this table had before the call path moved here
stream_status_error = error_from_stream_status

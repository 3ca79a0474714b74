"""Errors the emulator's CQL engine raises; the servicer turns each into a
gRPC status (code + the server message) and, where a typed detail exists, a
`stargate.<messagename lowercase>-bin` trailer, exactly as the contract says.
"""

from __future__ import annotations

from google.protobuf.message import Message


class CqlError(Exception):
    """Base: `code` is the gRPC status code name the client receives."""

    code = "UNKNOWN"

    def __init__(self, message: str, detail: Message | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class CqlSyntaxError(CqlError):
    """The statement text does not parse."""

    code = "INVALID_ARGUMENT"


class InvalidRequest(CqlError):
    """Parses, but is not valid: unknown keyspace/table/column, bad value..."""

    code = "INVALID_ARGUMENT"


class ConfigurationError(CqlError):
    """Schema-level refusal (e.g. a bad replication map)."""

    code = "FAILED_PRECONDITION"


class BindCountError(CqlError):
    """Wrong number of bind values or names (checked before execution)."""

    code = "FAILED_PRECONDITION"


class AlreadyExistsError(CqlError):
    """CREATE of an existing keyspace/table/type without IF NOT EXISTS;
    detail is a `stargate.AlreadyExists`."""

    code = "ALREADY_EXISTS"


class Unauthorized(CqlError):
    code = "PERMISSION_DENIED"


class Overloaded(CqlError):
    code = "RESOURCE_EXHAUSTED"


class TruncateError(CqlError):
    code = "ABORTED"


class ServerError(CqlError):
    code = "INTERNAL"

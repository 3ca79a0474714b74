"""Errors the emulator's CQL engine raises; the servicer turns each into a
gRPC status (code + the server message) and, where a typed detail exists, a
`stargate.<messagename lowercase>-bin` trailer, exactly as the contract says.
"""

from __future__ import annotations

import re

from google.protobuf.message import Message

MAX_MESSAGE = 1024
"""The longest message a status carries (gRPC refuses metadata over 8 KiB)."""
_ECHO_KEEP = 48  # of an overlong echoed token, this many characters are shown
_LONG_TOKEN = re.compile(rf"\S{{{_ECHO_KEEP * 2},}}")


def _cut(m: re.Match[str]) -> str:
    token = m.group(0)
    return f"{token[:_ECHO_KEEP]}...[{len(token)} characters]"


def bounded(message: str) -> str:
    """`message` with the input it echoes bounded, as Cassandra's parser
    bounds its error context: an overlong token (a name, a literal) keeps
    its start and its length, and the whole message at most MAX_MESSAGE
    characters."""
    if len(message) <= _ECHO_KEEP * 2:
        return message
    message = _LONG_TOKEN.sub(_cut, message)
    if len(message) > MAX_MESSAGE:
        message = message[: MAX_MESSAGE - 15] + "...[truncated]"
    return message


class CqlError(Exception):
    """Base: `code` is the gRPC status code name the client receives."""

    code = "UNKNOWN"

    def __init__(self, message: str, detail: Message | None = None) -> None:
        message = bounded(message)
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

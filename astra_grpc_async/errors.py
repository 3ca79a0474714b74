"""One exception hierarchy for the driver.

    AgaError
    ├── ClientError            the caller did something wrong; fix the calling code
    │   ├── EncodeError        a bind value cannot be encoded (nothing was sent)
    │   ├── IntoError          an `into=` class does not take the result's columns
    │   ├── ClientClosedError  the client was used after aclose()
    │   ├── RequestTooLargeError  over max_request_bytes (nothing sent)
    │   └── ConfigError        bad endpoint / token / TLS settings
    ├── BulkError              some execute_many items failed (every outcome kept)
    ├── ProtocolError          the server sent something this driver cannot read
    ├── TransportError         the request may not have reached the database
    │   ├── MessageTooLargeError  a size limit refused the message
    │   │   └── MetadataTooLargeError  the answer's status metadata was over the limit
    │   ├── ConnectionLostError   no connection / connection dropped (UNAVAILABLE, no detail)
    │   └── ClientDeadlineError   the caller's own deadline expired (no server trailer)
    └── ServerError            the database answered with an error; `code`, `message`, `detail`
        ├── AuthenticationError    UNAUTHENTICATED
        │   └── AuthApiError          the Stargate Auth API issued no token
        ├── AuthorizationError     PERMISSION_DENIED
        ├── InvalidQueryError      INVALID_ARGUMENT (syntax, unknown table, bad value)
        │   ├── BindValueError        a bind value of the wrong kind / out of range
        │   ├── UnsupportedError      e.g. `USE <keyspace>`
        │   └── BindCountError        too many / too few / no bind values or names
        ├── FailedPreconditionError FAILED_PRECONDITION otherwise (configuration)
        ├── FunctionFailureError   FAILED_PRECONDITION + stargate.functionfailure-bin
        ├── AlreadyExistsError     ALREADY_EXISTS
        ├── UnavailableError       UNAVAILABLE + stargate.unavailable-bin
        ├── ServerTimeoutError     DEADLINE_EXCEEDED + a timeout trailer
        │   ├── ReadTimeoutError
        │   └── WriteTimeoutError
        ├── ServerFailureError     ABORTED
        │   ├── ReadFailureError
        │   ├── WriteFailureError
        │   └── CasWriteUnknownError
        ├── OverloadedError        RESOURCE_EXHAUSTED
        └── InternalServerError    INTERNAL / UNKNOWN / anything else

A gRPC status becomes one of these in one boundary (`_transport.py`), from
one table (`_errormap.py`); the public API raises nothing else (besides
cancellation).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Endpoint
    from .proto import ErrorDetail
    from .result import Result


class AgaError(Exception):
    """Base of every error this driver raises."""


# --- misuse -----------------------------------------------------------------


class ClientError(AgaError):
    """The calling code is wrong: nothing reached the database."""


class EncodeError(ClientError, ValueError):
    """A bind value cannot be encoded. `position` (0-based) or `name` says which
    one; nothing was sent."""

    def __init__(self, message: str, *, position: int | None = None, name: str | None = None):
        where = (
            f"bind value {name!r}"
            if name is not None
            else (f"bind value at position {position}" if position is not None else "value")
        )
        super().__init__(f"{where}: {message}")
        self.position = position
        self.name = name
        self.reason = message


class IntoError(ClientError, TypeError):
    """The class given as `into=` does not take the result's columns as
    keyword arguments (the message names the columns). Fix the class or the
    SELECT list."""


class ClientClosedError(ClientError):
    """The client (or stream, or pipeline) was used after it was closed."""


class ConfigError(ClientError, ValueError):
    """Invalid client configuration (endpoint, token, TLS options)."""


class RequestTooLargeError(ClientError, ValueError):
    """The encoded request is over the client's `max_request_bytes` (4 MiB by
    default, the servers' limit); nothing was sent. Split it."""


class BulkError(AgaError):
    """Some items of `execute_many` failed. `outcomes[i]` is the Result or the
    exception of item i; `failed` lists the failed indices. Nothing is hidden
    behind a success count."""

    def __init__(self, outcomes: list[Result | AgaError]) -> None:
        self.outcomes = outcomes
        self.failed = [i for i, o in enumerate(outcomes) if isinstance(o, BaseException)]
        first = outcomes[self.failed[0]] if self.failed else None
        super().__init__(
            f"{len(self.failed)} of {len(outcomes)} statements failed; first (item "
            f"{self.failed[0] if self.failed else '-'}): {first!r}"
        )


# --- the driver could not understand the server ------------------------------


class ProtocolError(AgaError):
    """The server sent a message this driver cannot interpret (wrong value
    kind for a column, truncated row, unknown type). Report it: either the
    server or this driver is wrong."""


# --- transport --------------------------------------------------------------


class TransportError(AgaError):
    """The call failed below the database: it may or may not have been
    applied. `code` is the gRPC status code name when there was one."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ConnectionLostError(TransportError):
    """No connection could be made, or it dropped while the call was in flight.
    `endpoint` is the coordinator the call went to, when known (failover
    tries another one next)."""

    endpoint: Endpoint | None = None


class MessageTooLargeError(TransportError):
    """A message was over a size limit (RESOURCE_EXHAUSTED "larger than max"):
    the request for the server, or a response page for this client's
    `max_response_bytes`. Lower the page size or split the request."""


class MetadataTooLargeError(MessageTooLargeError):
    """The server's answer carried more status metadata (its error message and
    trailers) than the client accepts, so the server's own error is lost.
    Typically an error message that echoes a very large statement. Not retried:
    the same statement gets the same answer."""


class ClientDeadlineError(TransportError):
    """The caller's own deadline (timeout=) expired before an answer came.
    The server-side call was cancelled. Contrast ServerTimeoutError, where the
    coordinator itself timed out waiting for replicas."""


# --- the database said no ---------------------------------------------------


class ServerError(AgaError):
    """The server answered with an error status. `code` is the gRPC status code
    name, `message` the server's message and `detail` the decoded typed
    detail (an `astra_grpc_async.proto.ErrorDetail`: the dataclass of the
    server's `stargate.*-bin` trailer, e.g. `proto.ReadTimeout`) or None."""

    def __init__(self, message: str, *, code: str, detail: ErrorDetail | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.detail = detail

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code}, message={self.message!r})"


class AuthenticationError(ServerError):
    """The token is missing or not accepted (UNAUTHENTICATED)."""


class AuthApiError(AuthenticationError):
    """The Stargate Auth API did not issue a token: wrong credentials (HTTP
    401), a refused request, a server error, or no answer at all. `auth_url`
    names the API; `http_status` is its HTTP status, None when none came."""

    def __init__(self, message: str, *, auth_url: str, http_status: int | None) -> None:
        super().__init__(message, code="UNAUTHENTICATED")
        self.auth_url = auth_url
        self.http_status = http_status


class AuthorizationError(ServerError):
    """The token's role may not do this (PERMISSION_DENIED)."""


class InvalidQueryError(ServerError):
    """The statement was refused: syntax, unknown keyspace/table/column,
    invalid values (INVALID_ARGUMENT). Fix the statement."""


class BindValueError(InvalidQueryError):
    """A bind value has the wrong kind or is out of the column's range.

    `position` counts from 0 like `EncodeError` (Stargate's `message`, kept
    verbatim, counts from 1); `name` is set for a value bound by name. When
    the call's values are known the text names the Python value, its type
    and the wrapper that fixes it ("0.1 (float) bound to a float column:
    wrap it in aga.Float32")."""

    def __init__(self, message: str, *, code: str, detail: ErrorDetail | None = None) -> None:
        super().__init__(message, code=code, detail=detail)
        m = _AT_POSITION.match(message)
        self.position: int | None = int(m.group(1)) - 1 if m else None
        self.name: str | None = None
        self.reason = m.group(2) if m else message
        if m:
            self.args = (f"bind value at position {self.position}: {self.reason}",)

    def describe(self, text: str, *, name: str | None = None) -> None:
        """Replace the text after "bind value ...:" (the driver knows the value)."""
        self.name = name
        where = (
            f"bind value {name!r}"
            if name is not None
            else f"bind value at position {self.position}"
        )
        self.args = (f"{where}: {text}",)


_AT_POSITION = re.compile(r"Invalid argument at position (\d+): (.*)", re.DOTALL)


class UnsupportedError(InvalidQueryError):
    """The API does not support this statement (e.g. `USE <keyspace>`)."""


class BindCountError(InvalidQueryError):
    """Wrong number of bind values or names for the statement's markers
    (FAILED_PRECONDITION), or none sent for a statement that has markers
    (INVALID_ARGUMENT "Invalid amount of bind variables")."""


class FailedPreconditionError(ServerError):
    """FAILED_PRECONDITION: e.g. a configuration error."""


class FunctionFailureError(ServerError):
    """A user-defined function failed; detail is a FunctionFailure."""


class AlreadyExistsError(ServerError):
    """CREATE of something that exists; detail is an AlreadyExists."""


class UnavailableError(ServerError):
    """Not enough replicas alive for the consistency level; detail is an Unavailable."""


class ServerTimeoutError(ServerError):
    """The coordinator timed out waiting for replicas (server side)."""


class ReadTimeoutError(ServerTimeoutError):
    """detail is a ReadTimeout."""


class WriteTimeoutError(ServerTimeoutError):
    """detail is a WriteTimeout. The write may have been applied."""


class ServerFailureError(ServerError):
    """ABORTED: replicas failed the request."""


class ReadFailureError(ServerFailureError):
    """detail is a ReadFailure."""


class WriteFailureError(ServerFailureError):
    """detail is a WriteFailure."""


class CasWriteUnknownError(ServerFailureError):
    """A conditional write's outcome is unknown; detail is a CasWriteUnknown."""


class OverloadedError(ServerError):
    """The server is overloaded (RESOURCE_EXHAUSTED): back off."""


class InternalServerError(ServerError):
    """INTERNAL, UNKNOWN or an unexpected status."""

"""The one gRPC-status -> typed-error table."""

from __future__ import annotations

import pytest

from astra_grpc_async import errors
from astra_grpc_async._proto.stargate import query_pb2 as q
from astra_grpc_async._status import server_error, stream_status_error


@pytest.mark.parametrize(
    ("detail", "code", "cls"),
    [
        (q.Unavailable(consistency=6, required=3, alive=1), "UNAVAILABLE", errors.UnavailableError),
        (q.ReadTimeout(received=1, block_for=2), "DEADLINE_EXCEEDED", errors.ReadTimeoutError),
        (q.WriteTimeout(write_type="SIMPLE"), "DEADLINE_EXCEEDED", errors.WriteTimeoutError),
        (q.ReadFailure(num_failures=1), "ABORTED", errors.ReadFailureError),
        (q.WriteFailure(num_failures=2), "ABORTED", errors.WriteFailureError),
        (q.CasWriteUnknown(received=1), "ABORTED", errors.CasWriteUnknownError),
        (q.FunctionFailure(keyspace="k"), "FAILED_PRECONDITION", errors.FunctionFailureError),
        (q.AlreadyExists(keyspace="k", table="t"), "ALREADY_EXISTS", errors.AlreadyExistsError),
    ],
)
def test_trailer_detail_picks_class_and_is_decoded(detail, code, cls) -> None:  # type: ignore[no-untyped-def]
    key = f"stargate.{detail.DESCRIPTOR.name.lower()}-bin"
    err = server_error(code, "server says no", [("other", "x"), (key, detail.SerializeToString())])
    assert type(err) is cls
    assert err.code == code and err.message == "server says no"
    # the detail is the betterproto dataclass with the same field values
    assert type(err.detail).__name__ == detail.DESCRIPTOR.name
    assert bytes(err.detail) == detail.SerializeToString()


def test_unavailable_detail_fields() -> None:
    d = q.Unavailable(consistency=q.LOCAL_QUORUM, required=3, alive=1)
    err = server_error("UNAVAILABLE", "m", [("stargate.unavailable-bin", d.SerializeToString())])
    assert (err.detail.required, err.detail.alive) == (3, 1)
    assert err.detail.consistency.name == "LOCAL_QUORUM"


def test_garbled_detail_keeps_the_error() -> None:
    err = server_error("ALREADY_EXISTS", "m", [("stargate.alreadyexists-bin", b"\xff\xff\xff")])
    assert isinstance(err, errors.AlreadyExistsError)
    assert err.detail is None


@pytest.mark.parametrize(
    ("code", "message", "cls"),
    [
        ("UNAUTHENTICATED", "No token provided", errors.AuthenticationError),
        ("PERMISSION_DENIED", "no", errors.AuthorizationError),
        ("INVALID_ARGUMENT", "line 1:0 no viable alternative", errors.InvalidQueryError),
        ("INVALID_ARGUMENT", "Invalid argument at position 1: Expected integer type",
         errors.BindValueError),
        ("INVALID_ARGUMENT", "Unable to find bind marker with name 'x'", errors.BindValueError),
        ("INVALID_ARGUMENT", "USE <keyspace> not supported", errors.UnsupportedError),
        ("FAILED_PRECONDITION", "Invalid number of bind values. Expected 2, but received 1",
         errors.BindCountError),
        ("FAILED_PRECONDITION", "Invalid number of bind names. Expected 2, but received 1",
         errors.BindCountError),
        ("FAILED_PRECONDITION", "configuration", errors.FailedPreconditionError),
        ("RESOURCE_EXHAUSTED", "Server is overloaded", errors.OverloadedError),
        ("ABORTED", "truncate failed", errors.ServerFailureError),
        ("INTERNAL", "boom", errors.InternalServerError),
        ("NOT_FOUND", "odd", errors.InternalServerError),
    ],
)  # fmt: skip
def test_code_without_detail(code: str, message: str, cls: type) -> None:
    err = server_error(code, message)
    assert type(err) is cls
    assert err.message == message
    if not message.startswith("Invalid argument at position"):
        assert message in str(err)


def test_bind_value_error_counts_positions_from_zero() -> None:
    # Stargate counts from 1; the driver's text and `position` count from 0 like EncodeError
    err = server_error("INVALID_ARGUMENT", "Invalid argument at position 2: Expected float type")
    assert isinstance(err, errors.BindValueError)
    assert err.position == 1
    assert str(err) == "bind value at position 1: Expected float type"


def test_stream_status_strips_code_prefix() -> None:
    err = stream_status_error(3, "INVALID_ARGUMENT: line 1:0 no viable alternative at input 'X'")
    assert isinstance(err, errors.InvalidQueryError)
    assert err.message == "line 1:0 no viable alternative at input 'X'"
    assert err.code == "INVALID_ARGUMENT"


def test_stream_status_unknown_code_number() -> None:
    err = stream_status_error(99, "weird")
    assert isinstance(err, errors.InternalServerError) and err.code == "UNKNOWN"

from __future__ import annotations

import pytest

from astra_grpc_async import errors
from astra_grpc_async.options import (
    NO_RETRY,
    Consistency,
    RetryPolicy,
    consistency_value,
    is_idempotent,
)  # fmt: skip


@pytest.mark.parametrize(
    ("cql", "explicit", "expected"),
    [
        ("SELECT * FROM t", None, True),
        ("  select x from t", None, True),
        ("SELECT * FROM t", False, False),
        ("INSERT INTO t (a) VALUES (1)", None, False),
        ("INSERT INTO t (a) VALUES (1)", True, True),
        ("INSERT INTO t (a) VALUES (1) IF NOT EXISTS", True, False),
        ("UPDATE t SET a = 1 WHERE k = 1 IF a = 2", True, False),
        ("DELETE FROM t WHERE k = 1 IF EXISTS", True, False),
        ("UPDATE t SET a = 1 WHERE k = 1", True, True),
    ],
)
def test_idempotency(cql: str, explicit: bool | None, expected: bool) -> None:
    assert is_idempotent(cql, explicit) is expected


def test_retry_only_idempotent_and_bounded() -> None:
    p = RetryPolicy(max_attempts=3)
    unavailable = errors.UnavailableError("x", code="UNAVAILABLE")
    assert p.should_retry(unavailable, 1, True)
    assert p.should_retry(unavailable, 2, True)
    assert not p.should_retry(unavailable, 3, True)
    assert not p.should_retry(unavailable, 1, False)
    assert not p.should_retry(errors.InvalidQueryError("x", code="INVALID_ARGUMENT"), 1, True)
    assert not p.should_retry(errors.ClientDeadlineError("x"), 1, True)
    assert not NO_RETRY.should_retry(unavailable, 1, True)


def test_backoff_grows_with_jitter_and_overload_waits_longer() -> None:
    p = RetryPolicy(base_delay=0.1, max_delay=10.0, overload_factor=4.0)
    e = errors.UnavailableError("x", code="UNAVAILABLE")
    o = errors.OverloadedError("x", code="RESOURCE_EXHAUSTED")
    for _ in range(50):
        assert 0.05 <= p.delay(e, 1) <= 0.1
        assert 0.2 <= p.delay(e, 3) <= 0.4
        assert 0.2 <= p.delay(o, 1) <= 0.4
    assert p.delay(e, 30) <= 10.0


def test_consistency_names_and_numbers() -> None:
    assert consistency_value("local_one") == 10
    assert consistency_value(Consistency.QUORUM) == 4
    assert consistency_value(5) == 5
    with pytest.raises(errors.ClientError):
        consistency_value("MOST")
    with pytest.raises(errors.ClientError):
        consistency_value(42)

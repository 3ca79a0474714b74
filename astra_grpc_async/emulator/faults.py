"""Fault injection on a running emulator (a Python API for tests).

    server.faults.add_latency(0.2, match="SELECT")           # every matching call
    server.faults.fail_next(2, "unavailable", match="users")  # the next 2 matching calls
    await server.drop_connections()                           # see server.py

Rules match on the method name (e.g. "ExecuteQuery") and/or a substring of
the CQL (any statement of a batch); the first matching failure rule fires.
Each injected error is the one a real coordinator sends: status code,
message and `stargate.*-bin` detail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .._proto.stargate import query_pb2 as q
from . import errors as e

_LQ = q.LOCAL_QUORUM


class InjectedError(e.CqlError):
    """An error injected by a fault rule; `code` is set per instance."""

    def __init__(self, code: str, message: str, detail: object | None = None) -> None:
        super().__init__(message, detail)  # type: ignore[arg-type]
        self.code = code


def _unavailable() -> InjectedError:
    detail = q.Unavailable(consistency=_LQ, required=2, alive=1)
    return InjectedError("UNAVAILABLE", "Cannot achieve consistency level LOCAL_QUORUM", detail)


def _read_timeout() -> InjectedError:
    detail = q.ReadTimeout(consistency=_LQ, received=1, block_for=2, data_present=False)
    msg = "Operation timed out - received only 1 responses."
    return InjectedError("DEADLINE_EXCEEDED", msg, detail)


def _write_timeout() -> InjectedError:
    detail = q.WriteTimeout(consistency=_LQ, received=1, block_for=2, write_type="SIMPLE")
    msg = "Operation timed out - received only 1 responses."
    return InjectedError("DEADLINE_EXCEEDED", msg, detail)


def _read_failure() -> InjectedError:
    detail = q.ReadFailure(consistency=_LQ, received=1, block_for=2, num_failures=1)
    return InjectedError(
        "ABORTED", "Operation failed - received 1 responses and 1 failures", detail
    )


def _write_failure() -> InjectedError:
    detail = q.WriteFailure(
        consistency=_LQ, received=1, block_for=2, num_failures=1, write_type="SIMPLE"
    )
    return InjectedError(
        "ABORTED", "Operation failed - received 1 responses and 1 failures", detail
    )


def _cas_unknown() -> InjectedError:
    detail = q.CasWriteUnknown(consistency=q.SERIAL, received=0, block_for=1)
    return InjectedError(
        "ABORTED",
        "CAS operation result is unknown - proposal accepted by 0 but not a quorum.",
        detail,
    )


def _function_failure() -> InjectedError:
    detail = q.FunctionFailure(keyspace="ks", function="fn", arg_types=["int"])
    return InjectedError("FAILED_PRECONDITION", "execution of 'ks.fn[int]' failed", detail)


ERRORS: dict[str, Callable[[], InjectedError]] = {
    "unavailable": _unavailable,
    "read_timeout": _read_timeout,
    "write_timeout": _write_timeout,
    "read_failure": _read_failure,
    "write_failure": _write_failure,
    "cas_write_unknown": _cas_unknown,
    "function_failure": _function_failure,
    "overloaded": lambda: InjectedError("RESOURCE_EXHAUSTED", "Server is overloaded"),
    "unauthorized": lambda: InjectedError("PERMISSION_DENIED", "User has no permission"),
    "server_error": lambda: InjectedError("INTERNAL", "Unexpected server error"),
    "bootstrapping": lambda: InjectedError("UNAVAILABLE", "Cannot read from a bootstrapping node"),
    "truncate_error": lambda: InjectedError("ABORTED", "Error during truncate"),
}


@dataclass(slots=True)
class Rule:
    method: str | None = None
    match: str | None = None
    remaining: int | None = None  # None: forever
    error: str | None = None
    latency: float = 0.0
    fired: int = field(default=0)

    def matches(self, method: str, statements: Iterable[str]) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.method is not None and self.method != method:
            return False
        return self.match is None or any(self.match in cql for cql in statements)


class Faults:
    def __init__(self) -> None:
        self._rules: list[Rule] = []

    def add_latency(
        self,
        seconds: float,
        *,
        method: str | None = None,
        match: str | None = None,
        count: int | None = None,
    ) -> Rule:
        """Delay matching calls by `seconds` (the `count` next ones, or all)."""
        rule = Rule(method=method, match=match, remaining=count, latency=seconds)
        self._rules.append(rule)
        return rule

    def fail_next(
        self,
        n: int = 1,
        error: str = "unavailable",
        *,
        method: str | None = None,
        match: str | None = None,
    ) -> Rule:
        """Fail the next `n` matching calls with `error` (a key of ERRORS)."""
        if error not in ERRORS:
            raise ValueError(f"unknown error {error!r}; choose from {sorted(ERRORS)}")
        rule = Rule(method=method, match=match, remaining=n, error=error)
        self._rules.append(rule)
        return rule

    def clear(self) -> None:
        self._rules.clear()

    @property
    def active(self) -> bool:
        return bool(self._rules)

    async def apply(self, method: str, statements: Iterable[str]) -> None:
        """Sleep and/or raise as the matching rules say."""
        cqls = tuple(statements)
        delay = 0.0
        failure: InjectedError | None = None
        for rule in self._rules:
            if not rule.matches(method, cqls):
                continue
            if rule.error is not None and failure is not None:
                continue  # one failure per call; later rules keep their count
            if rule.remaining is not None:
                rule.remaining -= 1
            rule.fired += 1
            delay += rule.latency
            if rule.error is not None:
                failure = ERRORS[rule.error]()
        self._rules = [r for r in self._rules if r.remaining is None or r.remaining > 0]
        if delay:
            await asyncio.sleep(delay)
        if failure is not None:
            raise failure

"""Request/response hooks for instrumentation (logging, metrics, tracing).

    client.hooks.on_request.append(lambda info: ...)
    client.hooks.on_response.append(lambda info, result, error, seconds: ...)

`result` is the answer as a `Result` on every path (a query, a stream page,
a batch, a pipeline call, a `client.raw` call), or None when the call failed
(`error` says why) or has no single answer (a raw bidirectional stream). Its
rows are decoded only if the hook reads them: `len(result)` counts them
without decoding.

A hook must be quick and must not raise; one that raises is logged and
ignored so that instrumentation never breaks a query. `info.statement` is
the CQL text with no bind values (values can hold personal data).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .result import Result

log = logging.getLogger("astra_grpc_async.hooks")


@dataclass(frozen=True, slots=True)
class CallInfo:
    kind: str  # "query", "page", "batch", "pipeline", "stream" (a raw bidirectional stream)
    statement: str
    keyspace: str | None

    @property
    def operation(self) -> str:
        """The statement's first keyword (SELECT, INSERT, BATCH, ...)."""
        if self.kind == "batch":
            return "BATCH"
        head = self.statement.lstrip().split(None, 1)
        return head[0].upper() if head else ""


RequestHook = Callable[[CallInfo], None]
ResponseHook = Callable[[CallInfo, "Result | None", BaseException | None, float], None]
RetryHook = Callable[[CallInfo, BaseException, int], None]


@dataclass(slots=True)
class Hooks:
    on_request: list[RequestHook] = field(default_factory=list)
    on_response: list[ResponseHook] = field(default_factory=list)
    on_retry: list[RetryHook] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return bool(self.on_request or self.on_response or self.on_retry)

    def request(self, info: CallInfo) -> None:
        for hook in self.on_request:
            try:
                hook(info)
            except Exception:
                log.exception("on_request hook failed")

    def response(
        self, info: CallInfo, result: Result | None, error: BaseException | None, seconds: float
    ) -> None:
        for hook in self.on_response:
            try:
                hook(info, result, error, seconds)
            except Exception:
                log.exception("on_response hook failed")

    def retry(self, info: CallInfo, error: BaseException, attempt: int) -> None:
        for hook in self.on_retry:
            try:
                hook(info, error, attempt)
            except Exception:
                log.exception("on_retry hook failed")

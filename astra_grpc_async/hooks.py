"""Request/response hooks for instrumentation (logging, metrics, tracing).

    client.hooks.on_request.append(lambda info: ...)
    client.hooks.on_response.append(lambda info, response, error, seconds: ...)

A hook must be quick and must not raise; one that raises is logged and
ignored so that instrumentation never breaks a query. `info.statement` is
the CQL text with no bind values (values can hold personal data).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("astra_grpc_async.hooks")


@dataclass(frozen=True, slots=True)
class CallInfo:
    kind: str  # "query", "page", "batch", "pipeline"
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
ResponseHook = Callable[[CallInfo, Any, BaseException | None, float], None]
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
        self, info: CallInfo, response: Any, error: BaseException | None, seconds: float
    ) -> None:
        for hook in self.on_response:
            try:
                hook(info, response, error, seconds)
            except Exception:
                log.exception("on_response hook failed")

    def retry(self, info: CallInfo, error: BaseException, attempt: int) -> None:
        for hook in self.on_retry:
            try:
                hook(info, error, attempt)
            except Exception:
                log.exception("on_retry hook failed")

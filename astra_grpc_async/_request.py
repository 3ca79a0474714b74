"""Building the wire requests (Query, Batch) from call arguments.

Only non-default parameters are set, so the server applies its own defaults
(LOCAL_QUORUM, page size 100) exactly as for any other client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import errors
from ._proto.stargate import query_pb2
from ._session import CallSpec
from .codec import encode_values
from .options import (
    NO_OPTIONS,
    BatchKind,
    Consistency,
    Options,
    consistency_value,
    is_idempotent,
)

Params = Sequence[Any] | Mapping[str, Any] | None


def _not_unicode(what: str, exc: UnicodeEncodeError) -> errors.ClientError:
    return errors.ClientError(
        f"{what} is not valid Unicode text (a lone surrogate at index {exc.start}); "
        "nothing was sent"
    )


@dataclass(frozen=True, slots=True)
class RequestDefaults:
    keyspace: str | None = None
    consistency: Consistency | str | None = None
    page_size: int | None = None


def build_query(
    defaults: RequestDefaults,
    cql: str,
    params: Params,
    *,
    keyspace: str | None = None,
    consistency: Consistency | str | None = None,
    serial_consistency: Consistency | str | None = None,
    page_size: int | None = None,
    paging_state: bytes | None = None,
    timestamp: int | None = None,
    now_in_seconds: int | None = None,
    tracing: bool = False,
) -> query_pb2.Query:
    if not isinstance(cql, str):
        raise errors.ClientError(f"cql must be a str, not {type(cql).__name__}")
    try:
        query = query_pb2.Query(cql=cql)
    except UnicodeEncodeError as exc:
        raise _not_unicode("the CQL text", exc) from None
    if params is not None:
        encode_values(params, into=query.values)
    ks = keyspace if keyspace is not None else defaults.keyspace
    cl = consistency if consistency is not None else defaults.consistency
    size = page_size if page_size is not None else defaults.page_size
    if not (
        ks or cl is not None or size is not None or serial_consistency is not None
        or paging_state or timestamp is not None or now_in_seconds is not None or tracing
    ):  # fmt: skip
        return query  # the usual case: server defaults, no parameters message at all
    p = query.parameters
    if ks:
        _set_keyspace(p, ks)
    if cl is not None:
        p.consistency.value = consistency_value(cl)  # type: ignore[assignment]
    if serial_consistency is not None:
        p.serial_consistency.value = consistency_value(serial_consistency)  # type: ignore[assignment]
    if size is not None:
        if size < 1:
            raise errors.ClientError("page_size must be at least 1")
        p.page_size.value = size
    if paging_state:
        p.paging_state.value = paging_state
    if timestamp is not None:
        p.timestamp.value = timestamp
    if now_in_seconds is not None:
        p.now_in_seconds.value = now_in_seconds
    if tracing:
        p.tracing = True
    return query


def _set_keyspace(p: query_pb2.QueryParameters | query_pb2.BatchParameters, ks: str) -> None:
    try:
        p.keyspace.value = ks
    except UnicodeEncodeError as exc:
        raise _not_unicode("keyspace", exc) from None


def _statement(item: str | tuple[str, Params], index: int) -> tuple[str, Params]:
    if isinstance(item, str):
        return item, None
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
        return item[0], item[1]
    raise errors.ClientError(
        f"batch item {index} must be a CQL string or a (cql, params) pair, got {item!r:.80}"
    )


def build_batch(
    defaults: RequestDefaults,
    statements: Iterable[str | tuple[str, Params]],
    *,
    kind: BatchKind,
    keyspace: str | None,
    consistency: Consistency | str | None,
    serial_consistency: Consistency | str | None,
    timestamp: int | None,
    tracing: bool,
) -> query_pb2.Batch:
    batch = query_pb2.Batch(type=BatchKind(kind).value)  # type: ignore[arg-type]
    for index, item in enumerate(statements):
        cql, params = _statement(item, index)
        try:
            bq = batch.queries.add(cql=cql)
        except UnicodeEncodeError as exc:
            raise _not_unicode(f"the CQL text of batch statement {index}", exc) from None
        if params is not None:
            try:
                encode_values(params, into=bq.values)
            except errors.EncodeError as exc:
                raise errors.EncodeError(
                    f"batch statement {index}: {exc.reason}", position=exc.position, name=exc.name
                ) from exc
    if not batch.queries:
        raise errors.ClientError("a batch needs at least one statement")
    p = batch.parameters
    ks = keyspace if keyspace is not None else defaults.keyspace
    if ks:
        _set_keyspace(p, ks)
    cl = consistency if consistency is not None else defaults.consistency
    if cl is not None:
        p.consistency.value = consistency_value(cl)  # type: ignore[assignment]
    if serial_consistency is not None:
        p.serial_consistency.value = consistency_value(serial_consistency)  # type: ignore[assignment]
    if timestamp is not None:
        p.timestamp.value = timestamp
    if tracing:
        p.tracing = True
    return batch


def query_with(
    defaults: RequestDefaults,
    cql: str,
    params: Params,
    options: Options,
    paging_state: bytes | None = None,
) -> query_pb2.Query:
    """`build_query` from an `Options`."""
    o = options
    return build_query(
        defaults, cql, params,
        keyspace=o.keyspace, consistency=o.consistency, serial_consistency=o.serial_consistency,
        page_size=o.page_size, paging_state=paging_state, timestamp=o.timestamp,
        now_in_seconds=o.now_in_seconds, tracing=o.tracing,
    )  # fmt: skip


def batch_with(
    defaults: RequestDefaults,
    statements: Iterable[str | tuple[str, Params]],
    kind: BatchKind,
    options: Options,
) -> query_pb2.Batch:
    """`build_batch` from an `Options` (a batch has no page size: ignored)."""
    o = options
    return build_batch(
        defaults, statements, kind=kind, keyspace=o.keyspace, consistency=o.consistency,
        serial_consistency=o.serial_consistency, timestamp=o.timestamp, tracing=o.tracing,
    )  # fmt: skip


def call_options(
    options: Options | None,
    *,
    keyspace: str | None,
    consistency: Consistency | str | None,
    serial_consistency: Consistency | str | None,
    timestamp: int | None,
    tracing: bool,
    timeout: float | None,
    idempotent: bool | None,
    page_size: int | None = None,
    now_in_seconds: int | None = None,
) -> Options:
    """A call's `options` with its keyword arguments applied: the one place
    the public keyword options meet `Options` (`tracing=False` is "not given")."""
    return (options or NO_OPTIONS).merged(
        keyspace=keyspace, consistency=consistency, serial_consistency=serial_consistency,
        page_size=page_size, timestamp=timestamp, now_in_seconds=now_in_seconds,
        tracing=tracing or None, timeout=timeout, idempotent=idempotent,
    )  # fmt: skip


def query_call(
    defaults: RequestDefaults,
    kind: str,
    cql: str,
    params: Params,
    options: Options,
    paging_state: bytes | None = None,
) -> tuple[query_pb2.Query, CallSpec]:
    """The Query message and the call spec the policy runs it under."""
    query = query_with(defaults, cql, params, options, paging_state)
    keyspace = query.parameters.keyspace.value or None
    return query, CallSpec(
        kind, cql, keyspace, is_idempotent(cql, options.idempotent), options.timeout
    )


def batch_call(
    defaults: RequestDefaults,
    kind: str,
    statements: Iterable[str | tuple[str, Params]],
    batch_kind: BatchKind,
    options: Options,
) -> tuple[query_pb2.Batch, CallSpec]:
    """The Batch message and its call spec: idempotent only when asked and
    every statement may be retried."""
    batch = batch_with(defaults, statements, batch_kind, options)
    idem = bool(options.idempotent) and all(is_idempotent(q.cql, True) for q in batch.queries)
    cql = "; ".join(q.cql for q in batch.queries)
    keyspace = batch.parameters.keyspace.value or None
    return batch, CallSpec(kind, cql, keyspace, idem, options.timeout)

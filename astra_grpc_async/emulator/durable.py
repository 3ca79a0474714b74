"""The engine behind `--data-dir`: nothing is told before it is durable.

Requests run in the engine at once (so the log keeps execution order), but
no answer leaves before the commits it depends on: a write waits for its
own; a read, a condition, or an error waits for that of the newest write it
could have observed. A failed commit fails those writes with WriteFailure,
the engine is rebuilt from disk (so none of them stays visible), and an
answer that had observed them is computed again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from .._proto.stargate import query_pb2
from . import journal as jr
from . import snapshot
from .datadir import DataDir
from .engine import Engine, Outcome
from .errors import CqlError
from .startup import EmulatorStartError

__all__ = ["Durable", "ReadFailed", "WriteFailed"]

_Req = TypeVar("_Req", query_pb2.Query, query_pb2.Batch)
_ATTEMPTS = 3  # an answer whose inputs were rolled back is computed again, this often


class WriteFailed(CqlError):
    """The write's commit failed; it was not applied (rolled back)."""

    code = "ABORTED"


class ReadFailed(CqlError):
    """Every attempt at this answer saw writes that then failed to commit."""

    code = "UNAVAILABLE"


def _consistency(request: query_pb2.Query | query_pb2.Batch) -> int:
    p = request.parameters
    return p.consistency.value if p.HasField("consistency") else query_pb2.LOCAL_QUORUM


def _write_failed(request: query_pb2.Query | query_pb2.Batch, reason: str) -> WriteFailed:
    detail = query_pb2.WriteFailure(
        consistency=_consistency(request),  # type: ignore[arg-type]
        received=0,
        block_for=1,
        num_failures=1,
        write_type="BATCH" if isinstance(request, query_pb2.Batch) else "SIMPLE",
    )
    return WriteFailed(
        f"Operation failed - the write could not be made durable ({reason}); it was not applied",
        detail,
    )


def _apply(engine: Engine, kind: int, payload: bytes, now_micros: int) -> None:
    if kind == jr.BATCH:
        engine.execute_batch(query_pb2.Batch.FromString(payload), now_micros=now_micros)
    elif kind == jr.QUERY:
        engine.execute(query_pb2.Query.FromString(payload), now_micros=now_micros)
    else:
        raise ValueError(f"unknown record kind {kind}")


def describe(rec: jr.Record) -> str:
    """A record in a few words, for a one-line error."""
    when = dt.datetime.fromtimestamp(rec.now_micros / 1e6, dt.UTC).isoformat(timespec="seconds")
    try:
        if rec.kind == jr.BATCH:
            batch = query_pb2.Batch.FromString(rec.payload)
            first = batch.queries[0].cql if batch.queries else ""
            what = f"BATCH of {len(batch.queries)}, first {_clip(first)!r}"
        elif rec.kind == jr.QUERY:
            what = repr(_clip(query_pb2.Query.FromString(rec.payload).cql))
        else:
            what = f"unknown kind {rec.kind}"
    except Exception:
        what = f"{len(rec.payload)} bytes that are not a request"
    return f"{what}, written {when}"


def _clip(cql: str, limit: int = 80) -> str:
    cql = " ".join(cql.split())
    return cql if len(cql) <= limit else cql[: limit - 3] + "..."


def _transplant(target: Engine, source: Engine) -> None:
    """Make `target` hold `source`'s state: every reference to the engine
    (server, servicer) sees the rebuilt one."""
    target.__dict__.clear()
    target.__dict__.update(source.__dict__)


class Durable:
    def __init__(
        self, engine: Engine, data_dir: str | Path, *, skip_bad_records: bool = False
    ) -> None:
        self.engine = engine
        self.data_dir = DataDir(data_dir)
        try:
            self.journal = jr.Journal(self.data_dir)
        except BaseException:
            self.data_dir.close()
            raise
        self._skip_bad = skip_bad_records
        self.journal.on_rollback = self._rebuild
        self.journal.snapshot_source = self._dump

    def open(self) -> int:
        """Load the snapshot and replay the log after it into the engine;
        returns how many records were replayed."""
        fresh = self._load(skip_bad=self._skip_bad)
        _transplant(self.engine, fresh)
        self.journal.compact_soon()  # a long tail (an older journal, say) is compacted now
        return self.journal.replayed

    def _load(self, *, skip_bad: bool) -> Engine:
        blob = self.journal.load_snapshot()
        try:
            fresh = snapshot.load(blob) if blob is not None else Engine()
        except Exception as exc:
            raise EmulatorStartError(
                f"data dir {self.data_dir.path}: the snapshot in {jr.FILE} cannot be "
                f"loaded: {type(exc).__name__}: {exc}"
            ) from None
        self.journal.replay(
            lambda kind, payload, now: _apply(fresh, kind, payload, now),
            describe,
            skip_bad=skip_bad,
        )
        return fresh

    def _rebuild(self) -> None:
        # records committed by this process ran once already: they replay
        _transplant(self.engine, self._load(skip_bad=True))

    def _dump(self) -> tuple[bytes, int]:
        return snapshot.dump(self.engine), snapshot.live_rows(self.engine)

    async def run(
        self,
        request: _Req,
        kind: int,
        execute: Callable[[_Req, int], Outcome],
        now: Callable[[], int],
    ) -> query_pb2.Response:
        """Execute, then answer once what the answer rests on is durable."""
        reason = ""
        for _ in range(_ATTEMPTS):
            at = now()
            error: CqlError | None = None
            try:
                outcome = execute(request, at)
            except CqlError as exc:  # an error can rest on uncommitted state too
                error, outcome = exc, None
            if outcome is not None and outcome.mutated:
                try:
                    fut = self.journal.record(kind, request.SerializeToString(), at)
                    await asyncio.shield(fut)
                except jr.CommitFailed as exc:
                    raise _write_failed(request, exc.reason) from None
                return outcome.response
            barrier = self.journal.barrier()
            if barrier is not None:
                try:
                    await asyncio.shield(barrier)
                except jr.CommitFailed as exc:
                    reason = exc.reason
                    continue  # what it saw was rolled back: compute it again
            if error is not None:
                raise error
            assert outcome is not None
            return outcome.response
        raise ReadFailed(
            "Cannot achieve consistency: the writes this answer depends on could not be "
            f"made durable ({reason})"
        )

    async def aclose(self) -> None:
        try:
            await self.journal.aclose()
        finally:
            self.data_dir.close()

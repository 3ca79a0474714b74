"""astra_grpc_async: an asyncio-native driver for the Stargate gRPC API
(DataStax Astra, Apache Cassandra), with an embedded emulator."""

from typing import TYPE_CHECKING, Any

from . import codec, errors, proto
from ._paging import RowStream, StreamStats
from ._pipeline import Pipeline
from ._raw import RawStream, RawStub
from ._version import __version__
from .client import Client
from .config import TLS
from .hooks import CallInfo, Hooks
from .options import NO_RETRY, BatchKind, Consistency, RetryPolicy
from .result import Column, Result, decode_cursor, encode_cursor
from .row import Row
from .table_token import TableBasedToken
from .tokens import StaticToken, TokenProvider
from .types import UNSET, Date, Duration, Float32, Time, Timestamp, Udt, Varint

__all__ = [
    # the client
    "Client", "TLS", "RetryPolicy", "NO_RETRY", "Hooks", "CallInfo",
    # tokens
    "TokenProvider", "StaticToken", "TableBasedToken",
    # results
    "Result", "Row", "Column", "RowStream", "StreamStats", "Pipeline", "RawStub", "RawStream",
    "encode_cursor", "decode_cursor",
    # options and values
    "Consistency", "BatchKind", "UNSET", "Float32", "Varint", "Udt", "Duration",
    "Date", "Time", "Timestamp",
    # submodules
    "errors", "emulator", "proto", "codec",
    "__version__",
]  # fmt: skip

if TYPE_CHECKING:
    from . import emulator


def __getattr__(name: str) -> Any:
    # the emulator (parser, engine) loads only when asked for: clients don't pay for it
    if name == "emulator":
        import importlib

        return importlib.import_module(".emulator", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The emulator's CQL engine: an in-memory, single-replica Cassandra that
executes parsed statements and answers Stargate protobuf Responses.

`Engine.execute` / `Engine.execute_batch` are the whole public surface (the
gRPC servicer calls them); everything is synchronous and deterministic given
the statements and the `now_micros` of each call.
"""

from .executor import Engine, Outcome

__all__ = ["Engine", "Outcome"]

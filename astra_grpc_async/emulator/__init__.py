"""The embedded Stargate-compatible emulator: the real `stargate.Stargate`
gRPC service over an in-memory CQL engine.

    async with aga.emulator.serve(port=0) as server:
        async with aga.Client(server.endpoint, token=server.token) as client:
            ...

Standalone: `python -m astra_grpc_async.emulator --port 8090 --token T`.
"""

from .faults import ERRORS as FAULT_ERRORS
from .faults import Faults
from .server import EmulatorServer, ServerTLS, serve
from .startup import EmulatorStartError

__all__ = ["FAULT_ERRORS", "EmulatorServer", "EmulatorStartError", "Faults", "ServerTLS", "serve"]

from __future__ import annotations

pytest_plugins = ["astra_grpc_async.testing"]

"""The applications built on the driver: the `astra-grpc` command, the CQL
shell, the demo and the load tool. The package root holds the library alone."""

from .main import main

__all__ = ["main"]

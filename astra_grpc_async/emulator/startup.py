"""Why an emulator cannot start, said in one line.

`EmulatorServer.start()` raises `EmulatorStartError` for a busy port or an
unusable data dir; `python -m astra_grpc_async.emulator` prints its message
and exits with status 1 instead of a traceback.
"""

from __future__ import annotations

import errno
import socket

from ..errors import AgaError

__all__ = ["EmulatorStartError", "check_port_free"]


class EmulatorStartError(AgaError, OSError):
    """The emulator cannot start; the message says why in one line. An
    `OSError` too, which is what a failed listen raised before."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "cannot start the emulator"


def check_port_free(host: str, port: int) -> None:
    """Refuse a port another process listens on, before gRPC tries: its C core
    logs its own multi-line complaint on a failed bind."""
    if port == 0:
        return
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise EmulatorStartError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as probe:
            # gRPC listens with SO_REUSEADDR too: only a live listener conflicts
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                # anything else (e.g. no IPv6 here) is gRPC's to judge
                if exc.errno == errno.EADDRINUSE:
                    raise EmulatorStartError(
                        f"cannot listen on {host}:{port}: the port is in use"
                    ) from None

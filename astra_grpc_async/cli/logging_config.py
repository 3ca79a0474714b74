"""Logging for applications and the CLI, with tokens masked.

The driver logs under `astra_grpc_async.*` and never formats a token into a
record (the client holds it in a `Secret` whose repr is `Secret('***')`).
`RedactTokens` is a second line of defence for everything else in the same
handler (your own log lines, gRPC's): it masks Astra tokens (`AstraCS:...`)
and any exact secret you register.

    from astra_grpc_async.cli.logging_config import configure_logging
    configure_logging("DEBUG", secrets=[token])
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import IO

__all__ = ["RedactTokens", "configure_logging"]

MASK = "***"
_ASTRA_TOKEN = re.compile(r"AstraCS:[A-Za-z0-9_\-:.+/=]+")
FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


class RedactTokens(logging.Filter):
    """Masks tokens in a record's final message (and drops its args)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _ASTRA_TOKEN.sub("AstraCS:" + MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redact(text)
        return True


def configure_logging(
    level: int | str = logging.INFO,
    *,
    secrets: Iterable[str] = (),
    stream: IO[str] | None = None,
    logger: str = "astra_grpc_async",
) -> logging.Handler:
    """A stderr handler on the driver's logger at `level`, masking tokens.
    Returns the handler (remove it to undo)."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RedactTokens(secrets))
    target = logging.getLogger(logger)
    target.addHandler(handler)
    target.setLevel(level)
    return handler

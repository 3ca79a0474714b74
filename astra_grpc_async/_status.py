"""The status -> error table lives in `_errormap.py`; these names stay importable."""

from ._errormap import (
    CODE_NAMES,
    TRAILER_PREFIX,
    TRAILER_SUFFIX,
    server_error,
    stream_status_error,
)

__all__ = ["CODE_NAMES", "TRAILER_PREFIX", "TRAILER_SUFFIX", "server_error", "stream_status_error"]

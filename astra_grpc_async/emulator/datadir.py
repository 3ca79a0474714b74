"""The `--data-dir` folder: checked, created, and locked for one emulator.

Two emulators appending to one journal would each replay only part of the
other's history, so the folder is locked (flock on `emulator.lock`, which
holds the owner's pid). The kernel drops the lock with its process, kill -9
included, so there is nothing stale to clean up.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .startup import EmulatorStartError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no lock
    fcntl = None  # type: ignore[assignment]

__all__ = ["DataDir"]

LOCK_FILE = "emulator.lock"


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


class DataDir:
    """An open, locked data dir; `close()` releases it (idempotent)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock_fd: int | None = None
        where = f"data dir {self.path}"
        if self.path.exists() and not self.path.is_dir():
            raise EmulatorStartError(f"{where} is not a directory")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise EmulatorStartError(f"cannot create {where}: {_why(exc)}") from None
        try:
            fd = os.open(self.path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise EmulatorStartError(f"{where} is not writable: {_why(exc)}") from None
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                owner = _read_owner(fd)
                os.close(fd)
                by = f" (pid {owner})" if owner else ""
                raise EmulatorStartError(
                    f"{where} is in use by another emulator{by}; one emulator per data dir"
                ) from None
        try:
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode())
        except OSError as exc:
            os.close(fd)
            raise EmulatorStartError(f"{where} is not writable: {_why(exc)}") from None
        self._lock_fd = fd

    def file(self, name: str) -> Path:
        return self.path / name

    def close(self) -> None:
        fd, self._lock_fd = self._lock_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)  # closing the descriptor releases the flock


def _read_owner(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 32).decode(errors="replace").strip()
    except OSError:
        return ""

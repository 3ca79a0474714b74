"""Where a call's `x-cassandra-token` comes from.

A plain `str` token is wrapped in `StaticToken`. Anything that implements
`TokenProvider` can stand in its place (the Stargate Auth API's table-based
tokens, a secret manager): the driver asks for the token lazily before a call
and, when the server answers UNAUTHENTICATED to a token a provider gave, asks
that provider to refresh once and retries the call once. A provider must make
concurrent refreshes of the same rejected token share one fetch (single flight).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from .config import Secret

__all__ = ["StaticToken", "TokenProvider"]


@runtime_checkable
class TokenProvider(Protocol):
    """The source of the token a call sends."""

    async def get_token(self) -> Secret:
        """The current token, fetched on first use and cached."""
        ...

    async def refresh(self, rejected: Secret) -> Secret:
        """A new token after the server rejected `rejected`. Concurrent callers
        that pass the same rejected token share one fetch; a caller whose token
        was already replaced gets the replacement without a new fetch."""
        ...

    @property
    def refreshable(self) -> bool:
        """Whether `refresh` can give a different token (a static one cannot,
        so an UNAUTHENTICATED answer is final)."""
        ...

    async def aclose(self) -> None:
        """Release what the provider holds (an HTTP client); idempotent."""
        ...


class StaticToken:
    """A fixed token: what a plain `str` passed as `token=` becomes."""

    __slots__ = ("_secret",)

    def __init__(self, token: str | Secret) -> None:
        self._secret = token if isinstance(token, Secret) else Secret(token)

    async def get_token(self) -> Secret:
        return self._secret

    async def refresh(self, rejected: Secret) -> Secret:
        return self._secret

    @property
    def refreshable(self) -> bool:
        return False

    async def aclose(self) -> None:
        return None

    def __repr__(self) -> str:
        return "StaticToken('***')"

"""Where `cql` and `load` connect: the flags, else the environment, else an
embedded emulator. Every setting is resolved on its own, and a flag always
wins over the environment's value for the same setting."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import getpass
import os
import sys
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import config, errors
from ..config import Secret
from ..table_token import table_based_token

if TYPE_CHECKING:
    from ..client import Client

EXIT_FAILURE = 1
PROBE = "SELECT release_version FROM system.local"
PROBE_TIMEOUT = 10.0


class CliFailure(Exception):
    """Ends the command with `code` after printing `message` on stderr."""

    def __init__(self, message: str, code: int = EXIT_FAILURE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection")
    group.add_argument(
        "--endpoint",
        help=f"host:port (default: ${config.ENV_ENDPOINT}, Astra from the environment, "
        "or an embedded emulator)",
    )
    group.add_argument(
        "--token",
        help=f"token (default: ${config.ENV_TOKEN} or ${config.ENV_ASTRA_TOKEN}; "
        "prefer the environment: arguments show in the process list)",
    )
    group.add_argument(
        "--auth-url",
        help=f"Stargate Auth API, e.g. http://host:8081/v1/auth, for table-based tokens "
        f"instead of --token (default: ${config.ENV_AUTH_URL}); the password comes from "
        f"${config.ENV_PASSWORD} or a prompt",
    )
    group.add_argument("--username", help=f"Auth API user (default: ${config.ENV_USERNAME})")
    group.add_argument(
        "--keyspace",
        help=f"default keyspace for unqualified names (default: ${config.ENV_KEYSPACE})",
    )
    group.add_argument("--tls", action=argparse.BooleanOptionalAction, default=None,
                       help="force TLS on/off (default: on except for loopback)")  # fmt: skip
    group.add_argument("--timeout", type=_positive_float, default=None, help="seconds per call")
    group.add_argument(
        "--emulator", action="store_true", help="use an embedded emulator even if env is set"
    )
    group.add_argument(
        "--log-level", choices=("DEBUG", "INFO", "WARNING", "ERROR"), default=None,
        help="log the driver to stderr at this level (tokens are masked)",
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Target:
    """What to connect to. `endpoint` None means an embedded emulator."""

    endpoint: str | None
    token: str | None = field(repr=False)
    keyspace: str | None
    endpoint_from: str  # "--endpoint", an environment variable, or "emulator"
    auth_api: config.AuthApiSettings | None = None  # tokens from the Auth API instead


def resolve_target(args: argparse.Namespace, env: Mapping[str, str]) -> Target:
    """The one place where flags and environment meet (ConfigError when they
    contradict each other)."""
    return _with_auth_api(_resolve_endpoint(args, env), args, env)


def _with_auth_api(target: Target, args: argparse.Namespace, env: Mapping[str, str]) -> Target:
    """--auth-url / $STARGATE_AUTH_URL replace the token (a flag for one wins
    over the environment's value for the other)."""
    if args.auth_url and args.token:
        raise errors.ConfigError("--token and --auth-url both given: choose one")
    url = args.auth_url or (None if args.token else env.get(config.ENV_AUTH_URL) or None)
    if url is None or (target.endpoint is None and not args.auth_url):
        if args.username:
            raise errors.ConfigError(f"--username needs --auth-url or ${config.ENV_AUTH_URL}")
        return target
    if target.endpoint is None:
        raise errors.ConfigError(
            "--auth-url given but no endpoint: pass --endpoint or set "
            f"${config.ENV_ENDPOINT} (the embedded emulator has a token of its own)"
        )
    if not args.auth_url and env.get(config.ENV_TOKEN):
        raise errors.ConfigError(f"set ${config.ENV_TOKEN} or ${config.ENV_AUTH_URL}, not both")
    username = args.username or env.get(config.ENV_USERNAME) or None
    if username is None:
        raise errors.ConfigError(f"the Auth API needs --username or ${config.ENV_USERNAME}")
    password = env.get(config.ENV_PASSWORD) or None
    auth = config.AuthApiSettings(url, username, None if password is None else Secret(password))
    return dataclasses.replace(target, token=None, auth_api=auth)


async def _ask_password(auth: config.AuthApiSettings) -> config.AuthApiSettings:
    if auth.password is not None:
        return auth
    if not sys.stdin.isatty():
        raise errors.ConfigError(
            f"no password for {auth.username!r} at {auth.url}: set ${config.ENV_PASSWORD} "
            "(there is no terminal to ask on)"
        )
    prompt = f"Password for {auth.username} at {auth.url}: "
    password = await asyncio.to_thread(getpass.getpass, prompt)  # not on the loop
    return dataclasses.replace(auth, password=Secret(password))


def _resolve_endpoint(args: argparse.Namespace, env: Mapping[str, str]) -> Target:
    keyspace = args.keyspace or env.get(config.ENV_KEYSPACE) or None
    if args.emulator:
        if args.endpoint or args.token or args.auth_url:
            raise errors.ConfigError(
                "--emulator starts its own server with its own token: "
                "drop --endpoint/--token/--auth-url, or drop --emulator"
            )
        return Target(None, None, keyspace, "emulator")
    env_token = env.get(config.ENV_TOKEN) or env.get(config.ENV_ASTRA_TOKEN) or None
    if args.endpoint:
        return Target(args.endpoint, args.token or env_token, keyspace, "--endpoint")
    if env.get(config.ENV_ASTRA_ID) or env.get(config.ENV_ASTRA_REGION):
        endpoint = config.astra_endpoint(
            env.get(config.ENV_ASTRA_ID, ""), env.get(config.ENV_ASTRA_REGION, "")
        )
        token = args.token or env.get(config.ENV_ASTRA_TOKEN) or None
        if token is None:
            raise errors.ConfigError(
                f"{config.ENV_ASTRA_ID}/{config.ENV_ASTRA_REGION} set but neither --token "
                f"nor {config.ENV_ASTRA_TOKEN} is"
            )
        return Target(endpoint, token, keyspace, f"${config.ENV_ASTRA_ID}")
    if env.get(config.ENV_ENDPOINT):
        return Target(env[config.ENV_ENDPOINT], args.token or env_token, keyspace,
                      f"${config.ENV_ENDPOINT}")  # fmt: skip
    if args.token:
        raise errors.ConfigError(
            f"--token given but no endpoint: pass --endpoint or set ${config.ENV_ENDPOINT} "
            "(without an endpoint astra-grpc would start an empty embedded emulator, "
            "which has a token of its own)"
        )
    return Target(None, None, keyspace, "emulator")


@contextlib.asynccontextmanager
async def connect(
    args: argparse.Namespace,
    *,
    env: Mapping[str, str] | None = None,
    say: Callable[[str], None] | None = None,
) -> AsyncIterator[Client]:
    """A client for the resolved target (an embedded emulator started for the
    duration of the block when there is none), checked with one query so
    that a refused connection or a wrong token fails here (CliFailure)."""
    from ..client import Client

    env = os.environ if env is None else env
    target = resolve_target(args, env)
    auth = None if target.auth_api is None else await _ask_password(target.auth_api)
    if args.log_level:
        from .logging_config import configure_logging

        secrets = [target.token, env.get(config.ENV_TOKEN), env.get(config.ENV_ASTRA_TOKEN)]
        if auth is not None and auth.password is not None:
            secrets.append(auth.password.reveal())
        configure_logging(args.log_level, secrets=[s for s in secrets if s])
    options: dict[str, Any] = {"timeout": args.timeout, "tls": args.tls}
    if target.keyspace:
        options["keyspace"] = target.keyspace
    if target.endpoint is not None:
        token: Any = target.token
        async with contextlib.AsyncExitStack() as stack:
            if auth is not None:
                token = await stack.enter_async_context(table_based_token(auth))
            client = await stack.enter_async_context(
                Client(target.endpoint, token=token, **options)
            )
            await _probe(client)
            yield client
        return
    from ..emulator import serve

    async with serve(port=0) as server:
        if say is not None:
            say(f"embedded emulator on {server.endpoint} (no endpoint configured)")
        async with Client(server.endpoint, token=server.token, **options) as client:
            yield client


async def _probe(client: Client) -> None:
    try:
        await client.execute(PROBE, timeout=PROBE_TIMEOUT)
    except (errors.AuthenticationError, errors.TransportError) as exc:
        where = ", ".join(map(str, client.endpoints))
        message = getattr(exc, "message", None) or str(exc)
        raise CliFailure(f"cannot connect to {where}: {type(exc).__name__}: {message}") from None
    except errors.ServerError:
        pass  # a server without system.local still answers: it is reachable


def is_connection_failure(exc: BaseException) -> bool:
    """Errors that say the server is unreachable or refuses us, not the statement."""
    return isinstance(exc, errors.AuthenticationError | errors.ConnectionLostError)


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value

"""The handlers of the one-server commands: remotes, replications and wait, and their shared context."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any, TextIO

from ..core.args import is_id
from ..core.errors import NotFoundError
from ..core.models import RemoteConnection, Replication
from ..core.retry import RetryPolicy
from ..operations.replication_client import ReplicationClient
from ..operations.spec_fields import BUCKET_ID
from ..resources.refs import remote_of
from .options import _field_values
from .output import (
    REMOTE_COLUMNS,
    REPLICATION_COLUMNS,
    _cell,
    _details,
    _jsonable,
    _mask,
    _model_items,
    _Progress,
    _replication_row,
    _Streams,
    table,
)
from .parser import DEFAULT_REQUEST_TIMEOUT, DEFAULT_WAIT_TIMEOUT, EXIT_OK, UsageError, _get


class _Ctx:
    """What a command needs: the parsed arguments, the streams, and the connection settings."""

    def __init__(self, args: argparse.Namespace, streams: _Streams, stdin: TextIO) -> None:
        self.args = args
        self.out = streams.out
        self.err = streams.err
        self.stdin = stdin
        self.streams = streams
        self.json: bool = bool(_get(args, "json", False))
        self.debug: bool = bool(_get(args, "debug", False))
        self.hide_headers: bool = bool(_get(args, "hide_headers", False))
        self.url: str | None = None

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def print_table(self, rendered: str) -> None:
        """Print a rendered table (its first line is the header), without the header on --hide-headers."""
        if self.hide_headers:
            rendered = rendered.partition("\n")[2]
            if not rendered:
                return
        self.print(rendered)

    def emit(self, data: Any) -> None:
        self.out.write(json.dumps(_jsonable(data), indent=2) + "\n")

    def warn(self, text: str) -> None:
        self.err.write(_mask(text, self.streams.secrets) + "\n")

    def request_timeout(self) -> float:
        value = _get(self.args, "request_timeout")
        if value is None and self.args.command != "wait":
            value = _get(self.args, "timeout")
        return DEFAULT_REQUEST_TIMEOUT if value is None else float(value)

    def client_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"timeout": self.request_timeout()}
        attempts = _get(self.args, "max_attempts")
        if attempts is not None:
            options["retry"] = RetryPolicy(max_attempts=attempts)
        if _get(self.args, "skip_verify", False):
            options["verify"] = False
        return options

    def client(self) -> ReplicationClient:
        """A client for the single connection: flags, then the influx CLI's variables, then its profile."""
        from ..core.influx_configs import resolve_connection

        conn = resolve_connection(
            url=_get(self.args, "host"),
            token=_get(self.args, "token"),
            org=_get(self.args, "org"),
            org_id=_get(self.args, "org_id"),
            profile_name=_get(self.args, "active_config"),
            path=_get(self.args, "configs_path"),
        )
        if conn.token:
            self.streams.secrets.append(conn.token)
        if not conn.token:
            raise UsageError("no API token: pass --token, set INFLUX_TOKEN or use an influx CLI profile")
        client = ReplicationClient(
            url=conn.url, token=conn.token, org=conn.org, org_id=conn.org_id, **self.client_options()
        )
        self.url = client.url
        return client

    def progress(self, label: str, total: int) -> _Progress:
        wanted = _get(self.args, "progress")
        if wanted is None:
            isatty = getattr(self.err, "isatty", None)
            wanted = bool(isatty()) if callable(isatty) else False
        return _Progress(self.err, label, total, wanted)


async def _remote_id(client: ReplicationClient, ref: str) -> str:
    return (await _get_remote(client, ref)).id if not is_id(ref) else ref.lower()


async def _get_remote(client: ReplicationClient, ref: str) -> RemoteConnection:
    return await remote_of(client.remotes, ref, None, None)


async def _replication_id(client: ReplicationClient, ref: str) -> str:
    return (await _get_replication(client, ref)).id if not is_id(ref) else ref.lower()


async def _get_replication(client: ReplicationClient, ref: str) -> Replication:
    if is_id(ref):
        return await client.replications.get(ref)
    found = await client.replications.find(ref)
    if found is None:
        raise NotFoundError(f"replication {ref!r} not found", status_code=404, code="not found")
    return found


def _remote_token(ctx: _Ctx) -> str | None:
    args = ctx.args
    token: str | None = None
    given: str | None = args.remote_api_token  # the write-only token: masked wherever it could be printed
    if given is not None:
        token = given
        ctx.streams.secrets.append(token)
    elif args.remote_api_token_env is not None:
        token = _env_secret(ctx, args.remote_api_token_env)
    elif args.remote_api_token_stdin:
        token = _stdin_secret(ctx)
    return token


def _env_secret(ctx: _Ctx, name: str, prefix: str = "") -> str:
    """A token from the environment variable ``name``, masked from then on in every output."""
    token = os.environ.get(name)
    if not token:
        raise UsageError(f"{prefix}environment variable {name} is not set or empty")
    ctx.streams.secrets.append(token)
    return token


def _stdin_secret(ctx: _Ctx, prefix: str = "") -> str:
    """A token from the first line of stdin, masked from then on in every output."""
    token = ctx.stdin.readline().strip()
    if not token:
        raise UsageError(f"{prefix}no token on stdin")
    ctx.streams.secrets.append(token)
    return token


def _show_remote(ctx: _Ctx, remote: RemoteConnection) -> None:
    if ctx.json:
        ctx.emit(remote)
    else:
        ctx.print(_details(_model_items(remote)))


def _show_replication(ctx: _Ctx, replication: Replication) -> None:
    if ctx.json:
        ctx.emit(replication)
    else:
        ctx.print(_details(_model_items(replication)))


async def _cmd_remotes(ctx: _Ctx) -> int:
    args = ctx.args
    async with ctx.client() as client:
        if args.action == "list":
            remotes = await client.remotes.list(name=args.name, remote_url=args.remote_url)
            remotes.sort(key=lambda r: r.name)
            if ctx.json:
                ctx.emit(remotes)
            else:
                ctx.print_table(
                    table(REMOTE_COLUMNS, ([getattr(r, c) for c in REMOTE_COLUMNS] for r in remotes))
                )
        elif args.action == "get":
            _show_remote(ctx, await _get_remote(client, args.remote))
        elif args.action == "create":
            token = _remote_token(ctx)
            if token is None:  # the option group is required, so argparse already refused this
                raise UsageError("remotes create: give the remote's API token")
            remote = await client.remotes.create(
                name=args.name, remote_api_token=token, **_field_values(args)
            )
            _show_remote(ctx, remote)
        elif args.action == "update":
            fields = {"name": args.name, **_field_values(args)}
            token = _remote_token(ctx)
            if token is None and all(v is None for v in fields.values()):
                raise UsageError("remotes update: nothing to change; pass at least one field option")
            remote_id = await _remote_id(client, args.remote)
            remote = await client.remotes.update(remote_id, remote_api_token=token, **fields)
            _show_remote(ctx, remote)
        else:  # delete
            consent = _drain_args(ctx)
            if not args.cascade and (args.allow_data_loss or args.drain):
                raise UsageError("--allow-data-loss and --drain go with --cascade")
            remote = await _get_remote(client, args.remote)
            progress = _BytesLeft(ctx, "draining")
            try:
                await client.remotes.delete(
                    remote.id, cascade=args.cascade, on_drain_progress=progress.show, **consent
                )
            finally:
                progress.close()
            if ctx.json:
                ctx.emit({"id": remote.id, "name": remote.name, "deleted": True})
            else:
                ctx.print(f"deleted remote connection {remote.name!r} ({remote.id})")
    return EXIT_OK


async def _cmd_replications(ctx: _Ctx) -> int:
    args = ctx.args
    async with ctx.client() as client:
        if args.action == "list":
            found = await client.replications.list(
                name=args.name, remote=args.remote, local_bucket=args.local_bucket
            )
            found.sort(key=lambda r: r.name)
            if ctx.json:
                ctx.emit(found)
            else:
                ctx.print_table(table(REPLICATION_COLUMNS, (_replication_row(r) for r in found)))
        elif args.action == "get":
            _show_replication(ctx, await _get_replication(client, args.replication))
        elif args.action == "create":
            options: dict[str, Any] = {
                "name": args.name,
                "remote": args.remote,
                "local_bucket": args.local_bucket,
                **_bucket_values(args),
                **_field_values(args),
            }
            if args.validate_only:
                await client.replications.validate_create(**options)
                _said_valid(ctx, None, args.name)
            else:
                _show_replication(ctx, await client.replications.create(**options))
        elif args.action == "update":
            fields = {"name": args.name, "remote": args.remote, **_bucket_values(args), **_field_values(args)}
            if all(v is None for v in fields.values()):
                raise UsageError("replications update: nothing to change; pass at least one field option")
            replication_id = await _replication_id(client, args.replication)
            if args.validate_only:
                await client.replications.validate_update(replication_id, **fields)
                _said_valid(ctx, replication_id, args.replication)
            else:
                _show_replication(ctx, await client.replications.update(replication_id, **fields))
        elif args.action == "delete":
            replication = await _get_replication(client, args.replication)
            await client.replications.delete(replication.id)
            if ctx.json:
                ctx.emit({"id": replication.id, "name": replication.name, "deleted": True})
            else:
                ctx.print(f"deleted replication {replication.name!r} ({replication.id})")
        else:  # validate
            replication_id = await _replication_id(client, args.replication)
            await client.replications.validate(replication_id)
            _said_valid(ctx, replication_id, args.replication)
    return EXIT_OK


def _bucket_values(args: argparse.Namespace) -> dict[str, Any]:
    """The remote-bucket switch as given: the target's name or its ID (the parser allows one)."""
    return {"remote_bucket": args.remote_bucket, BUCKET_ID: getattr(args, BUCKET_ID)}


def _said_valid(ctx: _Ctx, replication_id: str | None, ref: str) -> None:
    if ctx.json:
        ctx.emit({"id": replication_id, "name": None if ref == replication_id else ref, "valid": True})
    else:
        ctx.print(f"replication {ref!r} is valid: the remote accepted a test write")


def _drain_args(ctx: _Ctx) -> dict[str, Any]:
    """The consent or drain options as keywords of apply / remotes.delete (usage error when misused)."""
    args = ctx.args
    if args.drain_timeout is not None and not args.drain:
        raise UsageError("--drain-timeout needs --drain")
    consent: dict[str, Any] = {"allow_data_loss": args.allow_data_loss, "drain": args.drain}
    if args.drain_timeout is not None:
        consent["drain_timeout"] = args.drain_timeout
    return consent


class _BytesLeft:
    """A one-line progress on stderr, only when it is a terminal: "<verb> NAME: N bytes left"."""

    def __init__(self, ctx: _Ctx, verb: str) -> None:
        isatty = getattr(ctx.err, "isatty", None)
        wanted = _get(ctx.args, "progress")
        self.on = (not ctx.json) and (bool(isatty()) if wanted is None and callable(isatty) else bool(wanted))
        self.err, self.verb, self.drawn = ctx.err, verb, False

    def show(self, replication: Replication) -> None:
        if self.on:
            left = replication.remaining_bytes_to_be_synced
            self.err.write(f"\r{self.verb} {replication.name}: {_cell(left)} bytes left\x1b[K")
            self.err.flush()
            self.drawn = True

    def close(self) -> None:
        if self.drawn:
            self.err.write("\n")
            self.drawn = False


async def _cmd_wait(ctx: _Ctx) -> int:
    from ..operations.health import SyncTimeoutError

    args = ctx.args
    limit = _get(args, "timeout")
    limit = DEFAULT_WAIT_TIMEOUT if limit is None else float(limit)
    progress = _BytesLeft(ctx, "waiting for")
    async with ctx.client() as client:
        replication_id = await _replication_id(client, args.replication)
        try:
            replication = await client.replications.wait_until_synced(
                replication_id, timeout=limit, poll_interval=args.poll_interval, on_progress=progress.show
            )
        except SyncTimeoutError as exc:
            progress.close()
            if ctx.json:
                last = exc.replication
                ctx.emit({"synced": False, "replication": None if last is None else _jsonable(last)})
            raise
    progress.close()
    if ctx.json:
        ctx.emit({"synced": True, "replication": _jsonable(replication)})
    else:
        ctx.print(f"replication {replication.name!r} ({replication.id}) is synced")
    return EXIT_OK

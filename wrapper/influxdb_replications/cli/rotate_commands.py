"""``remotes rotate-token``: a remote's new token on one server or on every host of a fleet file.

The new token comes from an environment variable (``--token-env``) or stdin (``--token-stdin``), the
previous one from a variable (``--previous-token-env``); never from the command line or a file. Both are
masked in every message. The report has one row per host: ``rotated``, ``rolled back``, ``failing``,
``not verifiable``, ``skipped`` (a canary host failed), ``unreachable`` or ``error`` (e.g. no remote of
that name on the host), with the remote's name, the replications validated and why.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core.errors import APIConnectionError
from .commands import _cmd_remotes, _Ctx, _env_secret, _stdin_secret
from .fleet_commands import _host_error, _host_label, _load, _report_failures
from .output import _mask, _Progress, table, under_rows
from .parser import EXIT_ERROR, EXIT_FLEET, EXIT_OK, UsageError, _get

if TYPE_CHECKING:
    from ..operations.fleet import Host, HostResult
    from ..operations.rotate import RotationResult

__all__ = ["ROTATION_COLUMNS", "_cmd_remotes_or_rotate"]

ROTATION_COLUMNS = ("host", "remote", "result", "validated", "reason")


async def _cmd_remotes_or_rotate(ctx: _Ctx) -> int:
    """``remotes ...``: rotate-token here (it may need no single connection), the rest in commands.py."""
    if ctx.args.action == "rotate-token":
        return await _cmd_rotate_token(ctx)
    return await _cmd_remotes(ctx)


def _from_env(ctx: _Ctx, option: str, name: str) -> str:
    from ..operations.fleet import check_env_name

    try:
        check_env_name(name, option)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return _env_secret(ctx, name, f"{option}: ")


def _tokens(ctx: _Ctx) -> tuple[str, str | None]:
    """The new and the previous token, checked before anything is contacted (usage errors: exit 2)."""
    from ..operations.rotate import check_token

    args = ctx.args
    if args.token_env is not None:
        new = _from_env(ctx, "--token-env", args.token_env)
    else:
        new = _stdin_secret(ctx, "--token-stdin: ")
    previous = None
    if args.previous_token_env is not None:
        previous = _from_env(ctx, "--previous-token-env", args.previous_token_env)
    try:
        check_token(new, "the new token")
        if previous is not None:
            check_token(previous, "the previous token")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if previous == new:
        raise UsageError("the new and the previous token are the same: nothing would be rotated")
    return new, previous


async def _cmd_rotate_token(ctx: _Ctx) -> int:
    args = ctx.args
    new, previous = _tokens(ctx)
    config = _load(args.file) if args.file else None
    hosts = config.hosts if config is not None else ()
    if args.canary is not None and not hosts:
        raise UsageError("--canary needs --file with a fleet file that lists hosts")
    if args.canary is not None and args.canary > len(hosts):
        raise UsageError(f"--canary {args.canary} is more than the fleet's {len(hosts)} hosts")
    if hosts:
        return await _fleet_rotate(ctx, hosts, new, previous)
    async with ctx.client() as client:
        result = await client.remotes.rotate_token(args.remote, new, previous_token=previous)
    row = {"host": ctx.url, "url": ctx.url, **_row_json(result, None, args.remote)}
    if ctx.json:
        _emit(ctx, {"hosts": [row]})
    else:
        rendered = table(ROTATION_COLUMNS, [_row(ctx.url, result, None, args.remote)])
        ctx.print_table(_mask(under_rows(rendered, [result.hint]), ctx.streams.secrets))
    return EXIT_OK if result.ok else EXIT_ERROR


class _RotationProgress(_Progress):
    """The fleet progress bar, counting a host as failed when its rotation did not succeed."""

    def update(self, result: HostResult[Any]) -> None:
        self.done += 1
        if not (result.ok and result.value is not None and result.value.ok):
            self.failed += 1
        self._draw()


async def _fleet_rotate(ctx: _Ctx, hosts: Sequence[Host], new: str, previous: str | None) -> int:
    from ..operations.fleet_rotate import fleet_rotate_token

    args = ctx.args
    wanted = _get(args, "progress")
    if wanted is None:
        isatty = getattr(ctx.err, "isatty", None)
        wanted = bool(isatty()) if callable(isatty) else False
    progress = _RotationProgress(ctx.err, "rotate-token", len(hosts), wanted)
    try:
        results = await fleet_rotate_token(
            hosts,
            args.remote,
            new,
            previous_token=previous,
            canary=args.canary,
            concurrency=args.concurrency,
            on_progress=progress.update,
            client_options=ctx.client_options(),
        )
    finally:
        progress.close()
    if ctx.json:
        rows = [
            {"host": _host_label(r.host), "url": r.host.url, **_row_json(r.value, r, args.remote)}
            for r in results
        ]
        _emit(ctx, {"hosts": rows})
    else:
        rows_shown = (_row(_host_label(r.host), r.value, r, args.remote) for r in results)
        rendered = table(ROTATION_COLUMNS, rows_shown)
        hints = (None if r.value is None else r.value.hint for r in results)
        ctx.print_table(_mask(under_rows(rendered, hints), ctx.streams.secrets))
        ctx.print()
        ctx.print(_summary(results))
    _report_failures(ctx, results)
    return EXIT_OK if all(_succeeded(r) for r in results) else EXIT_FLEET


def _emit(ctx: _Ctx, data: Any) -> None:
    """Print the JSON document, with the tokens masked (a host's error could quote what it was sent)."""
    ctx.out.write(_mask(json.dumps(data, indent=2), ctx.streams.secrets) + "\n")


def _succeeded(result: HostResult[RotationResult]) -> bool:
    return result.ok and result.value is not None and result.value.ok


def _failure_word(result: HostResult[Any]) -> str:
    """``unreachable`` when the host (or the step that stopped its rotation) could not be reached."""
    error: BaseException | None = result.error
    while error is not None:
        if isinstance(error, APIConnectionError | TimeoutError):
            return "unreachable"
        error = error.__cause__
    return "error"


def _outcome(value: RotationResult | None, result: HostResult[Any] | None) -> str:
    if value is not None:
        return str(value.outcome)
    return "error" if result is None else _failure_word(result)


def _row(
    label: str | None, value: RotationResult | None, result: HostResult[Any] | None, remote: str
) -> list[Any]:
    if value is None:
        reason = None if result is None else _host_error(result)
        return [label, remote, _outcome(value, result), None, reason]
    return [label, value.remote_name, _outcome(value, result), _validated(value), value.reason]


def _validated(value: RotationResult) -> str | None:
    """``validated/of``, e.g. ``2/3``; None for a skipped host, which was never asked."""
    if value.remote_id is None:
        return None
    return f"{len(value.validated)}/{len(value.replications)}"


def _row_json(value: RotationResult | None, result: HostResult[Any] | None, remote: str) -> dict[str, Any]:
    return {
        "ok": value is not None and value.ok,
        "outcome": _outcome(value, result),
        "remote": remote if value is None else value.remote_name,
        "validated": None if value is None or value.remote_id is None else len(value.validated),
        "error": None if value is not None or result is None else _host_error(result),
        "rotation": None if value is None else value.to_dict(),
    }


def _summary(results: Sequence[HostResult[RotationResult]]) -> str:
    counts: dict[str, int] = {}
    for result in results:
        word = _outcome(result.value, result)
        counts[word] = counts.get(word, 0) + 1
    rotated = counts.pop("rotated", 0)
    rest = "".join(f", {n} {word}" for word, n in counts.items())
    return f"{rotated} of {len(results)} hosts rotated{rest}"

"""The handlers of status, plan and apply, against one server or every host of a fleet file."""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..core.errors import APIConnectionError
from ..operations.apply import DrainTimeoutError
from ..operations.changes import ApplyResult
from .output import under_rows

if TYPE_CHECKING:
    from ..core.models import Replication
    from ..operations.desired import Plan
    from ..operations.fleet import Host, HostResult
    from ..operations.fleet_file import FleetConfig
    from ..operations.health import ReplicationStatus
from .commands import _BytesLeft, _Ctx, _drain_args, _replication_id
from .metrics_commands import FORMATS, _cmd_status_metrics
from .output import STATUS_COLUMNS, _cell, _one_line, _status_dict, _status_row, _unhealthy, table
from .parser import EXIT_CHANGES, EXIT_ERROR, EXIT_FLEET, EXIT_OK, EXIT_UNHEALTHY, UsageError


def _load(path: str) -> FleetConfig:
    from ..operations.fleet_file import load_fleet

    try:
        return load_fleet(path)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _host_label(host: Host) -> str:
    return host.label


def _host_error(result: HostResult[Any]) -> str:
    error = result.error
    if error is None:
        return ""
    text = str(error) or type(error).__name__
    if isinstance(error, APIConnectionError):
        text = f"cannot reach {result.host.url}: {text}"
    return _one_line(text)


def _report_failures(ctx: _Ctx, results: Sequence[HostResult[Any]]) -> None:
    for result in results:
        if not result.ok:
            ctx.warn(f"error: {_host_label(result.host)}: {_host_error(result)}")
            if ctx.debug and result.error is not None:
                traceback.print_exception(result.error, file=ctx.err)


def _host_json(result: HostResult[Any]) -> dict[str, Any]:
    return {
        "host": _host_label(result.host),
        "url": result.host.url,
        "ok": result.ok,
        "error": None if result.ok else _host_error(result),
    }


async def _cmd_status(ctx: _Ctx) -> int:
    args = ctx.args
    chosen = args.format or ("json" if ctx.json else "table")
    if chosen not in FORMATS:
        raise UsageError(f"unknown --format {chosen!r} (expected one of: {', '.join(FORMATS)})")
    ctx.json = chosen == "json"
    config = _load(args.file) if args.file else None
    if chosen == "prometheus" or args.textfile:
        return await _cmd_status_metrics(ctx, config)
    if config is not None and config.hosts:
        return await _fleet_status(ctx, config.hosts, args.replication)
    async with ctx.client() as client:
        replication_id = None
        if args.replication is not None:
            replication_id = await _replication_id(client, args.replication)
        statuses = await client.replications.status(replication_id)
    statuses.sort(key=lambda s: s.name)
    if ctx.json:
        ctx.emit({"replications": [_status_dict(s) for s in statuses]})
    else:
        rendered = table(STATUS_COLUMNS, (_status_row(s) for s in statuses))
        ctx.print_table(under_rows(rendered, (s.hint for s in statuses)))  # each hint under its row
        for s in statuses:
            for warning in s.warnings:
                ctx.print(f"warning: {s.name}: {warning}")
    return EXIT_UNHEALTHY if _unhealthy(statuses) else EXIT_OK


async def _fleet_status(ctx: _Ctx, hosts: Sequence[Host], only: str | None) -> int:
    from ..operations.fleet import fleet_status

    progress = ctx.progress("status", len(hosts))
    try:
        results = await fleet_status(
            hosts,
            concurrency=ctx.args.concurrency,
            on_progress=progress.update,
            client_options=ctx.client_options(),
            host_timeout=ctx.args.host_timeout,
        )
    finally:
        progress.close()

    def selected(result: HostResult[list[ReplicationStatus]]) -> list[ReplicationStatus]:
        statuses = list(result.value or [])
        if only is not None:
            statuses = [s for s in statuses if only in (s.name, s.id)]
        return sorted(statuses, key=lambda s: s.name)

    everything = [s for r in results for s in selected(r)]
    if ctx.json:
        ctx.emit(
            {
                "hosts": [
                    {
                        **_host_json(r),
                        "replications": [_status_dict(s) for s in selected(r)] if r.ok else None,
                    }
                    for r in results
                ]
            }
        )
    else:
        rows: list[list[Any]] = []
        hints: list[str | None] = []
        for result in results:
            if not result.ok:
                rows.append(
                    [_host_label(result.host), None, None, "error", None, None, None, _host_error(result)]
                )
                hints.append(None)
            for s in selected(result):
                rows.append([_host_label(result.host), *_status_row(s)])
                hints.append(s.hint)
        ctx.print_table(under_rows(table(("host", *STATUS_COLUMNS), rows), hints))
        for result in results:
            for s in selected(result):
                for warning in s.warnings:
                    ctx.print(f"warning: {_host_label(result.host)}: {s.name}: {warning}")
        ctx.print()
        ctx.print(_summary(results))
    _report_failures(ctx, results)
    if any(not r.ok for r in results):
        return EXIT_FLEET
    return EXIT_UNHEALTHY if _unhealthy(everything) else EXIT_OK


def _summary(results: Sequence[HostResult[Any]]) -> str:
    failed = sum(1 for r in results if not r.ok)
    text = f"{len(results) - failed} of {len(results)} hosts ok"
    return text + (f", {failed} failed" if failed else "")


def _plan_text(plan: Plan) -> str:
    return str(plan).rstrip("\n")


def _refused(plan: Plan | None) -> bool:
    return isinstance(plan, ApplyResult) and bool(plan.refused)


async def _cmd_plan_or_apply(ctx: _Ctx) -> int:
    args = ctx.args
    applying = args.command == "apply"
    consent = _drain_args(ctx) if applying else {}
    config = _load(args.file)
    if config.hosts:
        return await _fleet_plan_or_apply(ctx, config, applying, consent)
    async with ctx.client() as client:
        if applying:
            progress = _BytesLeft(ctx, "draining")
            try:
                plan: Plan = await client.apply(
                    config.desired, prune=args.prune, on_drain_progress=progress.show, **consent
                )
            except DrainTimeoutError as exc:
                progress.close()
                _show_plan(ctx, exc.done)  # what was done before the drain ran out of time
                raise
            finally:
                progress.close()
        else:
            plan = await client.plan(config.desired, prune=args.prune)
    _show_plan(ctx, plan)
    if _refused(plan):
        return EXIT_ERROR  # a refused change: the rest was applied, that one would lose data
    if not applying and args.detailed_exitcode and not plan.is_empty:
        return EXIT_CHANGES
    return EXIT_OK


def _draining(host: Host, replication: Replication) -> str:
    """A fleet drain's progress note: "HOST: draining NAME: N bytes left"."""
    left = _cell(replication.remaining_bytes_to_be_synced)
    return f"{_host_label(host)}: draining {replication.name}: {left} bytes left"


def _show_plan(ctx: _Ctx, plan: Plan) -> None:
    if ctx.json:
        ctx.emit(plan.to_dict())
    else:
        ctx.print(_plan_text(plan))


async def _fleet_plan_or_apply(
    ctx: _Ctx, config: FleetConfig, applying: bool, consent: dict[str, Any]
) -> int:
    from ..operations.fleet import fleet_apply, fleet_plan

    args = ctx.args
    hosts = config.hosts
    progress = ctx.progress("apply" if applying else "plan", len(hosts))
    try:
        if applying:
            results = await fleet_apply(
                hosts,
                config.desired_for,
                prune=args.prune,
                concurrency=args.concurrency,
                on_progress=progress.update,
                client_options=ctx.client_options(),
                on_drain_progress=lambda host, rep: progress.note(_draining(host, rep)),
                **consent,
            )
        else:
            results = await fleet_plan(
                hosts,
                config.desired_for,
                prune=args.prune,
                concurrency=args.concurrency,
                on_progress=progress.update,
                client_options=ctx.client_options(),
            )
    finally:
        progress.close()
    plans: list[Plan | None] = [result.value if result.ok else None for result in results]
    if ctx.json:
        hosts_json = []
        for result, plan in zip(results, plans, strict=True):
            entry = _host_json(result)
            entry["plan"] = None if plan is None else plan.to_dict()
            hosts_json.append(entry)
        ctx.emit({"hosts": hosts_json})
    else:
        verb = "applied" if applying else "planned"
        rows: list[list[Any]] = []
        for result, plan in zip(results, plans, strict=True):
            if plan is None:
                rows.append([_host_label(result.host), result.host.url, "failed", None])
            elif isinstance(plan, ApplyResult) and plan.refused:
                rows.append(
                    [_host_label(result.host), result.host.url, f"refused {len(plan.refused)}", len(plan)]
                )
            else:
                rows.append([_host_label(result.host), result.host.url, "ok", len(plan)])
        ctx.print_table(table(("host", "url", "result", f"changes {verb}"), rows))
        # hosts whose plans read the same are shown once
        groups: dict[str, list[str]] = {}
        for result, plan in zip(results, plans, strict=True):
            if plan is not None and (not plan.is_empty or _refused(plan)):
                groups.setdefault(_plan_text(plan), []).append(_host_label(result.host))
        for text, labels in groups.items():
            ctx.print()
            ctx.print(f"{', '.join(labels)}:")
            ctx.print(text)
        ctx.print()
        ctx.print(_summary(results))
    _report_failures(ctx, results)
    for result, plan in zip(results, plans, strict=True):
        if _refused(plan) and isinstance(plan, ApplyResult):
            names = ", ".join(repr(change.name) for change in plan.refused)
            ctx.warn(f"refused: {_host_label(result.host)}: {names} would lose queued data")
    if any(not r.ok or _refused(p) for r, p in zip(results, plans, strict=True)):
        return EXIT_FLEET
    if not applying and args.detailed_exitcode and any(p is not None and not p.is_empty for p in plans):
        return EXIT_CHANGES
    return EXIT_OK

"""Turn the workers' raw figures into medians, a markdown report, the targets check and a PNG chart."""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OURS = "ours"
OURS_AIOHTTP = "ours-aiohttp"
GENERATED = "generated"
HTTPX = "httpx"
OFFICIAL_ASYNC = "official-async"
SERVER_BUSY = 0.8  # server CPU share above which the server, not the client, may set the pace


@dataclass
class Cell:
    """The medians of one client on one workload over the repetitions."""

    cpu_us: float
    rps: float
    cpu_min: float
    cpu_max: float
    connections: float
    server_cpu: float
    runs: int


@dataclass
class Summary:
    """Everything the report needs, aggregated."""

    clients: list[str]
    workloads: list[str]
    cells: dict[str, dict[str, Cell]]
    peak_rss_kb: dict[str, float]
    setup_rss_kb: dict[str, float]
    notes: dict[str, str]
    skipped: dict[str, str]
    errors: dict[str, dict[str, str]]
    imports: dict[str, list[float]] = field(default_factory=dict)


def summarise(
    runs: Sequence[dict[str, Any]],
    clients: Sequence[str],
    workloads: Sequence[str],
    imports: dict[str, list[float]],
) -> Summary:
    """Medians per client and workload over all repetitions (``runs`` are the workers' JSON lines)."""
    cells: dict[str, dict[str, Cell]] = {}
    peak: dict[str, float] = {}
    setup: dict[str, float] = {}
    notes: dict[str, str] = {}
    skipped: dict[str, str] = {}
    errors: dict[str, dict[str, str]] = {}
    present: list[str] = []
    for client in clients:
        mine = [r for r in runs if r["client"] == client]
        failed = [r for r in mine if "error" in r]
        good = [r for r in mine if "error" not in r]
        if not good:
            if failed:
                skipped[client] = failed[0]["error"]
            continue
        present.append(client)
        notes[client] = good[0].get("note", "")
        peak[client] = statistics.median(r["peak_rss_kb"] for r in good)
        setup[client] = statistics.median(r["rss_setup_kb"] for r in good)
        for r in good:
            errors.setdefault(client, {}).update(r.get("errors", {}))
        for workload in workloads:
            samples = [r["results"][workload] for r in good if workload in r["results"]]
            if not samples:
                continue
            cpus = [s["cpu_us"] for s in samples]
            cells.setdefault(client, {})[workload] = Cell(
                cpu_us=statistics.median(cpus),
                rps=statistics.median(s["rps"] for s in samples),
                cpu_min=min(cpus),
                cpu_max=max(cpus),
                connections=statistics.median(s["connections"] for s in samples),
                server_cpu=max(s["server_cpu"] for s in samples),
                runs=len(samples),
            )
    return Summary(present, list(workloads), cells, peak, setup, notes, skipped, errors, imports)


def _cell(summary: Summary, client: str, workload: str) -> Cell | None:
    return summary.cells.get(client, {}).get(workload)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _label(workload: str) -> str:
    op, _, mode = workload.partition("/")
    return f"{op} {'sequential' if mode == 'seq' else '50 in flight'}"


def markdown(summary: Summary, conditions: dict[str, Any]) -> str:
    """The full report: conditions, the three tables, import times, clients, skips and the targets."""
    s = summary
    out = ["# influxdb-replications benchmark", ""]
    out += [f"- {key}: {value}" for key, value in conditions.items()]
    out.append("")

    has_ours = OURS in s.clients
    out.append(
        "## Client CPU per request (µs; median over repetitions; lower is better"
        + ("; in brackets: the ratio to `ours`)" if has_ours else ")")
    )
    out.append("")
    rows = []
    for workload in s.workloads:
        row = [_label(workload)]
        ours = _cell(s, OURS, workload)
        for client in s.clients:
            cell = _cell(s, client, workload)
            if cell is None:
                row.append("n/a")
            elif ours is not None and client != OURS:
                row.append(f"{cell.cpu_us:,.0f} ({cell.cpu_us / ours.cpu_us:.2f}x)")
            else:
                row.append(f"{cell.cpu_us:,.0f}")
        rows.append(row)
    out += _table(["workload", *s.clients], rows)
    out.append("")

    out.append("## Requests per second (wall clock; median; higher is better)")
    out.append("")
    rows = []
    for workload in s.workloads:
        row = [_label(workload)]
        for client in s.clients:
            cell = _cell(s, client, workload)
            row.append("n/a" if cell is None else f"{cell.rps:,.0f}")
        rows.append(row)
    out += _table(["workload", *s.clients], rows)
    out.append("")

    out.append("## Memory (MiB; median over repetitions, each in a fresh process)")
    out.append("")
    out += _table(
        ["", *s.clients],
        [
            ["RSS after import and set-up", *(f"{s.setup_rss_kb[c] / 1024:.1f}" for c in s.clients)],
            ["peak RSS over all workloads", *(f"{s.peak_rss_kb[c] / 1024:.1f}" for c in s.clients)],
        ],
    )
    out.append("")

    churn = []
    busy = []
    spread = []
    for client in s.clients:
        for workload, cell in s.cells.get(client, {}).items():
            if cell.connections > 0:
                churn.append(f"{client} {workload}: {cell.connections:.0f} new connections per section")
            if cell.server_cpu > SERVER_BUSY:
                busy.append(f"{client} {workload}: server CPU {cell.server_cpu:.0%}")
            if cell.runs > 1 and (cell.cpu_max - cell.cpu_min) > 0.2 * cell.cpu_us:
                spread.append(f"{client} {workload}: {cell.cpu_min:,.0f}..{cell.cpu_max:,.0f} µs")
    out.append("## Checks on the measurement")
    out.append("")
    out.append(
        "- connection churn (TCP connections opened during timed sections; 0 is ideal): "
        + ("; ".join(churn) if churn else "none")
    )
    out.append(
        f"- server busier than {SERVER_BUSY:.0%} of a core (then it may be the bottleneck): "
        + ("; ".join(busy) if busy else "never")
    )
    out.append(
        "- CPU spread over 20% between repetitions (noisy): " + ("; ".join(spread) if spread else "none")
    )
    out.append("")

    if s.imports:
        out.append("## Import time (ms, `python -X importtime`, cumulative; median of fresh interpreters)")
        out.append("")
        out.append(
            "`influxdb_replications` loads its public names on first use; "
            "`influxdb_replications.operations.replication_client` is what touching `ReplicationClient` adds "
            "(httpx, asyncio, the generated layer)."
        )
        out.append("")
        out += _table(
            ["module", "median ms", "min", "max", "runs"],
            [
                [f"`{m}`", f"{statistics.median(v):.1f}", f"{min(v):.1f}", f"{max(v):.1f}", str(len(v))]
                for m, v in s.imports.items()
                if v
            ],
        )
        out.append("")

    out.append("## Clients")
    out.append("")
    out += [f"- `{c}`: {s.notes[c]}" for c in s.clients]
    out += [f"- `{c}`: **skipped**: {why}" for c, why in s.skipped.items()]
    for client, errs in s.errors.items():
        out += [f"- `{client}` {w}: **failed**: {e}" for w, e in errs.items()]
    out.append("")

    out.append("## Targets (issue 5; CPU µs per request, medians)")
    out.append("")
    out += [f"- {line}" for line in targets(s)]
    out.append("")
    return "\n".join(out)


def _ratio_target(
    summary: Summary,
    client: str,
    reference: str,
    workloads: Sequence[str],
    limit: float,
    strict: bool,
    title: str,
) -> str:
    """One target line: ``client / reference`` must be <= limit (< when strict) on every workload."""
    if client not in summary.clients or reference not in summary.clients:
        missing = [c for c in (client, reference) if c not in summary.clients]
        why = "; ".join(f"{c}: {summary.skipped.get(c, 'not run')}" for c in missing)
        return f"**FAIL** {title}: not measured ({why})"
    parts = []
    worst = 0.0
    ok = True
    measured = 0
    for workload in workloads:
        mine, theirs = _cell(summary, client, workload), _cell(summary, reference, workload)
        if mine is None or theirs is None:
            continue
        measured += 1
        ratio = mine.cpu_us / theirs.cpu_us
        worst = max(worst, ratio)
        passed = ratio < limit if strict else ratio <= limit
        ok = ok and passed
        parts.append(f"{_label(workload)} {ratio:.2f}x{'' if passed else ' (FAIL)'}")
    if measured == 0:
        return f"**FAIL** {title}: no workload measured for both"
    verdict = "PASS" if ok else "**FAIL**"
    return (
        f"{verdict} {title}: worst {worst:.2f}x (limit {'<' if strict else '<='} {limit:.2f}x): "
        + "; ".join(parts)
    )


def targets(summary: Summary) -> list[str]:
    """Each target of the issue with the measured figure and PASS or FAIL (a missing figure is a FAIL)."""
    w = summary.workloads
    big = [x for x in w if x.split("/")[0] in ("list10", "list100", "list1000")]
    small = [x for x in w if x.split("/")[0] in ("list1", "get", "create")]
    lines = [
        _ratio_target(
            summary, OURS, GENERATED, w, 1.10, False, "wrapper adds <= 10% CPU over the generated layer"
        ),
        _ratio_target(summary, OURS, HTTPX, w, 1.00, False, "default config no slower than raw httpx"),
        _ratio_target(
            summary,
            OURS_AIOHTTP,
            OFFICIAL_ASYNC,
            big,
            1.00,
            True,
            "aiohttp transport faster than official async, lists >= 10",
        ),
        _ratio_target(
            summary,
            OURS_AIOHTTP,
            OFFICIAL_ASYNC,
            small,
            1.50,
            False,
            "aiohttp transport within 1.5x of official async, small calls",
        ),
    ]
    ours_import = summary.imports.get("influxdb_replications")
    theirs_import = summary.imports.get("influxdb_client")
    if ours_import and theirs_import:
        a, b = statistics.median(ours_import), statistics.median(theirs_import)
        verdict = "PASS" if a <= b / 2 else "**FAIL**"
        lines.append(
            f"{verdict} import influxdb_replications <= half of influxdb_client: {a:.1f} ms vs {b:.1f} ms "
            f"({a / b:.2f}x, limit <= 0.50x)"
        )
    else:
        lines.append("**FAIL** import influxdb_replications <= half of influxdb_client: not measured")
    return lines


def chart(summary: Summary, path: Path) -> None:
    """Grouped bars of CPU µs per request, one panel per mode, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = [m for m in ("seq", "conc") if any(x.endswith("/" + m) for x in summary.workloads)]
    fig, axes = plt.subplots(len(modes), 1, figsize=(12, 4.2 * len(modes)), squeeze=False)
    width = 0.8 / max(1, len(summary.clients))
    for ax, mode in zip(axes[:, 0], modes, strict=True):
        ops = [x.split("/")[0] for x in summary.workloads if x.endswith("/" + mode)]
        for i, client in enumerate(summary.clients):
            values = [
                (c.cpu_us if (c := _cell(summary, client, f"{op}/{mode}")) is not None else 0.0) for op in ops
            ]
            xs = [j + (i - (len(summary.clients) - 1) / 2) * width for j in range(len(ops))]
            ax.bar(xs, values, width, label=client)
        ax.set_xticks(range(len(ops)), ops)
        ax.set_yscale("log")
        ax.set_ylabel("client CPU µs / request")
        ax.set_title("sequential" if mode == "seq" else "50 in flight")
        ax.grid(axis="y", which="both", alpha=0.3)
    axes[0, 0].legend(ncols=4, fontsize="small")
    fig.suptitle("Client CPU per request (median; lower is better)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

"""The report of ``cargobay bench s3``: medians, ratios, targets, and their text and JSON forms.

This module owns turning a :class:`~cargobay.bench.s3_workloads.Recorder` into one report
dictionary (the ``--json`` output) and rendering that dictionary as text. It is pure: no
measurement, no I/O.

Ratios compare each subject (every ``cargobay`` variant, else the first endpoint) with each peer
(every other endpoint) measured in the same interleaved run; a ratio above 1 always means the
subject did better (for a time it is peer time / subject time). The ``null`` endpoint is the client's ceiling and never
enters ratios. Targets are issue 7's: throughput rows at least 3x the best peer, the 256 MiB
object at >= 400 MiB/s up and >= 1,000 MiB/s down, 10,000 keys listed in < 0.3 s, and the
subjects' server peak RSS < 100 MiB in every workload. Absolute targets are judged only at the
issue's sizes (not in ``--quick`` mode).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from cargobay.bench._output import speed_words
from cargobay.bench.s3_workloads import Measurement, Params, Recorder

__all__ = ["METRICS", "Metric", "build_report", "render_text"]

MiB = 1 << 20


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "MiB/s", "obj/s" or "s"
    ratio_target: float | None = None
    absolute_target: tuple[str, float] | None = None  # (">=" | "<", value) at the issue's sizes

    @property
    def higher_is_better(self) -> bool:
        return self.unit not in ("s", "ms", "MiB", "B", "x")


METRICS = (
    Metric("seed.upload", "seed: upload {files} files {min_size}-{max_size}", "MiB/s", 3.0),
    Metric("seed.download", "seed: download + SHA-256", "MiB/s", 3.0),
    Metric("seed.list", "seed: list the bucket", "s"),
    Metric("seed.delete", "seed: delete every object", "obj/s"),
    Metric("seed.create_bucket", "seed: create bucket", "s"),
    Metric("small.put", "{small_size} PUT", "obj/s", 3.0),
    Metric("small.get", "{small_size} GET", "obj/s", 3.0),
    Metric("small.head", "{small_size} HEAD", "obj/s"),
    Metric("small.delete_objects", "DeleteObjects of {small_size} objects (100 keys a request)", "obj/s"),
    Metric("mixed.all", "mixed GET/STAT/PUT/DELETE 45/30/15/10 ({small_size})", "obj/s"),
    *(
        Metric(f"mixed.{op}.{pct}", f"mixed: {op.upper()} {pct} latency", "ms")
        for op in ("get", "head", "put", "delete")
        for pct in ("p50", "p99", "p999")
    ),
    Metric("large.put", "{large_size} multipart PUT ({part_size} parts)", "MiB/s", 3.0, (">=", 400.0)),
    Metric("large.put_single", "{large_size} single PUT (multipart failed)", "MiB/s"),
    Metric("large.get", "{large_size} ranged-parallel GET", "MiB/s", 3.0, (">=", 1000.0)),
    Metric("large.get_single", "{large_size} single-stream GET", "MiB/s"),
    Metric("list.list", "list {list_keys} keys", "s", None, ("<", 0.3)),
    Metric("list.populate", "put {list_keys} tiny objects (listing setup)", "obj/s"),
    Metric("scale.put_first", "scale: PUT 256 B, first 10,000 objects", "obj/s"),
    Metric("scale.put_last", "scale: PUT 256 B, last 10,000 of {scale_keys}", "obj/s"),
    Metric("scale.head_random", "scale: HEAD of a random key among {scale_keys}", "obj/s"),
    Metric("scale.list_total", "scale: list {scale_keys} keys (1,000 a page)", "s"),
    Metric("scale.list_first_page", "scale: the first page (reads and sorts the directory)", "s"),
    Metric("scale.list_page_first", "scale: ms a page, first 10% of pages (from page 2)", "ms"),
    Metric("scale.list_page_last", "scale: ms a page, last 10% of pages", "ms"),
    Metric("scale.list_page_spread", "scale: page time max/min over deciles", "x"),
    Metric("scale.list_page_cpu_first", "scale: server CPU ms a page, first 10% of pages", "ms"),
    Metric("scale.list_page_cpu_last", "scale: server CPU ms a page, last 10% of pages", "ms"),
    Metric("scale.list_page_cpu_spread", "scale: server CPU a page max/min over deciles", "x"),
    Metric("scale.list_rss_mib", "scale: server peak RSS while listing", "MiB"),
    Metric("scale.db_bytes_per_object", "scale: metadata DB bytes per object", "B"),
    Metric("scale.startup", "scale: restart on the full directory until it answers", "s"),
    Metric("scale.first_page_after_restart", "scale: first listing page after the restart", "s"),
)
RSS_TARGET_MIB = 100.0


def _size(n: int) -> str:
    for unit, scale in (("GiB", 1 << 30), ("MiB", MiB), ("KiB", 1 << 10)):
        if n >= scale and n % (scale // 1024 or 1) == 0:
            value = n / scale
            return f"{value:g} {unit}"
    return f"{n} B"


def _label(metric: Metric, p: Params) -> str:
    return metric.label.format(
        files=p.files,
        min_size=_size(p.min_size),
        max_size=_size(p.max_size),
        small_size=_size(p.small_size),
        large_size=_size(p.large_size),
        part_size=_size(p.part_size),
        list_keys=f"{p.list_keys:,}",
        scale_keys=f"{p.scale_keys:,}",
    )


def _summary(metric: Metric, samples: list[Measurement]) -> dict[str, Any]:
    good = [m for m in samples if not m.error]
    errors = [m.error for m in samples if m.error]
    out: dict[str, Any] = {
        "median": statistics.median(m.value for m in good) if good else None,
        "samples": [round(m.value, 6) for m in good],
        "errors": errors[:3],
        "failed_runs": len(errors),
    }
    cpu = [(m, m.server_cpu) for m in good if m.server_cpu is not None]
    if cpu:
        per_mib = [1e3 * c / (m.value * m.seconds) for m, c in cpu if m.value > 0]
        if metric.unit == "MiB/s" and per_mib:
            out["server_cpu_ms_per_mib"] = statistics.median(per_mib)
        out["server_cpu_ms_per_op"] = statistics.median(1e3 * c / max(1, m.ops) for m, c in cpu)
    client = [(m, m.client_cpu) for m in good if m.client_cpu is not None]
    if client:
        out["client_cpu_ms_per_op"] = statistics.median(1e3 * c / max(1, m.ops) for m, c in client)
    return out


def _ratio(metric: Metric, subject: float | None, peer: float | None) -> float | None:
    if subject is None or peer is None or subject <= 0 or peer <= 0:
        return None
    return subject / peer if metric.higher_is_better else peer / subject


def _subjects(measured: list[str]) -> list[str]:
    """The endpoints ratios are about: every cargobay variant, else the first endpoint."""
    found = [n for n in measured if n == "cargobay" or n.startswith(("cargobay-", "cargobay@"))]
    return found or measured[:1]


def build_report(
    *,
    rec: Recorder,
    params: Params,
    endpoints: list[dict[str, str]],
    configuration: dict[str, Any],
    test_data: dict[str, Any],
    peak_rss: dict[str, dict[str, int]],
    full_size: bool,
    floors: dict[str, float] | None = None,
) -> dict[str, Any]:
    names = [e["name"] for e in endpoints]
    measured = [n for n in names if n != "null"]
    subjects = _subjects(measured)
    peers = [n for n in measured if n not in subjects]
    results = []
    for metric in METRICS:
        values = {n: _summary(metric, rec.samples[(metric.key, n)]) for n in names if (metric.key, n) in rec.samples}
        if not values or all(n == "null" for n in values):
            continue
        row: dict[str, Any] = {
            "metric": metric.key,
            "label": _label(metric, params),
            "unit": metric.unit,
            "better": "higher" if metric.higher_is_better else "lower",
            "values": {n: v for n, v in values.items() if n != "null"},
        }
        if "null" in values:
            row["client_ceiling"] = values["null"]
        row["ratios"] = {}
        row["ratio_vs_best_peer"] = {}
        row["targets"] = {}
        for subject in subjects:
            subj = values.get(subject, {}).get("median")
            ratios = {p: _ratio(metric, subj, values[p].get("median")) for p in peers if p in values}
            row["ratios"][subject] = ratios
            known = [r for r in ratios.values() if r is not None]
            best = min(known) if known else None
            row["ratio_vs_best_peer"][subject] = best
            targets = []
            if metric.ratio_target is not None and peers:
                targets.append(
                    {
                        "kind": "ratio",
                        "want": f"at least {speed_words(metric.ratio_target)} than the best peer",
                        "met": None if best is None else best >= metric.ratio_target,
                    }
                )
            if metric.absolute_target is not None:
                op, bound = metric.absolute_target
                met = None
                if full_size and subj is not None:
                    met = subj >= bound if op == ">=" else subj < bound
                targets.append({"kind": "absolute", "want": f"{op} {bound:g} {metric.unit}", "met": met})
            row["targets"][subject] = targets
        results.append(row)
    rss_mib = {n: {w: round(b / MiB, 1) for w, b in per.items()} for n, per in peak_rss.items()}
    for per in rss_mib.values():
        if per:
            per["max"] = max(per.values())
    rss_target = {
        s: {"want": f"< {RSS_TARGET_MIB:g} MiB in every workload", "met": rss_mib[s]["max"] < RSS_TARGET_MIB}
        for s in subjects
        if rss_mib.get(s)
    }
    verification = {
        n: {
            name: {"ok": c.passed == c.total, "passed": c.passed, "total": c.total, "details": c.details}
            for (ep, name), c in sorted(rec.checks.items())
            if ep == n
        }
        for n in measured
    }
    report = {
        "benchmark": "cargobay bench s3",
        "configuration": configuration,
        "endpoints": endpoints,
        "subjects": subjects,
        "peers": peers,
        "test_data": test_data,
        "results": results,
        "peak_rss_mib": rss_mib,
        "peak_rss_target": rss_target,
        "verification": verification,
        "verified": all(c["ok"] for n in subjects for c in verification.get(n, {}).values()),
        "verified_all": all(c["ok"] for per in verification.values() for c in per.values()),
        "notes": [{"endpoint": n.endpoint, "workload": n.workload, "text": n.text} for n in rec.notes],
        "floors": floors or {},
    }
    report["issue20"] = issue20_targets(report)
    return report


def _value(report: dict[str, Any], metric: str, endpoint: str, field: str = "median") -> float | None:
    for r in report["results"]:
        if r["metric"] == metric:
            v = r["values"].get(endpoint, {}).get(field)
            return float(v) if v is not None else None
    return None


def issue20_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 20's "must show" rows that this run can judge, for every subject.

    Server CPU per 4 KiB PUT/GET/HEAD at most SeaweedFS's and at most 1/3 of the best other peer's;
    PUT rate at least SeaweedFS's; DeleteObjects at least the best peer's; upload CPU per MiB within
    1.3x the MD5 floor; and from the scale workload: page time flat within 1.5x, RSS < 150 MiB, PUT
    CPU of the last round within 1.2x of the first."""
    out: list[dict[str, Any]] = []
    peers = report["peers"]
    others = [p for p in peers if p != "seaweedfs"]

    def add(subject: str, what: str, value: float | None, bound: float | None, le: bool = True) -> None:
        met = None if value is None or bound is None else (value <= bound if le else value >= bound)
        out.append({"subject": subject, "target": what, "value": value, "bound": bound, "met": met})

    for subject in report["subjects"]:
        for op in ("put", "get", "head"):
            metric = f"small.{op}"
            mine = _value(report, metric, subject, "server_cpu_ms_per_op")
            if "seaweedfs" in peers:
                add(
                    subject,
                    f"{op.upper()} server CPU ms/op <= SeaweedFS",
                    mine,
                    _value(report, metric, "seaweedfs", "server_cpu_ms_per_op"),
                )
            known = [v for v in (_value(report, metric, p, "server_cpu_ms_per_op") for p in others) if v]
            if known:
                add(subject, f"{op.upper()} server CPU ms/op <= 1/3 best of {', '.join(others)}", mine, min(known) / 3)
        if "seaweedfs" in peers:
            add(
                subject,
                "4 KiB PUT/s >= SeaweedFS",
                _value(report, "small.put", subject),
                _value(report, "small.put", "seaweedfs"),
                le=False,
            )
        rates = [v for v in (_value(report, "small.delete_objects", p) for p in peers) if v]
        if rates:
            add(
                subject,
                "DeleteObjects keys/s >= best peer",
                _value(report, "small.delete_objects", subject),
                max(rates),
                le=False,
            )
        floors = report.get("floors") or {}
        per_mib = _value(report, "large.put", subject, "server_cpu_ms_per_mib")
        if floors and per_mib is not None:
            add(subject, "upload server CPU ms/MiB <= 1.3x MD5 floor", per_mib, 1.3 * floors["md5_ms_per_mib"])
        spread = _value(report, "scale.list_page_spread", subject)
        if spread is not None:
            add(subject, "listing page time max/min over deciles <= 1.5", spread, 1.5)
            add(
                subject,
                "listing page server CPU max/min over deciles <= 1.5",
                _value(report, "scale.list_page_cpu_spread", subject),
                1.5,
            )
            add(subject, "server RSS while listing < 150 MiB", _value(report, "scale.list_rss_mib", subject), 150.0)
            first = _value(report, "scale.put_first", subject, "server_cpu_ms_per_op")
            last = _value(report, "scale.put_last", subject, "server_cpu_ms_per_op")
            add(subject, "PUT CPU last round <= 1.2x first round", last, None if first is None else 1.2 * first)
    return out


# -- text ---------------------------------------------------------------------------------------


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("ms", "x", "MiB", "B"):
        return f"{value:,.3f} {unit}" if value < 10 else f"{value:,.1f} {unit}"
    if unit == "s":
        return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:,.1f} {unit}"


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for k, r in enumerate(rows):
        out.append(
            "  "
            + "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
        )
        if k == 0:
            out.append("  " + "  ".join("-" * w for w in widths))
    return out


def render_text(report: dict[str, Any]) -> str:
    conf = report["configuration"]
    lines = [f"cargobay bench s3 — {conf['repetitions']} interleaved repetition(s), medians", ""]
    lines.append("Configuration")
    for e in report["endpoints"]:
        lines.append(f"  {e['name']:<18} {e['description']}  [{e['url']}]")
    for key in ("client", "concurrency", "machine", "peak_rss_method", "server_cpu", "order"):
        if key in conf:
            lines.append(f"  {key}: {conf[key]}")
    lines += ["", f"Test data (fixed seed {conf.get('seed')})"]
    for name, desc in report["test_data"].items():
        lines.append(f"  {name:<6} {desc}")

    names = [e["name"] for e in report["endpoints"] if e["name"] != "null"]
    ceiling_rows = [r for r in report["results"] if "client_ceiling" in r]
    if ceiling_rows:
        lines += ["", "Client ceiling (same client and concurrency against a trivial local HTTP server)"]
        rows = [["workload", "ceiling", "client CPU/op", "best server", "share of ceiling"]]
        for r in ceiling_rows:
            c = r["client_ceiling"]
            best = max((v["median"] for v in r["values"].values() if v["median"]), default=None)
            share = f"{100 * best / c['median']:.0f}%" if best and c["median"] else "-"
            rows.append(
                [
                    r["label"],
                    _fmt(c["median"], r["unit"]),
                    f"{c.get('client_cpu_ms_per_op', 0) * 1e3:.0f} µs",
                    _fmt(best, r["unit"]),
                    share,
                ]
            )
        lines += _table(rows)

    subjects, peers = report["subjects"], report["peers"]
    lines += ["", "Performance (median; each ratio says how the first named did against the second)"]
    pairs = [(s, p) for s in subjects for p in peers]
    head = ["workload", *names, *[f"{s} vs {p}" for s, p in pairs]]
    if pairs:
        head += [f"target ({s})" for s in subjects]
    rows = [head]
    for r in report["results"]:
        row = [r["label"]]
        for n in names:
            v = r["values"].get(n)
            if v is None:
                row.append("-")
            elif v["median"] is None:
                row.append("FAILED")
            else:
                row.append(_fmt(v["median"], r["unit"]) + (" (!)" if v["failed_runs"] else ""))
        for s, p in pairs:
            ratio = r["ratios"].get(s, {}).get(p)
            row.append(speed_words(ratio) if ratio is not None else "-")
        if pairs:
            for s in subjects:
                row.append(
                    "; ".join(
                        f"{t['want']}: {'met' if t['met'] else 'MISSED' if t['met'] is False else 'n/a'}"
                        for t in r["targets"].get(s, [])
                    )
                )
        rows.append(row)
    lines += _table(rows)

    lines += ["", "Server CPU (median; the server's own cost, independent of the client)"]
    rows = [["workload", *names]]
    for r in report["results"]:
        if not any("server_cpu_ms_per_op" in v for v in r["values"].values()):
            continue
        row = [r["label"]]
        for n in names:
            v = r["values"].get(n) or {}
            if r["unit"] == "MiB/s" and v.get("server_cpu_ms_per_mib") is not None:
                row.append(f"{v['server_cpu_ms_per_mib']:.2f} ms/MiB")
            elif v.get("server_cpu_ms_per_op") is not None:
                row.append(f"{v['server_cpu_ms_per_op']:.3f} ms/op")
            else:
                row.append("-")
        rows.append(row)
    lines += _table(rows)

    rss = report["peak_rss_mib"]
    if rss:
        workloads = sorted({w for per in rss.values() for w in per if w != "max"})
        lines += ["", "Server peak RSS (VmHWM) per workload"]
        rows = [["workload", *[n for n in names if n in rss]]]
        for w in [*workloads, "max"]:
            rows.append([w, *[f"{rss[n].get(w, 0):.0f} MiB" for n in names if n in rss]])
        lines += _table(rows)
        for subject, t in report["peak_rss_target"].items():
            lines.append(f"  target for {subject}: {t['want']}: {'met' if t['met'] else 'MISSED'}")

    floors = report.get("floors") or {}
    if floors:
        lines += ["", "Floors of this machine, same run (no HTTP, no metadata; one thread, one core)"]
        lines.append(
            f"  create+write 4 KiB+fsync+rename: {floors['file_loop_per_s']:,.0f} files/s "
            f"({floors['file_loop_ms']:.3f} ms each); + directory fsync: {floors['file_loop_dirsync_per_s']:,.0f} "
            f"files/s ({floors['file_loop_dirsync_ms']:.3f} ms)"
        )
        lines.append(
            f"  MD5 {floors['md5_ms_per_mib']:.3f} ms/MiB ({1e3 / floors['md5_ms_per_mib']:,.0f} MiB/s), "
            f"SHA-256 {floors['sha256_ms_per_mib']:.3f} ms/MiB ({1e3 / floors['sha256_ms_per_mib']:,.0f} MiB/s), "
            f"loopback TCP {floors['loopback_mib_per_s']:,.0f} MiB/s"
        )
    if report.get("issue20"):
        lines += ["", "Issue 20 targets (server CPU from the process CPU-time clock)"]
        for t in report["issue20"]:
            status = "met" if t["met"] else "MISSED" if t["met"] is False else "n/a"
            value = "-" if t["value"] is None else f"{t['value']:.3f}"
            bound = "-" if t["bound"] is None else f"{t['bound']:.3f}"
            lines.append(f"  {t['subject']:<18} {t['target']:<58} {value:>9} vs {bound:>9}  {status}")

    lines += ["", "Verification"]
    for n, checks in report["verification"].items():
        for name, c in checks.items():
            status = "ok" if c["ok"] else "FAILED"
            detail = f"  ({'; '.join(c['details'])})" if c["details"] else ""
            lines.append(f"  {n:<18} {name:<32} {c['passed']}/{c['total']} {status}{detail}")
    errors = [(r["label"], n, v["errors"]) for r in report["results"] for n, v in r["values"].items() if v["errors"]]
    if errors or report["notes"]:
        lines += ["", "Notes"]
        for label, n, errs in errors:
            lines.append(f"  {n}: {label}: {errs[0][:200]}")
        for note in report["notes"]:
            lines.append(f"  {note['endpoint']}: {note['text']}")
    missed = missed_targets(report)
    lines += ["", f"Targets missed: {len(missed)}" if missed else "Targets: all judged targets met"]
    lines += [f"  {m}" for m in missed]
    return "\n".join(lines) + "\n"


def missed_targets(report: dict[str, Any]) -> list[str]:
    """Every target judged and missed, one line each (``bench s3 --check`` exits 1 if any)."""
    missed = [
        f"{subject}: {r['label']}: {t['want']}"
        for r in report["results"]
        for subject, targets in r["targets"].items()
        for t in targets
        if t["met"] is False
    ]
    missed += [f"{subject}: peak RSS {t['want']}" for subject, t in report["peak_rss_target"].items() if not t["met"]]
    missed += [f"{t['subject']}: {t['target']}" for t in report.get("issue20") or () if t["met"] is False]
    return missed

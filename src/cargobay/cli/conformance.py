"""``cargobay conformance``: run the S3 conformance suite against endpoints and report per family.

The suite ships inside the package (:mod:`cargobay.testing.conformance_suite`), so this works from
an installed wheel: pytest runs it with ``--pyargs`` and an empty configuration (a user's own
``pytest.ini`` must not change what conformance means). The ``cargobay_s3`` plugin comes from its
entry point, or from ``-p`` when ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` is set.

Output: pytest's progress, then one table per endpoint with passed / failed / divergences
(xfail, declared) / skipped-by-capability per operation family; ``--report PATH`` writes the same
as JSON. The exit status is non-zero on any failure.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

from cargobay.errors import UsageError

_OUTCOMES = ("passed", "failed", "divergence", "skipped-by-capability", "skipped")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "conformance",
        help="run the S3 conformance suite against an endpoint",
        description="Run the S3 conformance suite (default: against an embedded cargobay server).",
    )
    parser.add_argument("--endpoint", action="append", default=[], metavar="URL",
                        help="endpoint to test (repeatable): 'cargobay' (default), 'moto', or an http(s) URL")
    parser.add_argument("--access-key", default=None, help="access key for URL endpoints")
    parser.add_argument("--secret-key", default=None, help="secret key for URL endpoints")
    parser.add_argument("--region", default="us-east-1", help="region of URL endpoints")
    parser.add_argument("--tls-verify", default="true", help="'true', 'false' or a CA bundle path")
    parser.add_argument("--lacks", action="append", default=[], metavar="CAPABILITY",
                        help="declare a capability a third-party endpoint lacks (skipped and named)")
    parser.add_argument("--report", default=None, metavar="PATH", help="write a JSON report here")
    parser.add_argument("--clients", action="store_true", help="also run the real-client tests (awscli, rclone...)")
    parser.add_argument("-k", dest="keyword", default=None, help="only tests matching this pytest -k expression")
    parser.add_argument("-n", dest="workers", default=None, help="pytest-xdist workers ('auto' or a number)")
    parser.set_defaults(handler=run)


class FamilyTally:
    """A pytest plugin object: counts outcomes per (endpoint, family) and keeps failure names."""

    def __init__(self) -> None:
        self.counts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(_OUTCOMES, 0))
        self.failures: list[str] = []
        self.skips: dict[str, int] = defaultdict(int)

    @staticmethod
    def family_and_endpoint(nodeid: str) -> tuple[str, str]:
        from cargobay.testing.conformance_suite import FAMILIES

        module = Path(nodeid.split("::", 1)[0]).stem
        match = re.search(r"\[([^\]-]+(?:\.[^\]-]+)*(?::\d+)?)", nodeid)
        endpoint = match.group(1) if match else "-"
        return FAMILIES.get(module, module), endpoint

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when != "call" and not (report.failed or report.skipped):
            return
        family, endpoint = self.family_and_endpoint(report.nodeid)
        row = self.counts[(endpoint, family)]
        if hasattr(report, "wasxfail"):
            row["divergence"] += 1
        elif report.failed:
            row["failed"] += 1
            self.failures.append(report.nodeid)
        elif report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            if "capability:" in reason:
                row["skipped-by-capability"] += 1
                self.skips[reason.split("capability:", 1)[1].strip()] += 1
            else:
                row["skipped"] += 1
        elif report.passed:
            row["passed"] += 1

    def as_json(self) -> dict[str, Any]:
        endpoints: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
        for (endpoint, family), row in sorted(self.counts.items()):
            endpoints[endpoint][family] = dict(row)
        return {"endpoints": endpoints, "failures": self.failures, "capability_skips": dict(self.skips)}


def _pytest_args(args: argparse.Namespace) -> list[str]:
    suite = Path(importlib.util.find_spec("cargobay.testing.conformance_suite").origin or "").parent  # type: ignore[union-attr]
    argv = ["--pyargs", "cargobay.testing.conformance_suite", "-c", os.devnull, "--rootdir", str(suite),
            "-p", "no:cacheprovider", "-q",
            "-W", "ignore::DeprecationWarning", "-W", "ignore::pytest.PytestAssertRewriteWarning",
            "-o", "xfail_strict=true"]
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        argv += ["-p", "cargobay.testing.pytest_plugin"]
    for endpoint in args.endpoint or ["cargobay"]:
        argv += ["--s3-endpoint", endpoint]
    for capability in args.lacks:
        argv += ["--s3-lacks", capability]
    if args.access_key:
        argv += ["--s3-access-key", args.access_key]
    if args.secret_key:
        argv += [f"--s3-secret-key={args.secret_key}"]
    argv += ["--s3-region", args.region, "--s3-tls-verify", args.tls_verify]
    if args.clients:
        argv += ["--s3-clients"]
    if args.keyword:
        argv += ["-k", args.keyword]
    if args.workers:
        if importlib.util.find_spec("xdist") is None:
            raise UsageError("-n needs pytest-xdist installed")
        argv += ["-n", str(args.workers)]
    return argv


def _print_tables(tally: FamilyTally) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    by_endpoint: dict[str, list[tuple[str, dict[str, int]]]] = defaultdict(list)
    for (endpoint, family), row in sorted(tally.counts.items()):
        by_endpoint[endpoint].append((family, row))
    for endpoint, rows in by_endpoint.items():
        table = Table(title=f"S3 conformance: {endpoint}")
        table.add_column("family")
        for outcome in _OUTCOMES:
            table.add_column(outcome, justify="right")
        totals = dict.fromkeys(_OUTCOMES, 0)
        for family, row in rows:
            style = "red" if row["failed"] else None
            table.add_row(family, *(str(row[o]) for o in _OUTCOMES), style=style)
            for outcome in _OUTCOMES:
                totals[outcome] += row[outcome]
        table.add_row("total", *(str(totals[o]) for o in _OUTCOMES), style="bold")
        console.print(table)
    for reason, count in sorted(tally.skips.items()):
        console.print(f"skipped by capability ({count}): {reason}")


def run(args: argparse.Namespace) -> int:
    try:
        import pytest
    except ModuleNotFoundError:
        raise UsageError("the conformance suite needs the test extras: pip install 'cargobay[test]'") from None

    tally = FamilyTally()
    code = int(pytest.main(_pytest_args(args), plugins=[tally]))
    _print_tables(tally)
    if args.report:
        from cargobay._fsutil import atomic_write

        report = {"exit_status": code, **tally.as_json()}
        with atomic_write(os.path.abspath(args.report)) as out:
            out.write(json.dumps(report, indent=2, sort_keys=True).encode("utf-8"))
    if code == 5:  # nothing collected (a -k that matches nothing)
        raise UsageError("no conformance test was selected")
    return 0 if code == 0 and not tally.failures else 1

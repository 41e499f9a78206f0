"""The conformance run's verdict, one record per test: outcome, a one-line message, the AWS page.

:class:`ConformanceTally` is a pytest plugin object (``pytest.main(..., plugins=[tally])``): it sees
every phase of every test and keeps **one** record per test id, so a teardown error never counts
as a second failure, and a skip whose reason starts ``blocked:`` (a failed basic test or an endpoint
that went down, see the plugin) counts as blocked, not failed. The message is the first line of the
assertion (the suite's messages say expected and got), cut to one line; the doc link comes from the
test's ``aws_doc`` mark. Under pytest-xdist (``-n``) the tests run in worker processes, where this
object does not exist: their reports reach it through ``pytest_runtest_logreport`` instead, the
doc link in the report's ``user_properties`` (put there by the plugin).
:meth:`ConformanceTally.as_json` is what ``--report`` writes and any other view (the HTML page, the
peer matrix) reads.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

OUTCOMES = ("passed", "failed", "blocked", "divergence", "skipped-by-capability", "skipped")
_MESSAGE_WIDTH = 200


@dataclass
class TestRecord:
    id: str
    endpoint: str
    family: str
    outcome: str
    message: str = ""
    doc: str = ""
    teardown: str = ""  # a cleanup problem after the verdict (never changes the outcome)


def family_and_endpoint(nodeid: str, endpoint_ids: list[str]) -> tuple[str, str]:
    """(family, endpoint id) of a conformance node id; families come from the suite's FAMILIES."""
    from cargobay.testing.conformance_suite import FAMILIES

    module = Path(nodeid.split("::", 1)[0]).stem
    params = nodeid.split("[", 1)[1] if "[" in nodeid else ""
    endpoint = next(
        (e for e in sorted(endpoint_ids, key=len, reverse=True) if params == e + "]" or params.startswith(e + "-")), "-"
    )
    return FAMILIES.get(module, module), endpoint


def one_line(text: str) -> str:
    """The first meaningful line of an exception text, cut to a screen width."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else ""
    first = re.sub(r"^(AssertionError|Failed): ", "", first)
    if first.startswith("assert "):  # pytest's rewritten assert: add the line that says where they differ
        detail = next(
            (
                line
                for line in lines[1:]
                if line.startswith(("At index", "Left contains", "Right contains", "Differing items", "Omitting"))
            ),
            "",
        )
        first += f" ({detail})" if detail else ""
    return first if len(first) <= _MESSAGE_WIDTH else first[: _MESSAGE_WIDTH - 3] + "..."


class ConformanceTally:
    """Counts each test once per (endpoint, family) and keeps its message and doc link."""

    def __init__(self, endpoint_ids: list[str]) -> None:
        self.endpoint_ids = endpoint_ids
        self.records: dict[str, TestRecord] = {}
        self._made_here: set[str] = set()  # tests whose reports pytest_runtest_makereport saw

    def _record(self, item: pytest.Item) -> TestRecord:
        mark = item.get_closest_marker("aws_doc")
        return self._record_of(item.nodeid, str(mark.args[0]) if mark is not None and mark.args else "")

    def _record_of(self, nodeid: str, doc: str) -> TestRecord:
        record = self.records.get(nodeid)
        if record is None:
            family, endpoint = family_and_endpoint(nodeid, self.endpoint_ids)
            record = TestRecord(_short_id(nodeid), endpoint, family, "passed", doc=doc)
            self.records[nodeid] = record
        return record

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A report this process did not make: a test run by a pytest-xdist worker (``-n``).
        The same verdict as :meth:`pytest_runtest_makereport`, from the report alone."""
        if report.nodeid in self._made_here:
            return
        doc = next((str(v) for k, v in report.user_properties if k == "aws_doc"), "")
        record = self._record_of(report.nodeid, doc)
        crash = getattr(report.longrepr, "reprcrash", None)
        # The plugin's own verdict (a string), else the crash line (the exception's text).
        text = crash.message if crash is not None and not isinstance(report.longrepr, str) else report.longreprtext
        self._judge(record, report, text)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        self._made_here.add(item.nodeid)
        record = self._record(item)
        if isinstance(report.longrepr, str):  # the plugin's own verdict (an endpoint that went down)
            text = report.longrepr
        elif call.excinfo is not None:
            text = call.excinfo.exconly()
        else:
            text = str(report.longrepr)
        self._judge(record, report, text)

    def _judge(self, record: TestRecord, report: pytest.TestReport, text: str) -> None:
        """Fold one phase's report into the test's record (``text``: the failure's exception text)."""
        if report.when == "teardown":
            if report.failed:
                record.teardown = one_line(text)
            return
        if report.when == "setup" and report.passed:
            return
        if hasattr(report, "wasxfail"):
            record.outcome = "divergence" if report.skipped else "failed"
            record.message = report.wasxfail if report.skipped else f"divergence fixed upstream? {report.wasxfail}"
            record.message = one_line(record.message)
        elif report.failed:
            record.outcome = "failed"
            record.message = one_line(text)
            if report.when == "setup":
                record.message = "setup: " + record.message
        elif report.skipped:
            reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple | list) else str(report.longrepr)
            reason = reason.removeprefix("Skipped: ")
            record.message = one_line(reason)
            if reason.startswith("blocked:"):
                record.outcome = "blocked"
            elif "capability:" in reason:
                record.outcome = "skipped-by-capability"
            else:
                record.outcome = "skipped"
        else:
            record.outcome = "passed"

    # -- views ---------------------------------------------------------------------------------
    def counts(self) -> dict[str, dict[str, dict[str, int]]]:
        table: dict[str, dict[str, dict[str, int]]] = defaultdict(dict)
        for record in self.records.values():
            row = table[record.endpoint].setdefault(record.family, dict.fromkeys(OUTCOMES, 0))
            row[record.outcome] += 1
        return {endpoint: dict(sorted(rows.items())) for endpoint, rows in sorted(table.items())}

    def failures(self) -> list[TestRecord]:
        return [r for r in self.records.values() if r.outcome == "failed"]

    def as_json(self) -> dict[str, Any]:
        skips = Counter(r.message for r in self.records.values() if r.outcome == "skipped-by-capability")
        return {
            "endpoints": self.counts(),
            "tests": [asdict(r) for r in sorted(self.records.values(), key=lambda r: (r.endpoint, r.family, r.id))],
            "capability_skips": dict(skips),
        }

    def print(self) -> None:
        from rich.console import Console
        from rich.markup import escape
        from rich.table import Table

        console = Console(highlight=False, soft_wrap=True)
        for endpoint, rows in self.counts().items():
            failing = [r for r in self.failures() if r.endpoint == endpoint]
            by_family: dict[str, list[TestRecord]] = defaultdict(list)
            for record in failing:
                by_family[record.family].append(record)
            for family, records in sorted(by_family.items()):
                console.print(f"[bold red]{escape(endpoint)} / {family}[/]: {len(records)} failed")
                for record in records:
                    doc = f"  [dim]{escape(record.doc)}[/]" if record.doc else ""
                    console.print(f"  {escape(record.id)}: {escape(record.message)}{doc}")
            blocked = Counter(
                r.message for r in self.records.values() if r.endpoint == endpoint and r.outcome == "blocked"
            )
            for reason, count in sorted(blocked.items()):
                console.print(f"[yellow]{count} blocked[/] ({escape(reason)})")
            table = Table(title=f"S3 conformance: {endpoint}")
            table.add_column("family")
            for outcome in OUTCOMES:
                table.add_column(outcome, justify="right")
            totals = dict.fromkeys(OUTCOMES, 0)
            for family, row in rows.items():
                table.add_row(family, *(str(row[o]) for o in OUTCOMES), style="red" if row["failed"] else None)
                for outcome in OUTCOMES:
                    totals[outcome] += row[outcome]
            table.add_row("total", *(str(totals[o]) for o in OUTCOMES), style="bold")
            console.print(table)
        skips = Counter(r.message for r in self.records.values() if r.outcome == "skipped-by-capability")
        for reason, count in sorted(skips.items()):
            console.print(f"skipped by capability ({count}): {escape(reason)}")
        cleanup = [r for r in self.records.values() if r.teardown]
        for record in cleanup[:5]:
            console.print(f"[dim]teardown problem (not counted): {escape(record.id)}: {escape(record.teardown)}[/]")


def _short_id(nodeid: str) -> str:
    return nodeid.split("::", 1)[1] if "::" in nodeid else nodeid

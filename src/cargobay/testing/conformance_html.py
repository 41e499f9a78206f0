"""The compatibility report as one HTML page: what an endpoint does differently from AWS S3.

``cargobay conformance --endpoint A --endpoint B ... --html report.html`` writes this page and its
JSON twin (``report.json`` beside it, the same data :meth:`ConformanceTally.as_json` gives, plus
the endpoints' names and the run's date). The page is rendered from that JSON only, so a saved
report can be rendered again (:func:`render_html`).

What the page shows, for a user deciding whether to move onto a store:

* a matrix, families x endpoints: passed/total per cell, coloured by the worst outcome, with the
  number of failures, declared divergences and capability skips;
* per endpoint, every failing test: its family, what AWS documents (the expected half of the
  suite's ``expected X, got Y`` message) and what the endpoint answered (the other half; the whole
  message when it has no such shape), and the AWS documentation page the test cites;
* declared gaps as such, not as failures: capabilities declared lacking (``--lacks``: the tests
  skipped and why) and divergences the endpoint table declares (strict xfails, with the reason);
* tests blocked by a failed basic test or an endpoint that went down.

Rendered with Jinja2 (autoescaping on: test messages carry server answers, which may hold markup).
"""

from __future__ import annotations

import datetime as _dt
import re
from collections import defaultdict
from typing import Any

__all__ = ["render_html", "split_message"]

# pytest's rewritten ``assert got == expected`` (the suite's order), with the "At index ..." detail
# the tally adds in parentheses.
_ASSERT_EQ = re.compile(
    r"^assert (?P<got>.+?) == (?P<expected>.+?)(?: (?P<detail>\((?:At index|Left contains|Right "
    r"contains|Differing items|Omitting)[^)]*\)))?$",
    re.DOTALL,
)
_EXPECTED_GOT = re.compile(r"^(?P<head>.*?)\bexpected:? (?P<expected>.+?),? (?:but )?got:? (?P<got>.+)$", re.DOTALL)


def split_message(message: str) -> tuple[str, str]:
    """``(what AWS documents, what the endpoint answered)`` from a failure message.

    The suite's messages say ``[context: ]expected X, got Y``, or are pytest's rewritten
    ``assert got == expected`` (the suite writes the answer on the left); anything else (an
    exception, another comparison) is returned whole as the answer, with an empty expectation
    (the page then points at the documentation link).
    """
    m = _EXPECTED_GOT.match(message.strip())
    if m is None:
        a = _ASSERT_EQ.match(message.strip())
        plain = a is not None and not any(
            op in a.group("got") + a.group("expected") for op in (" == ", " and ", " or ", " in ", " is ", " not ")
        )
        if a is not None and plain:  # one comparison of two values, nothing else
            detail = f" {a.group('detail')}" if a.group("detail") else ""
            return a.group("expected").strip(), a.group("got").strip() + detail
        return "", message.strip()
    head = m.group("head").strip().rstrip(":").strip()
    expected = m.group("expected").strip()
    return (f"{head}: {expected}" if head else expected), m.group("got").strip()


_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>S3 compatibility report: {{ endpoints | join(", ") }}</title>
<style>
 body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #1d1d1f; padding: 0 1em; }
 h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
 h3 { margin-top: 1.4em; }
 .meta { color: #666; }
 table { border-collapse: collapse; margin: 1em 0; width: 100%; }
 th, td { border: 1px solid #ddd; padding: .35em .6em; text-align: left; vertical-align: top; }
 th { background: #f4f4f6; }
 td.cell { text-align: center; white-space: nowrap; }
 .ok { background: #e6f4ea; } .fail { background: #fce8e6; } .gap { background: #fef7e0; }
 .none, .none a { color: #aaa; }
 .small { font-size: .85em; color: #555; }
 code { font: 12.5px ui-monospace, monospace; word-break: break-word; }
 .legend span { display: inline-block; padding: .1em .6em; margin-right: .6em; border: 1px solid #ddd; }
 .summary td { text-align: right; } .summary td:first-child { text-align: left; }
</style>
</head>
<body>
<h1>S3 compatibility report</h1>
<p class="meta">Endpoints: {% for e in endpoints %}<b>{{ e }}</b>{% if not loop.last %}, {% endif %}{% endfor %}
 &middot; generated {{ generated }} by <code>cargobay conformance</code>
 &middot; every expectation is taken from the AWS S3 API reference or user guide (linked per test).</p>

<h2>Summary</h2>
<table class="summary">
<tr><th>endpoint</th>{% for o in outcomes %}<th>{{ o }}</th>{% endfor %}</tr>
{% for e in endpoints %}<tr><td><b>{{ e }}</b></td>{% for o in outcomes %}<td>{{ totals[e][o] }}</td>{% endfor %}</tr>
{% endfor %}</table>

<h2>Families &times; endpoints</h2>
<p class="legend"><span class="ok">all passed</span><span class="gap">declared gaps only</span>
<span class="fail">differs from AWS</span> cell: passed / tests run (failed &middot; declared divergences &middot;
skipped by a declared lacking capability)</p>
<table>
<tr><th>family</th>{% for e in endpoints %}<th>{{ e }}</th>{% endfor %}</tr>
{% for f in families %}<tr><td>{{ f }}</td>
{% for e in endpoints %}{% set c = matrix[e].get(f) %}{% if c is none %}<td class="cell none">-</td>
{% else %}<td class="cell {{ c.css }}"><a href="#{{ anchor(e, f) }}">{{ c.passed }} / {{ c.total }}</a>
{% if c.failed or c.divergence or c.capability %}<br><span class="small">
{%- if c.failed %}{{ c.failed }} failed{% endif %}
{%- if c.divergence %}{% if c.failed %} &middot; {% endif %}{{ c.divergence }} declared{% endif %}
{%- if c.capability %}{% if c.failed or c.divergence %} &middot; {% endif %}{{ c.capability }} lacking{% endif %}
</span>{% endif %}</td>{% endif %}
{% endfor %}</tr>
{% endfor %}</table>

{% for e in endpoints %}
<h2 id="{{ anchor(e, '') }}">{{ e }}: differences from AWS ({{ failures[e] | length }})</h2>
{% if not failures[e] %}<p>None: every test that ran passed.</p>{% endif %}
{% for family, records in failures_by_family[e] %}
<h3 id="{{ anchor(e, family) }}">{{ family }} ({{ records | length }})</h3>
<table>
<tr><th style="width:24%">test</th><th style="width:28%">AWS documents</th><th style="width:33%">{{ e }} answered</th>
<th>documentation</th></tr>
{% for r in records %}<tr><td><code>{{ r.id }}</code></td>
<td>{% if r.expected %}{{ r.expected }}{% else %}<span class="small">see the AWS page</span>{% endif %}</td>
<td>{{ r.got }}</td>
<td>{% if r.doc %}<a href="{{ r.doc }}">{{ r.doc_name }}</a>{% endif %}</td></tr>
{% endfor %}</table>
{% endfor %}
{% if gaps[e] %}<h3>Declared gaps of {{ e }} (not failures)</h3>
<table><tr><th>declared</th><th>tests</th><th>reason</th></tr>
{% for g in gaps[e] %}<tr><td>{{ g.kind }}</td><td>{{ g.count }}</td><td>{{ g.reason }}</td></tr>
{% endfor %}</table>{% endif %}
{% if blocked[e] %}<h3>Blocked tests of {{ e }}</h3>
<table><tr><th>tests</th><th>because</th></tr>
{% for reason, count in blocked[e] %}<tr><td>{{ count }}</td><td>{{ reason }}</td></tr>{% endfor %}</table>{% endif %}
{% endfor %}
</body>
</html>
"""


def _doc_name(url: str) -> str:
    """``API_PutObject`` from an AWS documentation URL (the page's name), else the URL."""
    tail = url.rstrip("/").rsplit("/", 1)[-1]
    tail = tail.split("#", 1)[0].removesuffix(".html")
    return tail or url


def _anchor(endpoint: str, family: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", f"{endpoint}--{family}").strip("-")


def render_html(report: dict[str, Any], *, names: dict[str, str] | None = None, generated: str | None = None) -> str:
    """The page for a report (the JSON of :meth:`ConformanceTally.as_json`). ``names`` maps an
    endpoint id (``url0``) to the name shown (``SeaweedFS (http://...)``)."""
    from jinja2 import Environment

    from cargobay.testing.conformance_report import OUTCOMES

    names = names or {}
    tests: list[dict[str, Any]] = list(report.get("tests", []))
    ids = [i for i in report.get("endpoint_order", []) if i in report.get("endpoints", {})]  # as given
    ids += [i for i in report.get("endpoints", {}) if i not in ids]
    for t in tests:
        if t["endpoint"] not in ids:
            ids.append(t["endpoint"])
    shown = {i: names.get(i, i) for i in ids}
    families = sorted({t["family"] for t in tests})
    matrix: dict[str, dict[str, dict[str, Any]]] = {shown[i]: {} for i in ids}
    totals = {shown[i]: dict.fromkeys(OUTCOMES, 0) for i in ids}
    failures: dict[str, list[dict[str, Any]]] = {shown[i]: [] for i in ids}
    gap_counts: dict[str, dict[tuple[str, str], int]] = {shown[i]: defaultdict(int) for i in ids}
    blocked: dict[str, dict[str, int]] = {shown[i]: defaultdict(int) for i in ids}
    for t in tests:
        e = shown[t["endpoint"]]
        cell = matrix[e].setdefault(
            t["family"], {"passed": 0, "total": 0, "failed": 0, "divergence": 0, "capability": 0}
        )
        outcome = t["outcome"]
        totals[e][outcome] = totals[e].get(outcome, 0) + 1
        if outcome == "passed":
            cell["passed"] += 1
        elif outcome == "failed":
            cell["failed"] += 1
            expected, got = split_message(t.get("message", ""))
            failures[e].append({**t, "expected": expected, "got": got, "doc_name": _doc_name(t.get("doc", ""))})
        elif outcome == "divergence":
            cell["divergence"] += 1
            gap_counts[e][("divergence declared in the endpoint table", t.get("message", ""))] += 1
        elif outcome == "skipped-by-capability":
            cell["capability"] += 1
            gap_counts[e][("capability declared lacking", t.get("message", ""))] += 1
        elif outcome == "blocked":
            blocked[e][t.get("message", "")] += 1
        if outcome in ("passed", "failed", "divergence"):
            cell["total"] += 1
    for cells in matrix.values():
        for cell in cells.values():
            gap = cell["divergence"] or cell["capability"]
            cell["css"] = "fail" if cell["failed"] else ("gap" if gap else ("ok" if cell["total"] else "none"))
    by_family = {
        e: sorted((f, [r for r in recs if r["family"] == f]) for f in {r["family"] for r in recs})
        for e, recs in failures.items()
    }
    gaps = {e: [{"kind": k, "reason": r, "count": n} for (k, r), n in sorted(c.items())] for e, c in gap_counts.items()}
    env = Environment(autoescape=True, trim_blocks=False, lstrip_blocks=False)
    env.globals["anchor"] = _anchor
    return env.from_string(_TEMPLATE).render(
        endpoints=[shown[i] for i in ids],
        outcomes=OUTCOMES,
        families=families,
        matrix=matrix,
        totals=totals,
        failures=failures,
        failures_by_family=by_family,
        gaps=gaps,
        blocked={e: sorted(c.items()) for e, c in blocked.items()},
        generated=generated or _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )

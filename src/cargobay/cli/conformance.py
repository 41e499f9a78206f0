"""``cargobay conformance``: run the S3 conformance suite against endpoints and report per family.

The suite ships inside the package (:mod:`cargobay.testing.conformance_suite`), so this works from
an installed wheel: pytest runs it with ``--pyargs`` and an empty configuration (a user's own
``pytest.ini`` must not change what conformance means). The ``cargobay_s3`` plugin comes from its
entry point, or from ``-p`` when ``PYTEST_DISABLE_PLUGIN_AUTOLOAD`` is set.

Output: pytest's progress (no tracebacks), then per endpoint one short line per failure (what was
expected, what came back, the AWS page), the blocked tests by cause, and a table counting each test
once per family (:mod:`cargobay.testing.conformance_report`); ``--report PATH`` writes the same as
JSON, messages included; ``--html PATH`` the compatibility report page
(:mod:`cargobay.testing.conformance_html`) and, unless ``--report`` names it, its JSON twin beside
it (``PATH`` with ``.json``); ``--name ENDPOINT=NAME`` names an endpoint on both. Exit 0 when nothing
failed, 1 on a failure or an unreachable endpoint, 2 on a usage error (``--endpoint notaurl``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cargobay.errors import CargobayError, UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "conformance",
        help="run the S3 conformance suite against an endpoint",
        description="Run the S3 conformance suite (default: against an embedded cargobay server).",
    )
    parser.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="URL",
        help="endpoint to test (repeatable): 'cargobay' (default), 'moto', or an http(s) URL",
    )
    parser.add_argument("--access-key", default=None, help="access key for URL endpoints")
    parser.add_argument("--secret-key", default=None, help="secret key for URL endpoints")
    parser.add_argument("--region", default="us-east-1", help="region of URL endpoints")
    parser.add_argument("--tls-verify", default="true", help="'true', 'false' or a CA bundle path")
    parser.add_argument(
        "--lacks",
        action="append",
        default=[],
        metavar="CAPABILITY",
        help="declare a capability a third-party endpoint lacks (skipped and named)",
    )
    parser.add_argument("--report", default=None, metavar="PATH", help="write a JSON report here")
    parser.add_argument(
        "--html",
        default=None,
        metavar="PATH",
        help="write the compatibility report page here (and its JSON twin beside it, .json)",
    )
    parser.add_argument(
        "--name",
        action="append",
        default=[],
        metavar="ENDPOINT=NAME",
        help="the name an endpoint has in the report (e.g. http://127.0.0.1:8333=SeaweedFS)",
    )
    parser.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="the URL endpoint's data directory: enables the traversal family",
    )
    parser.add_argument("--timeout", default=120.0, type=float, metavar="SECONDS", help="per-test timeout")
    parser.add_argument(
        "--vhost-domain",
        default="localhost",
        metavar="DOMAIN",
        help="<bucket>.DOMAIN reaches the endpoint (virtual-hosted style; default localhost)",
    )
    parser.add_argument("--clients", action="store_true", help="also run the real-client tests (awscli, rclone...)")
    parser.add_argument("-k", dest="keyword", default=None, help="only tests matching this pytest -k expression")
    parser.add_argument("-n", dest="workers", default=None, help="pytest-xdist workers ('auto' or a number)")
    parser.set_defaults(handler=run)


def _pytest_args(args: argparse.Namespace) -> list[str]:
    suite = Path(importlib.util.find_spec("cargobay.testing.conformance_suite").origin or "").parent  # type: ignore[union-attr]
    argv = [
        "--pyargs",
        "cargobay.testing.conformance_suite",
        "-c",
        os.devnull,
        "--rootdir",
        str(suite),
        "-p",
        "no:cacheprovider",
        "-q",
        "--tb=no",
        "-rN",
        "--no-header",
        "-p",
        "no:warnings",
        "-W",
        "ignore::DeprecationWarning",
        "-W",
        "ignore::pytest.PytestAssertRewriteWarning",
        "-o",
        "xfail_strict=true",
    ]
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
    argv += [
        "--s3-region",
        args.region,
        "--s3-tls-verify",
        args.tls_verify,
        "--s3-timeout",
        str(args.timeout),
        "--s3-vhost-domain",
        args.vhost_domain,
    ]
    if args.data_dir:
        argv += ["--s3-data-dir", args.data_dir]
    if args.clients:
        argv += ["--s3-clients"]
    if args.keyword:
        argv += ["-k", args.keyword]
    if args.workers:
        if importlib.util.find_spec("xdist") is None:
            raise UsageError("-n needs pytest-xdist installed")
        argv += ["-n", str(args.workers)]
    return argv


def _check_endpoints(args: argparse.Namespace) -> None:
    """A malformed endpoint is a usage error (exit 2); an unreachable URL one line and exit 1."""
    from cargobay.testing.s3_endpoints import parse_endpoints

    try:
        specs = parse_endpoints(args.endpoint, frozenset(args.lacks), args.data_dir)
    except ValueError as exc:
        raise UsageError(str(exc).replace("--s3-endpoint", "--endpoint").replace("--s3-lacks", "--lacks")) from None
    for spec in specs:
        if spec.url is None:
            continue
        parts = urlsplit(spec.url)
        if not parts.hostname:
            raise UsageError(f"--endpoint {spec.url!r}: no host in the URL")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname, port), timeout=5):
                pass
        except OSError as exc:
            raise CargobayError(f"{spec.url}: unreachable ({exc.strerror or type(exc).__name__})") from None


def _names(args: argparse.Namespace) -> dict[str, str]:
    """``--name ENDPOINT=NAME`` -> {endpoint id: "NAME (id)"}, the names the report page shows."""
    from cargobay.testing.s3_endpoints import parse_endpoints

    given: dict[str, str] = {}
    for item in args.name:
        endpoint, sep, name = item.rpartition("=")
        if not sep or not endpoint or not name:
            raise UsageError(f"--name {item!r}: expected ENDPOINT=NAME, e.g. http://127.0.0.1:8333=SeaweedFS")
        given[endpoint.rstrip("/")] = name
    out: dict[str, str] = {}
    for value in args.endpoint or ["cargobay"]:
        name = given.pop(value.rstrip("/"), None)
        if name is not None:
            spec = parse_endpoints([value], frozenset(), args.data_dir)[0]
            out[spec.id] = f"{name} ({spec.id})" if name != spec.id else name
    if given:
        raise UsageError(f"--name {next(iter(given))!r}: not one of the --endpoint values")
    return out


def run(args: argparse.Namespace) -> int:
    try:
        import pytest
    except ModuleNotFoundError:
        raise UsageError("the conformance suite needs the test extras: pip install 'cargobay[test]'") from None
    _check_endpoints(args)
    names = _names(args)  # a bad --name is a usage error before the run, not after it
    from cargobay.testing.conformance_report import ConformanceTally
    from cargobay.testing.s3_endpoints import parse_endpoints

    tally = ConformanceTally([s.id for s in parse_endpoints(args.endpoint, frozenset(args.lacks), args.data_dir)])
    code = int(pytest.main(_pytest_args(args), plugins=[tally]))
    if code in (3, 4):  # internal error / usage error: pytest printed one reason
        raise UsageError("the conformance run could not start (see the message above)")
    tally.print()
    report = {"exit_status": code, **tally.as_json(), "names": names, "endpoint_order": tally.endpoint_ids}
    twin = args.report or (os.path.splitext(args.html)[0] + ".json" if args.html else None)
    if twin:
        from cargobay._fsutil import atomic_write

        with atomic_write(os.path.abspath(twin)) as out:
            out.write(json.dumps(report, indent=2, sort_keys=True).encode("utf-8"))
    if args.html:
        from cargobay._fsutil import atomic_write
        from cargobay.testing.conformance_html import render_html

        with atomic_write(os.path.abspath(args.html)) as out:
            out.write(render_html(report, names=report["names"]).encode("utf-8"))
    if code == 5:  # nothing collected (a -k that matches nothing)
        raise UsageError("no conformance test was selected")
    return 0 if code == 0 and not tally.failures() else 1

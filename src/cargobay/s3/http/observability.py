"""What the server is doing: the access log, Prometheus metrics, and the reserved ``/_cargobay/`` paths.

This module owns everything an operator reads about a running server:

* **The access log**: one line per request, after its response was sent, on the logger
  ``cargobay.access`` at INFO (so on by default, to stderr; ``serve --log-level warning`` turns it
  off). Fields: time (UTC), user (the access key's user name, ``-`` when anonymous or not
  authenticated), method, ``bucket/key``, status, bytes received, bytes sent, duration in ms,
  request id. ``text`` format (one space-separated line, as common log formats are) or ``json``
  (one object per line). A request refused before routing (a bad signature, say) is logged too,
  with its status.
* **Metrics** (the ``prometheus-client`` library, one registry per server so that servers in one
  process do not mix): ``cargobay_requests_total{operation,status}``,
  ``cargobay_request_duration_seconds{operation}`` (histogram), ``cargobay_received_bytes_total``,
  ``cargobay_sent_bytes_total``, ``cargobay_objects_written_total`` and
  ``cargobay_objects_deleted_total`` (successful writes and deletions of objects), and
  ``cargobay_internal_errors_total``. ``operation`` is the S3 action name (``GetObject``), or
  ``unknown`` for a request refused before it could be routed.
* **The reserved paths**: ``/_cargobay/<name>`` is never a bucket (``_`` is not allowed in a bucket
  name, so no bucket can clash), and :data:`INTERNAL` is the table of what is served there:
  ``health`` (200 ``ok``, unauthenticated, no data) and ``metrics`` (Prometheus text format,
  unauthenticated: request counts and sizes, no names). Another feature adds its page with
  :func:`add_internal` (a web console under ``/_cargobay/console/``, say). Under virtual-hosted
  style, ``BUCKET.DOMAIN/_cargobay/...`` is the key ``_cargobay/...`` of that bucket (a key may
  be anything); the reserved paths are reached at the endpoint itself, and a host naming the
  bucket ``_cargobay`` is refused as an invalid bucket name like any other.

The hook in :mod:`cargobay.s3.http.app` is two lines: the handler asks :func:`internal_handler`
first, and records what it did in the request (:func:`note`); :class:`AccessLogger` (aiohttp's
access-log hook, called once the response is sent) does the rest.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import itertools
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector

__all__ = [
    "INTERNAL",
    "PREFIX",
    "AccessLogger",
    "LoggedRequestNote",
    "Metrics",
    "RequestNote",
    "add_internal",
    "internal_handler",
    "note",
]

PREFIX = "/_cargobay/"
access_log = logging.getLogger("cargobay.access")

InternalHandler = Callable[[web.Request, "Metrics"], Awaitable[web.StreamResponse]]

_WRITES = frozenset({"PutObject", "CopyObject", "CompleteMultipartUpload", "PostObject"})
_DELETES = frozenset({"DeleteObject"})


@dataclass
class RequestNote:
    """What the S3 handler learned about a request, for the access log and the metrics."""

    request_id: str
    operation: str = "unknown"
    user: str | None = None
    bucket: str | None = None
    key: str | None = None
    received: int = 0


@dataclass
class LoggedRequestNote(RequestNote):
    """The note of a request on a bucket with server access logging on (log_records.py): its
    ``server_log`` completes and buffers the record once the response was sent. A subclass, so the
    note of every other request is built as before."""

    server_log: Callable[[web.BaseRequest, web.StreamResponse, float], None] | None = None


NOTE_KEY = web.RequestKey("cargobay_note", RequestNote)


def note(request: web.Request, value: RequestNote) -> None:
    request[NOTE_KEY] = value


_DURATION_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """The server's counters, exposed through a Prometheus registry of its own.

    Recording is plain integer arithmetic on the event loop's thread, which both records (the
    access-log hook) and reads (the metrics page, the console): no lock. prometheus-client's own
    Counter and Histogram lock on every increment, which cost ~15 µs of server CPU per request
    (8% of a 4 KiB HEAD, measured). The exposition is still prometheus-client's, from a collector
    that turns these counts into metric families when scraped.
    """

    def __init__(self) -> None:
        self.created = time.time()
        self._requests: dict[tuple[str, int], int] = {}
        self._durations: dict[str, list[int]] = {}  # operation -> count per bucket (the last: +Inf)
        self._duration_sums: dict[str, float] = {}
        self.received = 0
        self.sent = 0
        self.written = 0
        self.deleted = 0
        self.internal_errors = 0
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(_Collector(self))

    def record(self, operation: str, status: int, received: int, sent: int, seconds: float) -> None:
        key = (operation, status)
        requests = self._requests
        requests[key] = requests.get(key, 0) + 1
        counts = self._durations.get(operation)
        if counts is None:
            counts = self._durations[operation] = [0] * (len(_DURATION_BUCKETS) + 1)
        counts[bisect.bisect_left(_DURATION_BUCKETS, seconds)] += 1
        self._duration_sums[operation] = self._duration_sums.get(operation, 0.0) + seconds
        self.received += received
        self.sent += sent
        if status < 300:
            if operation in _WRITES:
                self.written += 1
            elif operation in _DELETES:
                self.deleted += 1
        if status >= 500:
            self.internal_errors += 1

    def requests_total(self, *, errors: bool = False) -> int:
        """Requests answered since start (only those answered 4xx or 5xx, with ``errors``)."""
        return sum(n for (_, status), n in self._requests.items() if not errors or status >= 400)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _Collector(Collector):
    """The metric families of one :class:`Metrics`, built when the registry is scraped."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        m = self.metrics
        requests = CounterMetricFamily("cargobay_requests", "S3 requests answered", labels=["operation", "status"])
        for (operation, status), n in sorted(m._requests.items()):
            requests.add_metric([operation, str(status)], n, created=m.created)
        yield requests
        duration = HistogramMetricFamily(
            "cargobay_request_duration_seconds",
            "Time from the request's arrival to the end of its response",
            labels=["operation"],
        )
        bounds = [repr(b) for b in _DURATION_BUCKETS] + ["+Inf"]
        for operation, counts in sorted(m._durations.items()):
            cumulative = list(itertools.accumulate(counts))
            duration.add_metric([operation], list(zip(bounds, cumulative, strict=True)), m._duration_sums[operation])
        yield duration
        for name, documentation, value in (
            ("cargobay_received_bytes", "Request body bytes received", m.received),
            ("cargobay_sent_bytes", "Response bytes sent (headers and body)", m.sent),
            ("cargobay_objects_written", "Objects created or replaced", m.written),
            ("cargobay_objects_deleted", "Object deletions answered with success", m.deleted),
            ("cargobay_internal_errors", "Responses that were 500 (bugs)", m.internal_errors),
        ):
            family = CounterMetricFamily(name, documentation)
            family.add_metric([], value, created=m.created)
            yield family


METRICS_KEY = web.AppKey("cargobay_metrics", Metrics)
# A request aiohttp could not parse never reaches a route, so it has no app to find the metrics
# through (``request.app`` asserts a route): the connection handler (protocol.py) puts them here.
UNPARSED_METRICS_KEY = web.RequestKey("cargobay_unparsed_metrics", Metrics)


# -- the reserved paths ------------------------------------------------------------------------


async def _health(request: web.Request, metrics: Metrics) -> web.StreamResponse:
    return web.Response(text="ok\n", content_type="text/plain")


async def _metrics(request: web.Request, metrics: Metrics) -> web.StreamResponse:
    response = web.Response(body=metrics.exposition())
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


#: ``/_cargobay/<name>[/...]`` -> handler (GET and HEAD only).
INTERNAL: dict[str, InternalHandler] = {"health": _health, "metrics": _metrics}


#: Methods each reserved path answers (GET and HEAD unless its feature says otherwise).
METHODS: dict[str, tuple[str, ...]] = {}


def add_internal(name: str, handler: InternalHandler, *, methods: tuple[str, ...] = ("GET", "HEAD")) -> None:
    """Serve ``handler`` at ``/_cargobay/<name>`` and below (``name`` has no ``/``) for ``methods``."""
    if "/" in name or not name or name in INTERNAL:
        raise ValueError(f"cannot add /_cargobay/{name}")
    INTERNAL[name] = handler
    METHODS[name] = methods


def internal_handler(raw_path: str, vhost: bool) -> InternalHandler | None:
    """The handler of a reserved path, or None for an S3 request."""
    if vhost or not raw_path.startswith(PREFIX):
        return None
    name = raw_path[len(PREFIX) :].split("/", 1)[0].split("?", 1)[0]
    return INTERNAL.get(name, _not_found)


async def _not_found(request: web.Request, metrics: Metrics) -> web.StreamResponse:
    names = ", ".join(f"{PREFIX}{n}" for n in sorted(INTERNAL))
    return web.Response(status=404, text=f"not found; reserved paths: {names}\n", content_type="text/plain")


async def serve_internal(request: web.Request, handler: InternalHandler) -> web.StreamResponse:
    name = request.raw_path[len(PREFIX) :].split("/", 1)[0].split("?", 1)[0]
    note(request, RequestNote("-", operation=f"cargobay:{name if name in INTERNAL else 'unknown'}"))
    methods = METHODS.get(name, ("GET", "HEAD"))
    if request.method not in methods:
        return web.Response(status=405, text=f"{' or '.join(methods)} only\n", content_type="text/plain")
    return await handler(request, request.app[METRICS_KEY])


# -- the access log ----------------------------------------------------------------------------


class AccessLogger(AbstractAccessLogger):
    """aiohttp's access-log hook: one line per request in ``text`` or ``json``, and the metrics."""

    output_format = "text"  # set by configure_access_log (aiohttp owns log_format)

    @property
    def enabled(self) -> bool:
        return True  # the metrics are recorded whatever the log level

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        found = request.get(NOTE_KEY) if isinstance(request, web.Request) else None
        info = found if isinstance(found, RequestNote) else RequestNote(response.headers.get("x-amz-request-id", "-"))
        received = info.received or (request.content_length or 0)
        sent = response.body_length
        metrics = None
        if isinstance(request, web.Request):
            metrics = request.get(UNPARSED_METRICS_KEY)
            if metrics is None:
                metrics = request.app.get(METRICS_KEY)
        if metrics is not None:
            metrics.record(info.operation, response.status, received, sent, time)
        if type(info) is LoggedRequestNote and info.server_log is not None:
            info.server_log(request, response, time)
        if not self.logger.isEnabledFor(logging.INFO):
            return
        where = info.bucket or "-"
        if info.key is not None:
            where = f"{where}/{info.key}"
        now = _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if self.output_format == "json":
            line = json.dumps(
                {
                    "time": now,
                    "user": info.user,
                    "method": request.method,
                    "bucket": info.bucket,
                    "key": info.key,
                    "operation": info.operation,
                    "status": response.status,
                    "bytes_in": received,
                    "bytes_out": sent,
                    "duration_ms": round(time * 1000, 3),
                    "request_id": info.request_id,
                    "remote": request.remote,
                },
                ensure_ascii=False,
            )
        else:
            # The key is quoted (it may hold spaces); everything else is one token.
            line = (
                f"{now} {info.user or '-'} {request.method} {json.dumps(where, ensure_ascii=False)} "
                f"{response.status} {received} {sent} {time * 1000:.1f}ms {info.request_id} "
                f"{info.operation} {request.remote or '-'}"
            )
        self.logger.info(line)


def configure_access_log(log_format: str) -> None:
    """``text`` or ``json`` for every server of this process (the CLI calls it once)."""
    if log_format not in ("text", "json"):
        raise ValueError(f"unknown log format {log_format!r}")
    AccessLogger.output_format = log_format

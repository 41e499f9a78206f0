"""Server access log delivery: one record per request on a bucket with logging on, buffered in memory
and written as log objects into the target bucket every ``ServeConfig.log_delivery_interval`` seconds
(0: none but the following), when the buffer grows past :data:`FLUSH_BYTES` (so memory stays bounded),
and on a clean shutdown.

The hot path: a request is recorded (log_records.py) only when its bucket is in
:attr:`ServerLogs.targets` (a dict lookup in app.py, no await); the record itself is made after the
response was sent, by the access-log hook (observability.py), which then knows the bytes sent and the
time taken. A bucket without logging costs that one lookup.

Delivery writes through the store, not through HTTP, so a log object written into a bucket that is
itself logged makes no record: no loop, whatever points where. (On AWS the log writes into a bucket that
logs to itself are logged too, which is why ServerLogs.html discourages it; here it is harmless.)
Delivery is best effort, as on AWS ("Server log records are delivered on a best effort basis",
ServerLogs.html): a target bucket deleted meanwhile drops its records with a warning. A clean shutdown
delivers everything buffered before the store closes.

The records of a request go where the configuration in force when it was answered said; a change of
configuration applies to the requests after it. The key format and the record format are in
:mod:`cargobay.s3.server_log`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cargobay.s3 import server_log
from cargobay.s3.errors import S3Error
from cargobay.s3.store import ObjectMeta

if TYPE_CHECKING:
    from aiohttp import web

    from cargobay.s3.store import ObjectStore

log = logging.getLogger(__name__)

FLUSH_BYTES = 4 << 20  # buffered record bytes that wake the delivery before its interval is up
SETTING = "logging"  # the bucket setting (see logging_config.py)

# Called by the access-log hook once the response was sent: (request, response, seconds taken).
PendingRecord = Callable[["web.BaseRequest", "web.StreamResponse", float], None]


@dataclass(frozen=True)
class Target:
    """Where one source bucket's records go, and its owner (the first field of each record)."""

    config: server_log.LoggingConfig
    owner: str


class ServerLogs:
    """The logging configurations in force and the records not yet delivered (event loop only,
    but :meth:`enable` and :meth:`disable`, which replace one dict entry from an I/O thread)."""

    def __init__(self, region: str, interval: float) -> None:
        self.region = region
        self.interval = interval
        self.targets: dict[str, Target] = {}
        self._buffer: dict[tuple[str, Target], list[tuple[float, str]]] = {}
        self._buffered = 0
        self._wake: asyncio.Event | None = None
        self.delivered = 0  # log objects written
        self.dropped = 0  # records whose delivery failed

    # -- configuration ---------------------------------------------------------------------------

    def enable(self, source: str, config: server_log.LoggingConfig, owner: str) -> None:
        self.targets[source] = Target(config, owner)

    def disable(self, source: str) -> None:
        self.targets.pop(source, None)

    def load(self, store: ObjectStore, owner_of: Callable[[str], str]) -> None:
        """Put in force what the buckets keep (at start; blocking)."""
        for info in store.list_buckets():
            raw: Any = store.bucket_setting(info.name, SETTING)
            if raw:
                self.enable(info.name, server_log.LoggingConfig.from_json(raw), owner_of(info.name))

    # -- recording -------------------------------------------------------------------------------

    def add(self, source: str, target: Target, when: float, line: str) -> None:
        self._buffer.setdefault((source, target), []).append((when, line))
        self._buffered += len(line) + 1
        if self._buffered > FLUSH_BYTES and self._wake is not None:
            self._wake.set()

    # -- delivery --------------------------------------------------------------------------------

    def take(self) -> dict[tuple[str, Target], list[tuple[float, str]]]:
        """Everything buffered, leaving the buffer empty (event loop)."""
        batch, self._buffer, self._buffered = self._buffer, {}, 0
        return batch

    def write(self, store: ObjectStore, batch: dict[tuple[str, Target], list[tuple[float, str]]], now: float) -> None:
        """Write ``batch`` as log objects (blocking): one per source bucket, or per source bucket and
        day for an EventTime partition."""
        for (source, target), records in batch.items():
            config = target.config
            groups: dict[int, list[str]] = {}
            for when, line in records:
                groups.setdefault(server_log.event_day(when) if config.by_event_day else 0, []).append(line)
            for day, lines in groups.items():
                when = day * 86400.0 if config.by_event_day else now
                key = server_log.log_key(
                    config,
                    source=source,
                    account=target.owner,
                    region=self.region,
                    when=when,
                    unique=secrets.token_hex(8).upper(),
                )
                grants = tuple((g.kind, g.who, g.permission) for g in config.grants)
                meta = ObjectMeta(
                    headers={"content-type": "text/plain"},
                    owner=target.owner,
                    acl=(("user", target.owner, "FULL_CONTROL"), *grants) if grants else None,
                )
                try:
                    store.put_bytes(config.target_bucket, key, ("\n".join(lines) + "\n").encode("utf-8"), meta)
                except S3Error as exc:
                    self.dropped += len(lines)
                    log.warning("server access logs of %s not delivered to %s: %s", source, config.target_bucket, exc)
                except Exception:
                    self.dropped += len(lines)
                    log.exception("server access logs of %s not delivered to %s", source, config.target_bucket)
                else:
                    self.delivered += 1

    def flush(self, store: ObjectStore) -> None:
        """Deliver everything buffered now (blocking, on the event loop's thread: the shutdown)."""
        batch = self.take()
        if batch:
            self.write(store, batch, time.time())

    async def run_forever(self, services: Any) -> None:
        """Deliver every ``interval`` seconds, and whenever :data:`FLUSH_BYTES` are buffered (also with
        an interval of 0, which otherwise leaves delivery to the shutdown), until cancelled."""
        self._wake = asyncio.Event()
        while True:
            if self.interval > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval)
            else:
                await self._wake.wait()
            self._wake.clear()
            batch = self.take()
            if batch:
                await services.run(self.write, services.store, batch, time.time())

"""The sync entry points: :func:`sync` and :func:`plan_sync`, and the session that opens both sides.

This module owns turning a location (``s3://bucket/prefix`` or a local path) into an endpoint
(:func:`open_endpoint`), and opening the two endpoints of one run (one shared S3 client, one
hash-cache database, a listing started early given to the endpoint it lists) and closing them.
Opening is the one place that looks at which kinds of endpoint a run has (two local directories
must not contain each other; two S3 stores may list in different orders); everything after
speaks to :class:`~cargobay.sync.endpoints.Endpoint`. The documented import path of these
functions is :mod:`cargobay.sync`.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Sequence
from typing import Any

from cargobay.errors import UsageError
from cargobay.select import Selection
from cargobay.sync.endpoints import Endpoint
from cargobay.sync.execute import ProgressCallback, run_plan
from cargobay.sync.local import LocalDir
from cargobay.sync.model import DEFAULT_PART_SIZE, SyncOptions, SyncReport
from cargobay.sync.plan import SyncPlan, build_plan
from cargobay.sync.s3.client import LazyClient, make_client
from cargobay.sync.s3.early import EarlyListing
from cargobay.sync.s3.endpoint import S3Prefix
from cargobay.sync.s3.spec import ListingSpec, S3Settings, listing_spec, parse_s3_url
from cargobay.sync.state import StateCache

__all__ = ["is_s3_location", "open_endpoint", "plan_sync", "sync"]


def _stream_object(*args: Any, **kwargs: Any) -> int:
    """:func:`cargobay.sync.s3stream.stream_object`, imported on the first S3-to-S3 transfer: its
    imports (``http.client`` with ``email`` and ``ssl``, ``xml.etree``, ``concurrent.futures``
    with ``logging``) were a third of a no-change local-to-S3 sync's start-up, for nothing."""
    from cargobay.sync.s3stream import stream_object

    return stream_object(*args, **kwargs)


def is_s3_location(text: str) -> bool:
    return text.startswith("s3://")


def open_endpoint(
    location: str,
    *,
    client: Any = None,
    state: StateCache | None = None,
    trust_cache: bool = True,
    part_size: int = DEFAULT_PART_SIZE,
    listing: ListingSpec | None = None,
    early: EarlyListing | None = None,
    lists_in_byte_order: bool = True,
) -> LocalDir | S3Prefix:
    """``s3://bucket/prefix`` (needs ``client``; ``listing``: how to list without it; ``early``:
    its listing, already started) or a local directory (with its hash cache)."""
    if is_s3_location(location):
        bucket, prefix = parse_s3_url(location)
        if client is None:
            raise ValueError("an S3 location needs a client")
        return S3Prefix(
            client,
            bucket,
            prefix,
            part_size=part_size,
            listing=listing,
            early=early,
            lists_in_byte_order=lists_in_byte_order,
            streamer=_stream_object,
        )
    local = LocalDir(location, trust_cache=trust_cache)
    if state is not None and state.available:
        local.state = state.root(local.root)
    return local


class _Session:
    """Opens both endpoints (one shared S3 client, one state database) and closes them."""

    def __init__(
        self,
        src: str | Endpoint,
        dst: str | Endpoint,
        *,
        options: SyncOptions,
        s3: S3Settings | None,
        state_dir: str | None,
        early: Sequence[EarlyListing] = (),
        dst_s3: S3Settings | None = None,
    ) -> None:
        self.early = list(early)
        try:
            self.state = StateCache(os.path.expanduser(state_dir)) if state_dir is not None else None
            # One client per distinct settings: both sides on one endpoint share it (server-side
            # copy); a destination with settings of its own gets its own (streamed copy).
            self.clients: dict[S3Settings, tuple[LazyClient, ListingSpec | None]] = {}
            self.src: Endpoint = self._open(src, options=options, s3=s3)
            self.dst: Endpoint = self._open(dst, options=options, s3=dst_s3 or s3)
            src_ep, dst_ep = self.src, self.dst
            if isinstance(src_ep, S3Prefix) and isinstance(dst_ep, S3Prefix) and src_ep.client is not dst_ep.client:
                # A migration between two stores: not every store lists in byte order (SeaweedFS).
                src_ep.lists_in_byte_order = dst_ep.lists_in_byte_order = False
            if isinstance(self.src, LocalDir) and isinstance(self.dst, LocalDir):
                a, b = os.path.realpath(self.src.root), os.path.realpath(self.dst.root)
                if a == b or b.startswith(a + os.sep) or a.startswith(b + os.sep):
                    raise UsageError("source and destination directories must not contain each other")
            if isinstance(self.src, LocalDir) and not os.path.isdir(self.src.root):
                raise UsageError(f"source is not a directory: {self.src.root}")
        except BaseException:
            for listing in self.early:  # opened for nothing: stop them
                listing.close()
            raise

    def _open(self, where: str | Endpoint, *, options: SyncOptions, s3: S3Settings | None) -> Endpoint:
        if not isinstance(where, str):
            state = self.state
            if isinstance(where, LocalDir) and where.state is None and state is not None and state.available:
                where.state = state.root(where.root)
            if isinstance(where, S3Prefix) and where.streamer is None:
                where.streamer = _stream_object
            return where
        settings = s3 or S3Settings()
        client: LazyClient | None = None
        listing: ListingSpec | None = None
        early: EarlyListing | None = None
        if is_s3_location(where):
            if settings not in self.clients:
                self.clients[settings] = (
                    LazyClient(functools.partial(make_client, settings, transfers=options.transfers)),
                    listing_spec(settings, environ=os.environ),
                )
            client, listing = self.clients[settings]
            if listing is not None:
                bucket, prefix = parse_s3_url(where)
                early = next(
                    (e for e in self.early if e.matches(settings, bucket, prefix + "/" if prefix else "")), None
                )
                if early is not None:
                    early.adopted = True
        return open_endpoint(
            where,
            client=client,
            listing=listing,
            early=early,
            state=self.state,
            trust_cache=not options.checksum,
            part_size=options.part_size,
        )

    def close(self) -> None:
        for early in self.early:  # stops a listing nobody read (an error before planning)
            early.close()
        for ep in (self.src, self.dst):
            ep.close()
        if self.state is not None:
            self.state.close()


def _selection(selection: Selection | None) -> Selection:
    return selection if selection is not None else Selection(ignore_file_name=None)


def plan_sync(
    src: str | Endpoint,
    dst: str | Endpoint,
    *,
    options: SyncOptions | None = None,
    selection: Selection | None = None,
    s3: S3Settings | None = None,
    state_dir: str | None = None,
    early_listings: Sequence[EarlyListing] = (),
    dst_s3: S3Settings | None = None,
) -> SyncPlan:
    """What :func:`sync` would do, with a reason per path; changes nothing but the hash cache."""
    options = options or SyncOptions()
    session = _Session(src, dst, options=options, s3=s3, state_dir=state_dir, early=early_listings, dst_s3=dst_s3)
    try:
        plan = build_plan(session.src, session.dst, options=options, selection=_selection(selection))
        for ep in (session.src, session.dst):
            ep.flush_state()
        return plan
    finally:
        session.close()


def sync(
    src: str | Endpoint,
    dst: str | Endpoint,
    *,
    options: SyncOptions | None = None,
    selection: Selection | None = None,
    s3: S3Settings | None = None,
    state_dir: str | None = None,
    progress: ProgressCallback | None = None,
    on_plan: Any = None,
    early_listings: Sequence[EarlyListing] = (),
    dst_s3: S3Settings | None = None,
) -> SyncReport:
    """Make ``dst`` hold what ``src`` holds (deleting extras only with ``options.delete``).

    ``state_dir``: where the hash cache lives (``None``: no cache; every comparison that needs a
    local MD5 reads the file). ``on_plan(plan)`` is called before anything is changed.
    ``early_listings``: listings started by :func:`cargobay.sync.s3.early.start_listing` with
    the same ``s3`` settings; the endpoint of the same bucket and prefix reads its pages instead
    of fetching them again (one that matches no endpoint is stopped, unread); all are closed
    when this call returns or raises.
    ``dst_s3``: how to reach the destination when it is not where ``s3`` reaches (S3 to S3
    between two endpoints: each object is streamed through this process, see
    :mod:`cargobay.sync.s3stream`); ``None``: ``s3`` for both sides (server-side copy).
    Failures of single files are in the report (``report.ok``); a failed listing raises
    :class:`~cargobay.errors.SyncError`.
    """
    options = options or SyncOptions()
    started = time.monotonic()
    session = _Session(src, dst, options=options, s3=s3, state_dir=state_dir, early=early_listings, dst_s3=dst_s3)
    try:
        plan = build_plan(session.src, session.dst, options=options, selection=_selection(selection))
        if on_plan is not None:
            on_plan(plan)
        report = run_plan(plan, session.src, session.dst, options=options, progress=progress)
    finally:
        session.close()
    report.elapsed_s = time.monotonic() - started
    return report

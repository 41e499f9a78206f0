"""Sync a tree to and from S3 (or between local directories), sending only what changed.

The public API::

    report = sync("photos", "s3://bucket/photos",
                  s3=S3Settings(endpoint_url="http://127.0.0.1:9000"),
                  options=SyncOptions(delete=True), state_dir="~/.cache/cargobay")
    print(report.summary())

    plan = plan_sync(...)            # the same, without changing anything: plan.render()

Each side is a local directory or ``s3://bucket/prefix``; S3 to S3 copies server-side on one
endpoint. How a change is detected is the docstring of :mod:`cargobay.sync.compare`; how
unchanged local files avoid being hashed again is :mod:`cargobay.sync.state`.

Module map (dependencies point down; nothing here imports ``cargobay.testing``):

* :mod:`.execute`   - applies a plan: transfers, backups, deletions, retries (never decides)
* :mod:`.plan`      - lists, merges, compares, fetches facts -> :class:`SyncPlan`
* :mod:`.compare`   - pure decision per path
* :mod:`.march`     - lock-step merge of two sorted listings
* :mod:`.endpoints` - the Endpoint protocol; :mod:`.local` and :mod:`.s3` implement it
* :mod:`.state`     - the hash cache keyed by stat fingerprint (the racy-timestamp rule)
* :mod:`.hashing`, :mod:`.meta` - MD5/multipart ETags of a file; rclone metadata format
* :mod:`.model`     - the values they exchange
"""

from __future__ import annotations

import functools
import os
import time
from typing import Any

from cargobay.errors import UsageError
from cargobay.select import Selection
from cargobay.sync.endpoints import Endpoint, LocalDir, S3Prefix, is_s3_location, open_endpoint
from cargobay.sync.execute import ProgressCallback, run_plan
from cargobay.sync.model import (
    Action,
    Decision,
    Entry,
    Failure,
    Fingerprint,
    SyncOptions,
    SyncProgress,
    SyncReport,
)
from cargobay.sync.plan import PlanItem, SyncPlan, build_plan
from cargobay.sync.s3 import LazyClient, ListingSpec, S3Settings, listing_spec, make_client
from cargobay.sync.state import StateCache

__all__ = [
    "Action",
    "Decision",
    "Endpoint",
    "Entry",
    "Failure",
    "Fingerprint",
    "LocalDir",
    "PlanItem",
    "S3Prefix",
    "S3Settings",
    "StateCache",
    "SyncOptions",
    "SyncPlan",
    "SyncProgress",
    "SyncReport",
    "make_client",
    "open_endpoint",
    "plan_sync",
    "sync",
]

class _Session:
    """Opens both endpoints (one shared S3 client, one state database) and closes them."""

    def __init__(
        self,
        src: str | LocalDir | S3Prefix,
        dst: str | LocalDir | S3Prefix,
        *,
        options: SyncOptions,
        s3: S3Settings | None,
        state_dir: str | None,
    ) -> None:
        self.state = StateCache(os.path.expanduser(state_dir)) if state_dir is not None else None
        self.client: LazyClient | None = None
        self.listing: ListingSpec | None = None
        self.src = self._open(src, options=options, s3=s3)
        self.dst = self._open(dst, options=options, s3=s3)
        if isinstance(self.src, LocalDir) and isinstance(self.dst, LocalDir):
            a, b = os.path.realpath(self.src.root), os.path.realpath(self.dst.root)
            if a == b or b.startswith(a + os.sep) or a.startswith(b + os.sep):
                raise UsageError("source and destination directories must not contain each other")
        if isinstance(self.src, LocalDir) and not os.path.isdir(self.src.root):
            raise UsageError(f"source is not a directory: {self.src.root}")

    def _open(
        self, where: str | LocalDir | S3Prefix, *, options: SyncOptions, s3: S3Settings | None
    ) -> LocalDir | S3Prefix:
        if not isinstance(where, str):
            state = self.state
            if isinstance(where, LocalDir) and where.state is None and state is not None and state.available:
                where.state = state.root(where.root)
            return where
        if is_s3_location(where) and self.client is None:
            settings = s3 or S3Settings()
            self.client = LazyClient(functools.partial(make_client, settings, transfers=options.transfers))
            self.listing = listing_spec(settings, environ=os.environ)
        return open_endpoint(
            where,
            client=self.client,
            listing=self.listing,
            state=self.state,
            trust_cache=not options.checksum,
            part_size=options.part_size,
        )

    def close(self) -> None:
        for ep in (self.src, self.dst):
            if isinstance(ep, S3Prefix):
                ep.close()
        if self.state is not None:
            self.state.close()


def _selection(selection: Selection | None) -> Selection:
    return selection if selection is not None else Selection(ignore_file_name=None)


def plan_sync(
    src: str | LocalDir | S3Prefix,
    dst: str | LocalDir | S3Prefix,
    *,
    options: SyncOptions | None = None,
    selection: Selection | None = None,
    s3: S3Settings | None = None,
    state_dir: str | None = None,
) -> SyncPlan:
    """What :func:`sync` would do, with a reason per path; changes nothing but the hash cache."""
    options = options or SyncOptions()
    session = _Session(src, dst, options=options, s3=s3, state_dir=state_dir)
    try:
        plan = build_plan(session.src, session.dst, options=options, selection=_selection(selection))
        for ep in (session.src, session.dst):
            if isinstance(ep, LocalDir):
                ep.flush_state()
        return plan
    finally:
        session.close()


def sync(
    src: str | LocalDir | S3Prefix,
    dst: str | LocalDir | S3Prefix,
    *,
    options: SyncOptions | None = None,
    selection: Selection | None = None,
    s3: S3Settings | None = None,
    state_dir: str | None = None,
    progress: ProgressCallback | None = None,
    on_plan: Any = None,
) -> SyncReport:
    """Make ``dst`` hold what ``src`` holds (deleting extras only with ``options.delete``).

    ``state_dir``: where the hash cache lives (``None``: no cache; every comparison that needs a
    local MD5 reads the file). ``on_plan(plan)`` is called before anything is changed.
    Failures of single files are in the report (``report.ok``); a failed listing raises
    :class:`~cargobay.errors.SyncError`.
    """
    options = options or SyncOptions()
    started = time.monotonic()
    session = _Session(src, dst, options=options, s3=s3, state_dir=state_dir)
    try:
        plan = build_plan(session.src, session.dst, options=options, selection=_selection(selection))
        if on_plan is not None:
            on_plan(plan)
        report = run_plan(plan, session.src, session.dst, options=options, progress=progress)
    finally:
        session.close()
    report.elapsed_s = time.monotonic() - started
    return report

